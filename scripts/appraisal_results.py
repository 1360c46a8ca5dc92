"""Regenerate the README's table of the reference appraisals (``appraisals/*.yaml``).

    .venv/bin/python scripts/appraisal_results.py            # rewrite the README block
    .venv/bin/python scripts/appraisal_results.py --check    # fail if the README is stale

Each appraisal runs with its own replications and seed; the table goes between the
``appraisal-results`` markers in README.md. The same version, seed and replications give
the same table, so ``--check`` catches a README that no longer matches the model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from corridorsim import cli
from corridorsim.report.results_reader import read_csv_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_results import rewrite_readme_block  # a sibling script

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
APPRAISALS = ["caspian-780-teu-ships", "aktau-container-hub"]
START = "<!-- appraisal-results:start -->"
END = "<!-- appraisal-results:end -->"
COMMAND = "make appraisal-results"
BENEFITS = ("time", "reliability", "consumer_surplus", "co2")


def _musd(row: dict, digits: int = 1) -> str:
    if row["mean"] is None:
        return "–"  # noqa: RUF001  (an en dash marks an empty cell in the README)
    half = row.get("half_width")
    text = f"{row['mean'] / 1e6:,.{digits}f}"
    return f"{text} ± {half / 1e6:,.{digits}f}" if half else text


def _plain(row: dict, digits: int, scale: float = 1.0, unit: str = "") -> str:
    if row["mean"] is None:
        return "–"  # noqa: RUF001
    half = row.get("half_width")
    text = f"{row['mean'] * scale:.{digits}f}{unit}"
    return f"{text} ± {half * scale:.{digits}f}{unit}" if half else text


def appraisal_rows(name: str, workers: int) -> tuple[dict, list[dict]]:
    """Run one reference appraisal as a user would (``corridorsim appraise --report``,
    into ``results/<name>/``) and read back its manifest and ``appraisal.csv``."""
    code = cli.main(["-q", "appraise", str(ROOT / "appraisals" / f"{name}.yaml"),
                     "--workers", str(workers), "--report",
                     "--out", str(ROOT / "results" / name)])
    if code != 0:
        raise SystemExit(f"corridorsim appraise {name} exited {code}")
    folder = ROOT / "results" / name
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return manifest, read_csv_table(folder / "appraisal.csv")[1]


def render(workers: int) -> str:
    lines = [START, "",
             "Present values in million USD (real, discounted to each appraisal's first "
             "year) ± 95% half-widths over the paired replications. *EIRR*: the mean over "
             "the pairs where it exists, and how many pairs repay so fast that it exceeds "
             "1,000 % a year; *switching*: the factor on capital cost, and the value of "
             "time (USD per TEU-day), at which the mean NPV is zero (a dash where none does). "
             "Each run leaves its folder and report in `results/<appraisal>/`. Reproduce "
             f"with `{COMMAND}`.", "",
             "| appraisal | NPV | BCR | EIRR | PV time | PV reliability | PV consumer surplus "
             "| PV CO2 | PV costs | capital switching | value-of-time switching |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in APPRAISALS:
        manifest, rows = appraisal_rows(name, workers)

        def value(section: str, item: str, rows: list[dict] = rows) -> dict:
            return next(r for r in rows if r["section"] == section and r["item"] == item
                        and r["year"] is None)

        capital = value("switching", "capital_cost_factor")["mean"]
        time = value("switching", "time_value_usd_per_teu_day")["mean"]
        above = value("result", "eirr_above_max_pairs")["mean"]
        irr = _plain(value("result", "eirr"), 0, 100.0, " %")
        irr += f"; {above} above 1,000 %" if above else ""
        period = manifest["period"]
        lines.append(
            f"| `{name}` ({period[0]}-{period[1]}, {manifest['discount_rate']:.0%}, "
            f"{manifest['replications']} pairs) "
            f"| {_musd(value('result', 'npv_usd'))} "
            f"| {_plain(value('result', 'benefit_cost_ratio'), 2)} | {irr} "
            + "".join(f"| {_musd(value('result', f'pv_{t}_usd'))} " for t in BENEFITS)
            + f"| {_musd(value('result', 'pv_costs_usd'))} "
            f"| {'–' if capital is None else f'{capital:.2f} x'} "  # noqa: RUF001
            f"| {'–' if time is None else f'{time:,.0f}'} |")  # noqa: RUF001
    lines += ["", END]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return rewrite_readme_block(argv, __doc__.splitlines()[0], START, END, render, COMMAND,
                                f"appraisal table ({len(APPRAISALS)} appraisals)")


if __name__ == "__main__":
    sys.exit(main())
