"""Where the time goes: cProfile of one replication-year of the reference scenario and of
the peer-benchmark tandem, each run through ``cs.run`` (so table building counts), with
own time grouped by area and the top functions.

    .venv/bin/python benchmarks/profile_hot_path.py            # both
    .venv/bin/python benchmarks/profile_hot_path.py tandem     # or: baseline

cProfile adds a fixed cost to every Python call, so it inflates small, frequently
called functions (monitors, ``Environment.now``); read the shares as a ranking, and
time changes with the benchmarks themselves. For a sampling view without that bias:
``pip install pyinstrument`` (not a project dependency), then
``pyinstrument -r text benchmarks/profile_hot_path.py tandem``.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from collections import defaultdict
from pathlib import Path

import corridorsim as cs

HERE = Path(__file__).resolve().parent
CASES = {
    "baseline": HERE.parent / "scenarios" / "baseline-2024.yaml",
    "tandem": HERE / "scenarios" / "tandem-5-mm3-rho90.yaml",
}

AREAS = (  # first match wins
    ("simpy/", "SimPy kernel (events, scheduling, process resumption)"),
    ("corridorsim/report/", "table building (report/)"),
    ("corridorsim/facilities/", "facilities (service points, customs, ports)"),
    ("corridorsim/transport/", "transport (rail lines, vessels)"),
    ("corridorsim/journeys.py", "journeys (journeys.py)"),
    ("corridorsim/model.py", "releases and records (model.py)"),
    ("corridorsim/records.py", "monitors (records.py)"),
    ("corridorsim/consignment.py", "activity clocks (consignment.py)"),
    ("corridorsim/demand.py", "demand (demand.py)"),
    ("corridorsim/sim/", "sampling, streams, calendar (sim/)"),
    ("random.py", "random draws (stdlib random)"),
    ("numpy", "numpy"),
)


def area_of(filename: str) -> str:
    for needle, label in AREAS:
        if needle in filename:
            return label
    return "other (builtins, pydantic, ...)"


def profile(name: str, top: int = 15) -> None:
    scenario = cs.load_scenario(CASES[name])
    profiler = cProfile.Profile()
    profiler.enable()
    cs.run(scenario, replications=1)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        by_area[area_of(filename)] += tottime
    print(f"\n=== {name}: {scenario.name}, one replication through cs.run "
          f"({total:.1f} s under cProfile) ===")
    print("Own time by area:")
    for label, seconds in sorted(by_area.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds / total:5.1%}  {label}")
    print(f"Top {top} functions by own time:")
    rows = sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in rows:
        short = filename.split("site-packages/")[-1].split("src/")[-1]
        print(f"  {tottime / total:5.1%} own, {cumtime / total:5.1%} cum  {ncalls:>9,}  "
              f"{short}:{line}({func})")


def main(argv: list[str]) -> int:
    for name in argv or list(CASES):
        profile(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
