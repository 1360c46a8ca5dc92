"""Regenerate the README's results tables for the reference scenarios.

    .venv/bin/python scripts/reference_results.py            # rewrite the README block
    .venv/bin/python scripts/reference_results.py --check    # fail if the README is stale

Each scenario in ``scenarios/`` runs with the replications and seed below; the tables go
between the ``reference-results`` markers in README.md. The same version, seed and
replications give the same tables, so ``--check`` (a slow test runs it) catches a README
that no longer matches the model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path

import corridorsim as cs
from corridorsim.report import figures as fg
from corridorsim.report.results_page import diverted_words
from corridorsim.report.tables import ACTIVITY_COLUMNS, place_column

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SCENARIOS = ["baseline-2024", "digital-customs", "port-expansion-2026",
             "middle-corridor-2030", "northern-disruption", "caspian-winter",
             "middle-corridor-2024-2030", "altynkol-cranes-2022"]
REPLICATIONS = 10
START = "<!-- reference-results:start -->"
END = "<!-- reference-results:end -->"
COMMAND = "make reference-results"


def _summary(result: cs.RunResult) -> dict[tuple[str, str, str], dict]:
    return {(r["scope"], r["name"], r["kpi"]): r for r in result.summary}


def scenario_table(name: str, workers: int) -> str:
    """One scenario's Markdown: per-route and per-corridor KPIs, and where the Middle
    Corridor's days go."""
    scenario = cs.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    result = cs.run(scenario, replications=REPLICATIONS, workers=workers)
    kpis = _summary(result)

    def value(scope: str, row: str, kpi: str, digits: int) -> str:
        entry = kpis.get((scope, row, kpi))
        if entry is None or entry["mean"] is None:
            return "–"  # noqa: RUF001  (an en dash marks an empty cell in the README)
        half = entry.get("half_width")
        text = f"{entry['mean']:,.{digits}f}"
        return f"{text} ± {half:,.{digits}f}" if half and kpi.endswith("_days") else text

    rows = sorted({n for (scope, n, _k) in kpis if scope == "route"})
    lines = [f"**{name}** (`scenarios/{name}.yaml`)", "",
             "| route | median days | p90 days | cost USD/TEU | CO2e WTW kg/TEU | undelivered |",
             "|---|---:|---:|---:|---:|---:|"]
    # backlog: consignments released in the demand window still travelling after the drain
    for scope, row in [("route", r) for r in rows] + [("corridor", "middle"),
                                                       ("corridor", "northern")]:
        label = row if scope == "route" else f"*{row} corridor, pooled*"
        lines.append(f"| {label} | {value(scope, row, 'median_transit_days', 1)} "
                     f"| {value(scope, row, 'p90_transit_days', 1)} "
                     f"| {value(scope, row, 'mean_cost_usd_per_teu', 0)} "
                     f"| {value(scope, row, 'mean_co2_kg_per_teu', 0)} "
                     f"| {value(scope, row, 'backlog_consignments', 1)} |")
    lines += ["", *where_the_days_go(scenario, kpis), *choice_shares(scenario, kpis),
              *diverted(result), *yearly(result)]
    return "\n".join(lines)


def yearly(result: cs.RunResult) -> list[str]:
    """A run of several years: per year of release, each corridor's consignments, median
    and p90 transit days with 95% half-widths (``periods.csv``)."""
    rows = [r for r in result.periods if r["scope"] == "corridor"]
    years = sorted({r["year"] for r in rows})
    if len(years) < 2:
        return []
    by = {(r["name"], r["year"]): r for r in rows}

    def cell(row: dict | None, kpi: str, digits: int) -> str:
        if row is None or row[f"{kpi}_mean"] is None:
            return "–"  # noqa: RUF001  (an en dash marks an empty cell in the README)
        half = row[f"{kpi}_halfwidth"]
        text = f"{row[f'{kpi}_mean']:,.{digits}f}"
        return f"{text} ± {half:,.{digits}f}" if half else text

    lines = ["", "By year of release (`periods.csv`; consignments per replication):", "",
             "| year | Northern consignments | Northern median days | Northern p90 days "
             "| Middle consignments | Middle median days | Middle p90 days |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for year in years:
        north, middle = by.get(("northern", year)), by.get(("middle", year))
        lines.append(f"| {year} | {cell(north, 'consignments_released', 0)} "
                     f"| {cell(north, 'median_transit_days', 1)} "
                     f"| {cell(north, 'p90_transit_days', 1)} "
                     f"| {cell(middle, 'consignments_released', 0)} "
                     f"| {cell(middle, 'median_transit_days', 1)} "
                     f"| {cell(middle, 'p90_transit_days', 1)} |")
    return lines


def diverted(result: cs.RunResult) -> list[str]:
    """The report's words on the TEU each option took more or fewer during each dated
    closure that shippers react to (report/figures.py, diverted_teu_data)."""
    scenario = result.scenario
    closures = fg.closures_on_choices(scenario.model_dump(mode="json", by_alias=True))
    if not closures:
        return []
    start = dt.datetime.combine(scenario.start_date, dt.time())
    window = (start + dt.timedelta(hours=scenario.warmup_hours),
              start + dt.timedelta(hours=scenario.horizon))
    words = diverted_words(fg.diverted_teu_data(result.shipments, closures, window))
    return ["", words] if words else []


def choice_shares(scenario: cs.Scenario, kpis: dict[tuple[str, str, str], dict]
                  ) -> list[str]:
    """The share of each option of every choosing flow over the year, with its interval
    (summary.csv, scope share), and its volume."""
    choosing = [name for name, flow in scenario.flows.items() if flow.choice is not None]
    if not choosing:
        return []
    lines = ["", "Shippers' choice (share of the flow's TEU over the year, and trains a year):",
             "", "| flow | option | share | 95% CI | trains/yr |", "|---|---|---:|---:|---:|"]
    for flow in choosing:
        for option in scenario.flows[flow].choice or {}:
            share = kpis.get(("share", f"{flow}:{option}", "share"))
            trains = kpis.get(("share", f"{flow}:{option}", "consignments_per_year"))
            if share is None or share["mean"] is None:
                continue
            low = max(share["ci_low"] or 0.0, 0.0)
            per_year = f"{trains['mean']:,.0f}" if trains and trains["mean"] is not None else ""
            lines.append(f"| {flow} | {option} | {share['mean']:.3f} | "
                         f"{low:.3f}-{share['ci_high'] or 0.0:.3f} | {per_year} |")
    return lines


def where_the_days_go(scenario: cs.Scenario, kpis: dict[tuple[str, str, str], dict]
                      ) -> list[str]:
    """Mean days of each China-Europe corridor by country and by activity (summary.csv,
    scope corridor): two Markdown tables."""
    corridors = ["northern", "middle"]

    def mean(corridor: str, kpi: str) -> float:
        entry = kpis.get(("corridor", corridor, kpi))
        return entry["mean"] if entry is not None and entry["mean"] is not None else 0.0

    places = [p for p in scenario.places
              if any(mean(c, f"mean_{place_column(p)}") >= 0.05 for c in corridors)]
    activities = [c for c in ACTIVITY_COLUMNS
                  if any(mean(k, f"mean_{c}") >= 0.05 for k in corridors)]
    lines = ["Where the days go, by country (mean days per delivered consignment):", "",
             "| corridor | transit | " + " | ".join(places) + " |",
             "|---|---:|" + "---:|" * len(places)]
    for corridor in corridors:
        lines.append(f"| {corridor} | {mean(corridor, 'mean_transit_days'):.1f} | "
                     + " | ".join(f"{mean(corridor, f'mean_{place_column(p)}'):.1f}"
                                  for p in places) + " |")
    labels = [c.removeprefix("days_").replace("_", " ") for c in activities]
    lines += ["", "and by activity:", "",
              "| corridor | " + " | ".join(labels) + " |",
              "|---|" + "---:|" * len(labels)]
    for corridor in corridors:
        lines.append(f"| {corridor} | " + " | ".join(
            f"{mean(corridor, f'mean_{c}'):.1f}" for c in activities) + " |")
    return lines


def render(workers: int) -> str:
    parts = [START, "",
             f"Means over {REPLICATIONS} replications (each scenario's own seed) ± 95% "
             "half-widths; medians and p90 are per replication, then averaged. Cost is "
             "every component (tariffs, fees, repositioning, insurance, the inventory "
             "cost of time and the safety stock of the spread; routes.csv). CO2 is CO2e "
             "well-to-wheel by "
             "ISO 14083:2023 / GLEC Framework v3.0 (cited factors, assumptions labelled, "
             "in src/corridorsim/data/emission_factors.yaml). *Undelivered*: consignments "
             "released in the year still travelling at the end of the 60-day drain. "
             f"Reproduce with `{COMMAND}`.", ""]
    for name in SCENARIOS:
        parts += [scenario_table(name, workers), ""]
    parts.append(END)
    return "\n".join(parts)


def rewrite_readme_block(argv: list[str] | None, description: str, start: str, end: str,
                         render: Callable[[int], str], command: str, what: str) -> int:
    """Rewrite README.md between the markers ``start`` and ``end`` with ``render``'s
    text, or with ``--check`` exit 1 when that would change it (for the scripts that
    keep the README's generated tables)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if README.md differs from a fresh run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if start not in README.read_text() or end not in README.read_text():
        print(f"{README}: markers {start} / {end} not found", file=sys.stderr)
        return 2
    block = render(args.workers)
    text = README.read_text()  # read after the long render: another block may have moved
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    updated = before + block + after
    if args.check:
        if updated != text:
            print(f"README.md {what} is stale: run `{command}`", file=sys.stderr)
            return 1
        print(f"README.md {what} is up to date")
        return 0
    README.write_text(updated)
    print(f"README.md {what} rewritten")
    return 0


def main(argv: list[str] | None = None) -> int:
    return rewrite_readme_block(argv, __doc__.splitlines()[0], START, END, render, COMMAND,
                                f"results tables ({len(SCENARIOS)} scenarios)")


if __name__ == "__main__":
    sys.exit(main())
