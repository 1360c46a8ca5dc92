"""One replication-year of the reference scenario, and of the whole 2024 China-Europe
market (~20,000 trains a year on the Northern route), on one core: wall time and peak
memory against the DESIGN §7 targets (under 5 s, under 500 MB).

    .venv/bin/python benchmarks/replication_year.py

Prints one line per case. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import corridorsim as cs
from corridorsim.model import run_replication

ROOT = Path(__file__).resolve().parent.parent
TRAINS_PER_YEAR = 20_000


def market_scale(scenario: cs.Scenario) -> cs.Scenario:
    """The baseline with China-Europe demand scaled to ~20,000 trains a year, and the
    Northern bottlenecks widened in proportion so that the year is not one long queue."""
    flows = {n: f for n, f in scenario.flows.items() if not f.background}
    weekly = sum(f.consignments_per_week for f in flows.values())
    factor = TRAINS_PER_YEAR / 52.14 / weekly
    overrides: dict[str, object] = {}
    for name, flow in flows.items():
        key = "trains_per_week" if flow.trains_per_week is not None else "teu_per_week"
        overrides[f"flows.{name}.{key}"] = getattr(flow, key) * factor
    for name, border in scenario.borders.items():
        if border.gauge_change is not None:
            gc = border.gauge_change
            overrides[f"borders.{name}.gauge_change.tracks"] = int(gc.tracks * factor) + 1
            if gc.trains_per_day:
                key = f"borders.{name}.gauge_change.trains_per_day"
                overrides[key] = gc.trains_per_day * factor
        if border.customs is not None:
            for check in ("exit", "entry"):
                if getattr(border.customs, check) is not None:
                    lanes = getattr(border.customs, check).lanes
                    overrides[f"borders.{name}.customs.{check}.lanes"] = int(lanes * factor) + 1
    for name, terminal in scenario.terminals.items():
        overrides[f"terminals.{name}.tracks"] = int(terminal.tracks * factor) + 1
    return scenario.with_overrides(overrides)


def measure(label: str, scenario: cs.Scenario) -> None:
    started = time.perf_counter()
    outcome = run_replication(scenario, 0)
    wall = time.perf_counter() - started
    trains = len(outcome.shipments)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: {trains:,} China-Europe consignments after warm-up, {wall:.2f} s "
          f"(target < 5 s), peak RSS so far {peak_mb:.0f} MB (target < 500 MB)")


def main() -> int:
    baseline = cs.load_scenario(ROOT / "scenarios" / "baseline-2024.yaml")
    measure("baseline-2024, one replication-year", baseline)
    measure(f"2024 market (~{TRAINS_PER_YEAR:,} trains), one replication-year",
            market_scale(baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
