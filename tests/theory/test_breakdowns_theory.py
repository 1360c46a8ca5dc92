"""Queueing theory for outages: an M/M/1 border whose lane breaks down, with
preemptive-resume, waits as the published breakdown model says.

The model (``scenarios/mm1-breakdowns.yaml``): Poisson arrivals at rate lambda,
exponential service at rate mu, and *independent* breakdowns: the server fails at rate a
whether busy or idle (a crane or a customs system fails whatever the queue), is repaired
after an exponential time with rate b, and a service it interrupts resumes with the time
it had left. This is the "breakdowns independent of the state" model of Avi-Itzhak &
Naor (1963, "Some queuing problems with the service station subject to breakdown",
Operations Research 11(3), 303-320), whose completion time of a service is Gaver's
(1962, "A waiting line with interrupted service, including priorities", J. Royal
Statistical Society B 24(1), 73-90):

* a service of length S is interrupted Poisson(a S) times, each for a repair R, so its
  completion time C = S + R_1 + ... has E[C] = E[S](1 + a/b) and
  E[C^2] = E[S^2](1 + a/b)^2 + a E[S] E[R^2];
* the queue is then an M/G/1 queue in C (Pollaczek-Khinchine), except that an arrival
  finding the server down waits for the rest of the repair: by PASTA it finds it down
  with probability a/(a + b), and the repair left is 1/b (exponential). Hence the mean
  time in the system
  W = E[C] + lambda E[C^2] / (2 (1 - lambda E[C])) + a / (b (a + b)),
  stable when lambda E[C] < 1, and the mean wait before the service starts Wq = W - E[C]
  (the service always starts with the server up, and C does not depend on the past).

The same W follows from the generating functions of the two-state (server up or down)
Markov chain; ``test_the_breakdown_formula_is_the_markov_chain`` checks the closed form
against that chain solved numerically (truncated at 400 trains), so the formula is not
taken on trust. The simulation is then compared with the closed form within 5 %, with
the band at least 2 standard errors wide, as the other theory tests do.

In the simulation a consignment's time at the border is its wait for the lane
(``days_border_queue``: a train arriving while the lane is down waits there), its check
(``days_customs``) and the hours its check was stopped (``days_closure_hold``). About
20 s on two cores.
"""

from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import corridorsim as cs
from corridorsim.scenario.distributions import Exponential
from corridorsim.scenario.schema import Scenario
from corridorsim.scenario.sections import OutageClosure
from tests.theory.test_queueing_theory import (
    LITTLE_TOLERANCE,
    assert_close_to_theory,
    queue_stations,
    run_jobs,
)

SCENARIO = Path(__file__).parent / "scenarios" / "mm1-breakdowns.yaml"


@dataclass(frozen=True)
class BreakdownQueue:
    """An M/M/1 queue with independent preemptive-resume breakdowns (rates per hour)."""

    arrival: float
    service: float
    failure: float
    repair: float

    @property
    def completion(self) -> float:
        """E[C]: a service with the repairs that interrupt it."""
        return (1.0 + self.failure / self.repair) / self.service

    @property
    def completion_second_moment(self) -> float:
        """E[C^2] = E[S^2] (1 + a/b)^2 + a E[S] E[R^2]."""
        k = 1.0 + self.failure / self.repair
        return (2.0 / self.service**2) * k**2 + self.failure / self.service * 2.0 / self.repair**2

    @property
    def availability(self) -> float:
        return self.repair / (self.failure + self.repair)

    def sojourn(self) -> float:
        """Mean time in the system W (hours), see the module docstring."""
        load = self.arrival * self.completion
        if not 0 <= load < 1:
            raise ValueError(f"unstable: the server is taken {load:.3f} of the time")
        down_on_arrival = (1.0 - self.availability) / self.repair
        return (self.completion + self.arrival * self.completion_second_moment
                / (2.0 * (1.0 - load)) + down_on_arrival)

    def wait(self) -> float:
        """Mean wait before service starts, Wq = W - E[C]."""
        return self.sojourn() - self.completion


def markov_chain_sojourn(q: BreakdownQueue, trains: int = 400) -> float:
    """W from the stationary law of the (trains, server up) chain truncated at ``trains``,
    by Little's law: an independent check of the closed form."""
    n = 2 * (trains + 1)
    rates = np.zeros((n, n))
    for k in range(trains + 1):
        for up in (0, 1):
            i = 2 * k + up
            if k < trains:
                rates[i, 2 * (k + 1) + up] += q.arrival
            if up and k:
                rates[i, 2 * (k - 1) + 1] += q.service
            rates[i, 2 * k + (1 - up)] += q.failure if up else q.repair
    generator = rates - np.diag(rates.sum(axis=1))
    system = generator.T.copy()
    system[0, :] = 1.0
    rhs = np.zeros(n)
    rhs[0] = 1.0
    law = np.linalg.solve(system, rhs)
    return float(law @ np.repeat(np.arange(trains + 1), 2)) / q.arrival


def test_the_breakdown_formula_is_the_markov_chain():
    for q in (BreakdownQueue(0.5, 1.0, 0.05, 0.5), BreakdownQueue(0.5, 1.0, 0.02, 0.2),
              BreakdownQueue(0.3, 1.0, 0.1, 0.25), BreakdownQueue(0.7, 2.0, 0.01, 1.0)):
        assert q.sojourn() == pytest.approx(markov_chain_sojourn(q), rel=1e-6), q
    # Without breakdowns it is M/M/1: W = 1 / (mu - lambda).
    assert BreakdownQueue(0.5, 1.0, 0.0, 1.0).sojourn() == pytest.approx(2.0)
    with pytest.raises(ValueError):
        BreakdownQueue(0.5, 1.0, 0.5, 0.5).sojourn()  # taken 1.0 of the time


def breakdown_queue(scenario: Scenario) -> BreakdownQueue:
    """The queue of the theory scenario, after checking it is that queue."""
    without = scenario.with_overrides({"closures": None})
    (station,) = queue_stations(without)
    assert station.kind == "M/M/1"
    (outage,) = scenario.closures.values()
    assert isinstance(outage, OutageClosure) and outage.interrupts
    assert (outage.at, outage.stage, outage.servers) == (station.node, "entry_customs", 1)
    assert isinstance(outage.time_between_failures, Exponential)
    assert isinstance(outage.repair_time, Exponential)
    return BreakdownQueue(station.arrival_rate, 1.0 / station.mean_service,
                          1.0 / outage.time_between_failures.mean,
                          1.0 / outage.repair_time.mean)


def run_one(job: tuple[Scenario, int]) -> dict[str, Any]:
    scenario, seed = job
    result = cs.run(scenario, replications=1, seed=seed)
    rows = [r for r in result.shipments if r["transit_days"] is not None]
    (lane,) = [s for s in result.stages if s["node"] == "border"]
    return {
        "sojourn": statistics.fmean(24.0 * (r["days_border_queue"] + r["days_customs"]
                                            + r["days_closure_hold"]) for r in rows),
        "wait": statistics.fmean(24.0 * r["days_border_queue"] for r in rows),
        "held": statistics.fmean(24.0 * r["days_closure_hold"] for r in rows), "lane": lane}


@functools.cache
def breakdown_run() -> tuple[Scenario, BreakdownQueue, list[dict[str, Any]]]:
    scenario = cs.load_scenario(SCENARIO)
    jobs = [(scenario, scenario.seed + r) for r in range(scenario.replications)]
    return scenario, breakdown_queue(scenario), run_jobs(run_one, jobs)


def test_mean_time_at_the_border_is_the_breakdown_result():
    _, queue, runs = breakdown_run()
    assert queue.sojourn() == pytest.approx(2.8485, abs=1e-4)  # the file's comment
    assert_close_to_theory("M/M/1 with breakdowns W", [r["sojourn"] for r in runs],
                           queue.sojourn())
    assert_close_to_theory("M/M/1 with breakdowns Wq", [r["wait"] for r in runs],
                           queue.wait())


def test_interrupted_checks_are_held_as_long_as_the_repairs_that_stop_them():
    """The hours a check is stopped: a/b hours of repair per hour of check, E[S] a / b."""
    _, queue, runs = breakdown_run()
    assert_close_to_theory("hours stopped per check", [r["held"] for r in runs],
                           queue.failure / queue.repair / queue.service)


def test_the_lane_is_out_and_busy_as_its_availability_says():
    """nodes.csv: hours out of service b/(a+b) short of the window; utilisation is busy
    over available server-hours, lambda E[S] / availability."""
    scenario, queue, runs = breakdown_run()
    span = scenario.horizon - float(scenario.warmup)
    out = statistics.fmean(r["lane"]["hours_out"] for r in runs)
    assert out == pytest.approx(span * (1.0 - queue.availability), rel=0.03)
    assert all(r["lane"]["server_hours_out"] == r["lane"]["hours_out"] for r in runs)
    utilisation = statistics.fmean(r["lane"]["utilisation"] for r in runs)
    assert utilisation == pytest.approx(queue.arrival / queue.service / queue.availability,
                                        rel=LITTLE_TOLERANCE)
