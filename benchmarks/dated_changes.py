"""What a timeline of dated changes costs a replication-year: the 2024 baseline against
the same baseline with 20 changes (each a month-long window, so 40 dates at which nodes,
rail legs and flows take new settings), alternated, best of several, CPU time.

    .venv/bin/python benchmarks/dated_changes.py [--repeats 5]

The changes are small (a lane or track more, a trains-per-day ceiling 10 % lower, a
flow 5 % busier), so the two runs do about the same work and the ratio is the cost of
following the timeline: validating its states happens once, before the run, and is
timed separately. The issue's bound: under 5 % on a replication-year.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import corridorsim as cs
from corridorsim.model import run_replication

ROOT = Path(__file__).resolve().parent.parent


def twenty_changes(scenario: cs.Scenario) -> dict[str, Any]:
    """20 month-long changes spread over the year, cycling through kinds of key."""
    keys: list[tuple[str, Any]] = []
    for name, border in scenario.borders.items():
        if border.gauge_change is not None:
            keys.append((f"borders.{name}.gauge_change.tracks", border.gauge_change.tracks + 1))
            if border.gauge_change.trains_per_day:
                keys.append((f"borders.{name}.gauge_change.trains_per_day",
                             border.gauge_change.trains_per_day * 0.9))
        if border.customs is not None and border.customs.entry is not None:
            keys.append((f"borders.{name}.customs.entry.lanes", border.customs.entry.lanes + 1))
    for name, port in scenario.ports.items():
        keys.append((f"ports.{name}.berths", port.berths + 1))
    for name, flow in scenario.flows.items():
        if flow.teu_per_week is not None:
            keys.append((f"flows.{name}.teu_per_week", flow.teu_per_week * 1.05))
        elif flow.trains_per_week is not None:
            keys.append((f"flows.{name}.trains_per_week", flow.trains_per_week * 1.05))
    changes = {}
    start = scenario.start_date
    for i in range(20):
        key, value = keys[i % len(keys)]
        at = start + dt.timedelta(days=30 + 15 * i)
        changes[f"change_{i:02d}"] = {"at": at.isoformat(),
                                      "until": (at + dt.timedelta(days=30)).isoformat(),
                                      "set": {key: value}}
    return changes


def cpu_seconds(scenario: cs.Scenario) -> float:
    started = time.process_time()
    run_replication(scenario, 0)
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    baseline = cs.load_scenario(ROOT / "scenarios" / "baseline-2024.yaml")
    started = time.perf_counter()
    timed = baseline.with_overrides({"changes": twenty_changes(baseline)})
    validation = time.perf_counter() - started
    print(f"20 changes, {len(timed.timeline)} dates: timeline validated in {validation:.2f} s")
    plain_best = timed_best = float("inf")
    for _ in range(args.repeats):
        plain_best = min(plain_best, cpu_seconds(baseline))
        timed_best = min(timed_best, cpu_seconds(timed))
    print(f"baseline-2024 replication-year: {plain_best:.2f} s without changes, "
          f"{timed_best:.2f} s with 20 changes: ratio {timed_best / plain_best:.3f} "
          "(bound: under 1.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
