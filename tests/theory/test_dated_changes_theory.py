"""Queueing theory for dated changes: a border whose lanes change at dates is, in each
period, the M/M/c queue of that period's lanes (Erlang C), once the queue has relaxed.

``scenarios/mmc-lanes-change.yaml`` runs an M/M/3 border (rho 0.5) that loses a lane
for 40 000 hours (M/M/2, rho 0.75) and gets it back. A consignment's border wait is
counted in the period it was released in (legs take no time, so it arrives at once);
the 500 h after each change are left out as the transient. Each replication gives one
mean wait per period; the test compares the mean over replications with Erlang C
within 5 %, and checks the band is at least 2 standard errors wide, as the other
theory tests do. The removal takes effect as lanes free up (no check is cut short), so
this also checks that a lowered count is reached and held, and a raised one used at once.
"""

from __future__ import annotations

import functools
import statistics
from pathlib import Path

import pytest

import corridorsim as cs
from corridorsim.scenario.schema import Scenario
from tests.theory.test_queueing_theory import (
    assert_close_to_theory,
    mmc_wait,
    run_jobs,
)

SCENARIO = Path(__file__).parent / "scenarios" / "mmc-lanes-change.yaml"
TRANSIENT = 500.0
"""Hours left out after each change (about 18 relaxation times of the M/M/2 period)."""


def periods(scenario: Scenario) -> list[tuple[float, float, int]]:
    """Each period's (first release hour counted, end hour, lanes), from the timeline."""
    bounds = [float(scenario.warmup), *(hour for hour, _ in scenario.timeline),
              scenario.horizon]
    lanes = [scenario.borders["border"].customs.entry.lanes]  # type: ignore[union-attr]
    lanes += [state.borders["border"].customs.entry.lanes  # type: ignore[union-attr]
              for _, state in scenario.timeline]
    return [(start + (TRANSIENT if i else 0.0), end, c)
            for i, (start, end, c) in enumerate(zip(bounds, bounds[1:], lanes, strict=False))]


def period_waits(job: tuple[Scenario, int]) -> list[float]:
    """One replication's mean border wait (hours) of the consignments of each period."""
    scenario, seed = job
    result = cs.run(scenario, replications=1, seed=seed)
    hours = [(row["released_at"], 24.0 * row["days_border_queue"])
             for row in result.shipments if row["transit_days"] is not None]
    start = scenario.start_date
    out = []
    for first, end, _ in periods(scenario):
        waits = [w for released, w in hours
                 if first <= _hours(start, released) < end]
        out.append(statistics.fmean(waits))
    return out


def _hours(start, released: str) -> float:
    import datetime as dt
    moment = dt.datetime.fromisoformat(released)
    return (moment - dt.datetime.combine(start, dt.time())).total_seconds() / 3600.0


@functools.cache
def lanes_change_run() -> tuple[Scenario, list[list[float]]]:
    scenario = cs.load_scenario(SCENARIO)
    jobs = [(scenario, scenario.seed + r) for r in range(scenario.replications)]
    return scenario, run_jobs(period_waits, jobs)


def test_the_timeline_is_three_periods_of_three_two_and_three_lanes():
    scenario = cs.load_scenario(SCENARIO)
    assert [c for _, _, c in periods(scenario)] == [3, 2, 3]
    assert [hour for hour, _ in scenario.timeline] == [20500.0, 60500.0]


@pytest.mark.slow
@pytest.mark.parametrize("period", [0, 1, 2], ids=["3 lanes", "2 lanes", "3 lanes again"])
def test_each_period_waits_as_erlang_c_of_its_lanes(period):
    scenario, runs = lanes_change_run()
    rate = scenario.flows["trains"].trains_per_week / 168.0  # type: ignore[operator]
    _, _, lanes = periods(scenario)[period]
    assert_close_to_theory(f"period {period} M/M/{lanes} Wq", [r[period] for r in runs],
                           mmc_wait(rate, 1.0, lanes))
