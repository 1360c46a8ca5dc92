"""Queueing theory: a border with priority classes reproduces Cobham's formula.

``scenarios/mmc-priority.yaml`` is one border with ``c`` entry-customs lanes,
exponential document checks (the same for every train) and two Poisson flows over the
same route, ``express`` with ``priority: 1`` and ``standard`` with the default 0: an
M/M/c queue with two non-preemptive priority classes, first come first served within
a class. Everything else takes no time, as in the other theory scenarios
(``test_queueing_theory.py``, whose checks and helpers this file reuses).

Cobham's formula. Number the classes 1 (served first) to K, let class k arrive at
rate lambda_k, let every train's service be exponential with rate mu on any of the c
servers, and write rho_k = lambda_k / (c mu), sigma_k = rho_1 + ... + rho_k
(sigma_0 = 0), rho = sigma_K < 1. Then the mean wait in queue of class k is

    Wq_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k)),    W0 = C(c, a) / (c mu),

with C(c, a) the Erlang C probability of waiting at offered load a = lambda / mu
(A. Cobham, "Priority assignment in waiting line problems", J. Operations Research
Soc. America 2 (1954) 70-76; D. Gross and C. M. Harris, "Fundamentals of Queueing
Theory", the section on non-preemptive priorities with many servers; L. Kleinrock,
"Queueing Systems" vol. 2, on priority queueing). Derivation, for a class-k arrival
(PASTA: it sees the time-stationary state):

* W0 is its expected wait until the first server frees: with probability C(c, a)
  all c servers are busy, and then, service being memoryless, the next of the c
  services ends after an exponential time with mean 1 / (c mu); otherwise zero.
* While it waits all c servers are busy, so services end at rate c mu. It must also
  wait for the trains of classes 1..k already waiting (Lq_i = lambda_i Wq_i by
  Little's law, each taking 1 / (c mu) of completions on average) and for those of
  classes 1..k-1 arriving while it waits (lambda_i Wq_k each, same cost):
  Wq_k = W0 + sum_{i<=k} rho_i Wq_i + sigma_{k-1} Wq_k.
* Solving class by class: with T_k = W0 + sum_{i<=k} rho_i Wq_i (T_0 = W0), the
  balance reads (1 - sigma_k) Wq_k = T_{k-1}, so T_k = T_{k-1} + rho_k Wq_k
  = T_{k-1} (1 - sigma_{k-1}) / (1 - sigma_k), which telescopes to
  T_k = W0 / (1 - sigma_k); hence Wq_k = T_{k-1} / (1 - sigma_k) is the formula.

This is exact for M/M/c only because all classes share one exponential service rate
(the time until one of c busy servers frees is then 1 / (c mu) whatever the classes
in service). Two checks on the formula below do not rely on the derivation: the
conservation law (the number of trains in the system is the same birth-death process
under any discipline that ignores service times, so the load-weighted mean of the
classes' waits is the FCFS Erlang C wait) and the stationary distribution of the
Markov chain of the two-class queue, solved numerically.

Estimates, precision and run length: as in ``test_queueing_theory.py``, each
replication is its own ``cs.run`` with seed ``seed + r``, a replication's estimate is
its mean over post-warm-up consignments of that flow, and the standard error comes
from the spread between replications. The run length was chosen from pilot runs so
that the standard error is at most about 1.5% of each class's theoretical wait (140
replications of 20 000 h: the low class is the noisy one, about 1.4% at 10 x 60 000 h,
the high class about 0.55%); each test also checks that the 5% band is at least 2
standard errors wide. The run takes about 40-60 s on two cores, so the two tests that
use it are marked ``slow`` (``pytest -m slow tests/theory`` runs them).
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import spsolve

import corridorsim as cs
from corridorsim.cli import main as cli_main
from corridorsim.scenario.distributions import Exponential
from corridorsim.scenario.schema import Scenario
from tests.theory.test_queueing_theory import (
    LITTLE_TOLERANCE,
    SCENARIOS,
    Station,
    assert_close_to_theory,
    erlang_c,
    mmc_wait,
    queue_stations,
    run_jobs,
)

SCENARIO = SCENARIOS / "mmc-priority.yaml"


# --- formulas ------------------------------------------------------------------------------


def cobham_waits(arrival_rates: Sequence[float], mean_service: float,
                 servers: int) -> list[float]:
    """Mean wait in queue of each class of an M/M/c queue with non-preemptive priorities
    and one exponential service rate for all classes (Cobham), hours.

    ``arrival_rates`` lists the classes from the one served first to the one served
    last; the waits come back in the same order.
    """
    if not arrival_rates or min(arrival_rates) < 0:
        raise ValueError(f"expected non-negative class arrival rates, got {arrival_rates}")
    total = sum(arrival_rates)
    capacity = servers / mean_service  # c mu
    w0 = erlang_c(servers, total * mean_service) / capacity  # raises when unstable
    waits = []
    sigma = 0.0  # sigma_{k-1}
    for rate in arrival_rates:
        above = sigma
        sigma += rate / capacity
        waits.append(w0 / ((1.0 - above) * (1.0 - sigma)))
    return waits


def two_class_chain_waits(high_rate: float, low_rate: float, mean_service: float,
                          servers: int, max_high: int = 60,
                          max_low: int = 300) -> tuple[float, float]:
    """Mean waits in queue (high class, low class) of the two-class non-preemptive M/M/c
    queue from the stationary distribution of its Markov chain, solved numerically.

    States: ``b < c`` busy servers and nobody waiting, or all c busy with ``n1`` high
    and ``n2`` low trains waiting (truncated at ``max_high`` and ``max_low``, where the
    queues are refused; the neglected mass is geometric in the bound). A service ends
    at rate ``b mu`` and its server takes the first high train waiting, else the first
    low one. Waits by Little's law on the queue lengths.
    """
    mu = 1.0 / mean_service
    full = servers  # index of the state (all busy, 0, 0)

    def index(n1: int, n2: int) -> int:
        return full + n1 * (max_low + 1) + n2

    size = full + (max_high + 1) * (max_low + 1)
    rows: list[int] = []
    cols: list[int] = []
    rates: list[float] = []

    def move(a: int, b: int, rate: float) -> None:
        rows.extend((a, a))
        cols.extend((b, a))
        rates.extend((rate, -rate))

    for b in range(servers):
        move(b, b + 1 if b + 1 < servers else full, high_rate + low_rate)
        if b > 0:
            move(b, b - 1, b * mu)
    for n1 in range(max_high + 1):
        for n2 in range(max_low + 1):
            here = index(n1, n2)
            if n1 < max_high:
                move(here, index(n1 + 1, n2), high_rate)
            if n2 < max_low:
                move(here, index(n1, n2 + 1), low_rate)
            done = servers * mu
            if n1 > 0:
                move(here, index(n1 - 1, n2), done)
            elif n2 > 0:
                move(here, index(0, n2 - 1), done)
            else:
                move(here, servers - 1, done)
    generator = coo_matrix((rates, (rows, cols)), shape=(size, size)).tocsr()
    # pi Q = 0 with sum(pi) = 1: the transposed system with one balance equation
    # replaced by the normalisation.
    system = generator.T.tolil()
    system[0, :] = np.ones(size)
    rhs = np.zeros(size)
    rhs[0] = 1.0
    pi = spsolve(system.tocsr(), rhs)
    queued = pi[full:].reshape(max_high + 1, max_low + 1)
    assert queued[-1, :].sum() < 1e-9 and queued[:, -1].sum() < 1e-9, "truncated too early"
    high_waiting = float((queued.sum(axis=1) * np.arange(max_high + 1)).sum())
    low_waiting = float((queued.sum(axis=0) * np.arange(max_low + 1)).sum())
    return high_waiting / high_rate, low_waiting / low_rate


CASES = [  # (class arrival rates, first served first; mean service; servers)
    ((0.48, 1.12), 1.0, 2),        # the scenario
    ((0.3, 0.4), 1.0, 1),
    ((0.5, 1.0, 0.6), 1.5, 4),
    ((0.1, 0.2, 0.3, 2.0), 1.0, 3),
    ((2.0, 0.1), 0.5, 2),
    ((1.0,), 1.0, 3),
]


@pytest.mark.parametrize(("rates", "mean_service", "servers"), CASES)
def test_cobham_waits_conserve_the_fcfs_mean_wait(rates, mean_service, servers):
    """Kleinrock's conservation law: with one service distribution for all classes the
    arrival-weighted (here equal to load-weighted) mean wait is the FCFS Erlang C wait."""
    waits = cobham_waits(rates, mean_service, servers)
    total = sum(rates)
    weighted = sum(r * w for r, w in zip(rates, waits, strict=True)) / total
    assert weighted == pytest.approx(mmc_wait(total, mean_service, servers), rel=1e-12)
    assert waits == sorted(waits)  # a class served earlier never waits longer


def test_cobham_waits_against_closed_forms():
    # One class: Erlang C.
    for c, rate in ((1, 0.85), (2, 1.6), (3, 2.55)):
        (wait,) = cobham_waits([rate], 1.0, c)
        assert wait == pytest.approx(mmc_wait(rate, 1.0, c), rel=1e-12)
    # c = 1: the M/G/1 priority queue (Cobham), W0 = lambda E[S^2] / 2 = rho / mu for
    # exponential service, which is C(1, rho) / mu.
    high, low = cobham_waits([0.3, 0.4], 2.0 / 3.0, 1)
    rho1, rho = 0.2, 0.2 + 0.4 * 2.0 / 3.0
    w0 = (0.3 + 0.4) * 2.0 * (2.0 / 3.0) ** 2 / 2.0
    assert high == pytest.approx(w0 / (1 - rho1), rel=1e-12)
    assert low == pytest.approx(w0 / ((1 - rho1) * (1 - rho)), rel=1e-12)
    # A vanishing top class only waits for the first server to free: W0 = C / (c mu).
    top, _ = cobham_waits([1e-12, 1.6], 1.0, 2)
    assert top == pytest.approx(erlang_c(2, 1.6) / 2.0, rel=1e-9)
    # The scenario's numbers, as written in its header.
    express, standard = cobham_waits([0.48, 1.12], 1.0, 2)
    assert erlang_c(2, 1.6) == pytest.approx(0.7111, abs=1e-4)
    assert express == pytest.approx(0.4678, abs=1e-4)
    assert standard == pytest.approx(2.3392, abs=1e-4)
    with pytest.raises(ValueError):
        cobham_waits([1.0, 1.0], 1.0, 2)


@pytest.mark.parametrize(("high_rate", "low_rate", "mean_service", "servers"),
                         [(0.48, 1.12, 1.0, 2), (0.3, 0.4, 1.0, 1), (1.2, 0.9, 1.0, 3),
                          (0.5, 0.2, 2.0, 2)])
def test_cobham_waits_match_the_markov_chain(high_rate, low_rate, mean_service, servers):
    """The formula against the exact stationary distribution of the two-class queue."""
    theory = cobham_waits([high_rate, low_rate], mean_service, servers)
    chain = two_class_chain_waits(high_rate, low_rate, mean_service, servers)
    assert chain == pytest.approx(theory, rel=1e-6)


# --- the scenario as a priority queue ------------------------------------------------------


@dataclass(frozen=True)
class PriorityClass:
    """One priority class: the flows with that ``priority``, sharing one queue."""

    priority: int
    flows: tuple[str, ...]
    arrival_rate: float
    """Trains per hour."""


@dataclass(frozen=True)
class PriorityStation:
    """A border that is an M/M/c queue with non-preemptive priority classes."""

    station: Station
    """The border as one queue carrying all flows (its ``arrival_rate`` is the total)."""
    classes: tuple[PriorityClass, ...]
    """From the class served first to the one served last."""

    def theoretical_waits(self) -> dict[int, float]:
        """Mean wait in queue by priority, hours (Cobham)."""
        waits = cobham_waits([k.arrival_rate for k in self.classes],
                             self.station.mean_service, self.station.servers)
        return {k.priority: w for k, w in zip(self.classes, waits, strict=True)}


def priority_station(scenario: Scenario) -> PriorityStation:
    """The scenario's one border as a priority queue, after checking it is one.

    Each flow on its own must be a theory scenario's pure queue (``queue_stations``
    refuses anything that would make the formulas wrong), all flows must cross the
    same single border with the same lanes and exponential service, and each flow must
    be reported so that its consignments are in ``shipments.csv``.
    """
    document = scenario.model_dump(by_alias=True, exclude_none=True)
    stations: dict[str, Station] = {}
    for name, flow in scenario.flows.items():
        assert flow.reported, f"flow {name!r} is not in shipments.csv"
        alone = Scenario.from_document({**document, "flows": {name: document["flows"][name]}})
        (stations[name],) = queue_stations(alone)
    first, *others = stations.values()
    for other in others:
        assert (other.node, other.servers, other.service) == (
            first.node, first.servers, first.service)
    assert isinstance(first.service, Exponential)
    by_priority: dict[int, list[str]] = {}
    for name, flow in scenario.flows.items():
        by_priority.setdefault(flow.priority, []).append(name)
    classes = tuple(PriorityClass(p, tuple(names), sum(stations[n].arrival_rate for n in names))
                    for p, names in sorted(by_priority.items(), reverse=True))
    total = sum(k.arrival_rate for k in classes)
    return PriorityStation(Station(first.node, total, first.servers, first.service), classes)


# --- running -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorityReplication:
    """What one independent run reports, by flow."""

    seed: int
    waits: dict[str, float]
    """Mean of 24 * days_border_queue over delivered post-warm-up consignments, hours."""
    delivered: dict[str, int]
    node: dict[str, Any]
    """The border's row of nodes.csv."""
    seconds: float


def run_one(job: tuple[Scenario, int, str]) -> PriorityReplication:
    """One replication as its own ``cs.run``, reduced to per-flow means where it ran."""
    scenario, seed, node = job
    started = time.perf_counter()
    result = cs.run(scenario, replications=1, seed=seed)
    waits: dict[str, list[float]] = {name: [] for name in scenario.flows}
    for row in result.shipments:
        if row["transit_days"] is not None:
            waits[row["flow"]].append(24.0 * row["days_border_queue"])
    # The node's own row (rows with a ``stage`` describe one service point of it).
    (border,) = (row for row in result.nodes
                 if row["node"] == node and row.get("stage") is None)
    return PriorityReplication(seed=seed,
                               waits={f: statistics.fmean(w) for f, w in waits.items()},
                               delivered={f: len(w) for f, w in waits.items()},
                               node=border, seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class PriorityRun:
    scenario: Scenario
    station: PriorityStation
    replications: list[PriorityReplication]
    seconds: float

    def class_waits(self, k: PriorityClass) -> list[float]:
        """Per replication, the class's mean wait (its flows' consignments pooled)."""
        return [sum(r.waits[f] * r.delivered[f] for f in k.flows)
                / sum(r.delivered[f] for f in k.flows) for r in self.replications]


def run_priority_scenario(path: Path, overrides: dict[str, Any] | None = None) -> PriorityRun:
    """Run the scenario's replications, one process per replication on the free cores."""
    scenario = cs.load_scenario(path, overrides)
    station = priority_station(scenario)
    jobs = [(scenario, scenario.seed + r, station.station.node)
            for r in range(scenario.replications)]
    started = time.perf_counter()
    reps = run_jobs(run_one, jobs)
    return PriorityRun(scenario, station, reps, time.perf_counter() - started)


@functools.cache
def priority_run() -> PriorityRun:
    """The scenario file, run once per session (its tests share it)."""
    return run_priority_scenario(SCENARIO)


# --- tests ---------------------------------------------------------------------------------


def test_the_scenario_is_a_two_class_mm2_priority_queue():
    station = priority_station(cs.load_scenario(SCENARIO))
    assert station.station.kind == "M/M/2"
    assert [(k.priority, k.flows) for k in station.classes] == [(1, ("express",)),
                                                              (0, ("standard",))]
    assert station.station.utilisation == pytest.approx(0.8)
    assert station.classes[0].arrival_rate / station.station.arrival_rate == pytest.approx(0.3)


@pytest.mark.slow
def test_each_priority_class_waits_as_cobham():
    run = priority_run()
    theory = run.station.theoretical_waits()
    print(f"{run.scenario.name}: {len(run.replications)} replications in {run.seconds:.1f} s")
    for k in run.station.classes:
        assert_close_to_theory(f"{run.scenario.name} priority {k.priority} {'+'.join(k.flows)} "
                               "Wq", run.class_waits(k), theory[k.priority])


@pytest.mark.slow
def test_priorities_keep_the_fcfs_mean_wait_and_the_border_statistics():
    """Conservation in the simulation: the mean wait over all trains is the FCFS Erlang C
    wait; nodes.csv describes the same queue (its mean wait per train is the
    consignments' border-queue time, the lanes are busy rho of the time, Lq = lambda Wq)."""
    run = priority_run()
    station = run.station.station
    span = run.scenario.horizon - float(run.scenario.warmup)
    overall = []
    for rep in run.replications:
        trains = sum(rep.delivered.values())
        wait = sum(rep.waits[f] * rep.delivered[f] for f in rep.waits) / trains
        overall.append(wait)
        node = rep.node
        assert node["mean_wait_hours"] == pytest.approx(wait, rel=0.005), rep.seed
        assert node["throughput_trains"] == pytest.approx(trains, rel=0.005), rep.seed
        observed_rate = node["throughput_trains"] / span
        assert node["mean_queue"] == pytest.approx(observed_rate * node["mean_wait_hours"],
                                                   rel=LITTLE_TOLERANCE), rep.seed
    assert_close_to_theory(f"{run.scenario.name} all trains Wq (FCFS Erlang C)", overall,
                           station.theoretical_wait())
    utilisation = statistics.fmean(r.node["utilisation"] for r in run.replications)
    assert utilisation == pytest.approx(station.utilisation, rel=LITTLE_TOLERANCE)


def test_priority_scenario_runs_with_the_cli(tmp_path):
    """The file is a valid scenario the command line runs (shortened), reporting both
    flows' consignments in shipments.csv."""
    out = tmp_path / "results"
    assert cli_main(["run", str(SCENARIO), "-n", "1", "--set", "horizon=600h",
                     "--set", "warmup=100h", "--out", str(out)]) == 0
    assert ",border,border," in (out / "nodes.csv").read_text(encoding="utf-8")
    header, *rows = (out / "shipments.csv").read_text(encoding="utf-8").splitlines()
    column = header.split(",").index("flow")
    assert {row.split(",")[column] for row in rows} == {"express", "standard"}
