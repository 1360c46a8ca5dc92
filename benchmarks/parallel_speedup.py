"""Speed-up of a 16-replication run of the reference scenario from 1 to 2 local workers,
against the DESIGN §7 target (near-linear: at least 1.8x), and where the time goes.

    .venv/bin/python benchmarks/parallel_speedup.py             # best of 2 runs each
    .venv/bin/python benchmarks/parallel_speedup.py --repeats 1

Each case is ``cs.run(scenario, replications=16, workers=...)``, timed whole. Each
replication's table rows are built in the worker that ran it; the parent only merges
them and computes the across-replication summary, which does not parallelise. The
breakdown times that serial part and what crosses the process boundary: the scenario
out to each task, and each task's outcome and table rows back.

Not a test: timings depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import sys
import time
from pathlib import Path

import corridorsim as cs
from corridorsim.experiment.replications import replicate
from corridorsim.report.summaries import add_summaries
from corridorsim.report.tables import merge_tables

ROOT = Path(__file__).resolve().parent.parent
REPLICATIONS = 16


def timed_run(scenario: cs.Scenario, workers: int) -> tuple[float, cs.RunResult]:
    gc.collect()
    started = time.perf_counter()
    result = cs.run(scenario, replications=REPLICATIONS, workers=workers)
    return time.perf_counter() - started, result


def best(scenario: cs.Scenario, workers: int, repeats: int) -> tuple[float, cs.RunResult]:
    runs = [timed_run(scenario, workers) for _ in range(repeats)]
    return min(runs, key=lambda r: r[0])


def pickle_seconds(obj: object) -> tuple[float, int]:
    """Seconds to pickle and unpickle ``obj`` once, and the pickle's size in bytes."""
    started = time.perf_counter()
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.loads(data)
    return time.perf_counter() - started, len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs per worker count; the fastest counts (default 2)")
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline-2024.yaml"))
    args = parser.parse_args(argv)
    scenario = cs.load_scenario(args.scenario)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{scenario.name}: {REPLICATIONS} replications, {cores} cores available; "
          f"best of {args.repeats} run(s) each.")
    serial_s, serial = best(scenario, 1, args.repeats)
    pool_s, pool = best(scenario, 2, args.repeats)
    assert serial.tables["shipments"] == pool.tables["shipments"], "parallel != serial"

    for label, total in (("1 worker ", serial_s), ("2 workers", pool_s)):
        print(f"  {label}: {total:6.2f} s")
    speedup = serial_s / pool_s
    print(f"\nSpeed-up 1 -> 2 workers: {speedup:.2f}x (target >= 1.8x)")

    one = replicate(scenario, 0, serial.seed)
    started = time.perf_counter()
    merged = merge_tables([one[1]] * REPLICATIONS)
    add_summaries(merged, REPLICATIONS)
    parent_s = time.perf_counter() - started
    serial_share = parent_s / serial_s
    print(f"\nWhere the time goes (1 worker = {serial_s:.2f} s):")
    print(f"  replications and their tables {serial_s - parent_s:6.2f} s "
          f"({1 - serial_share:.0%}), parallel")
    print(f"  merge and summary (parent)    {parent_s:6.2f} s ({serial_share:.0%}), serial")
    ideal = 1.0 / (serial_share + (1.0 - serial_share) / 2.0)
    print(f"  -> Amdahl bound with 2 workers and this serial share: {ideal:.2f}x")
    scen_s, scen_bytes = pickle_seconds(scenario)
    out_s, out_bytes = pickle_seconds(one)
    print(f"  pickling the scenario, per task: {scen_s * 1e3:.1f} ms ({scen_bytes / 1e3:.0f} kB)"
          f" x {REPLICATIONS}")
    print(f"  pickling one task's outcome and rows back: {out_s * 1e3:.0f} ms "
          f"({out_bytes / 1e6:.1f} MB) x {REPLICATIONS}, about half of it in the parent")
    overhead = pool_s - serial_s / 2.0
    print(f"  pool overhead beyond a perfect split of the replications: {overhead:.2f} s "
          f"(process start-up, pickling, imbalance of {REPLICATIONS} tasks on 2 workers, "
          f"other load on the machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
