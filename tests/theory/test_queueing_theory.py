"""Queueing theory: borders built as textbook queues reproduce the textbook formulas.

The scenarios in ``scenarios/`` strip the model down to queues whose steady state is
known exactly (terminals and rail legs take no time, every train uses the paper
regime, nothing is inspected):

* ``mm1-rho50``, ``mm1-rho85``, ``mm3-rho50``, ``mm3-rho85``: one border with ``c``
  entry-customs lanes, Poisson arrivals and exponential document checks, i.e. an
  M/M/c queue. Mean wait in queue: Erlang C.
* ``md1-rho50``, ``md1-rho85``: one lane and a fixed document check, i.e. M/D/1. Mean
  wait in queue: Pollaczek-Khinchine.
* ``tandem-5-mm3``: five M/M/3 borders in series. By Burke's theorem every border sees
  Poisson arrivals at the flow's rate, so each one's mean wait is its Erlang C value.

The theoretical values are computed from the loaded scenario (arrival rate, lanes,
service distribution), after checking that the scenario really is such a queue.

Estimates and their precision: each scenario is run as ``replications`` independent
runs with seeds ``seed``, ``seed + 1``, ... (one ``cs.run`` per process, so that only
one replication's tables are in memory at a time). A replication's estimate is the
mean over its post-warm-up consignments; the reported value is the mean over
replications and its standard error comes from the spread between replications. Run
lengths were chosen from pilot runs (40 to 200 replications of the same design per
case) so that the standard error is at most about 1.4% of the theoretical value, i.e.
the 5% band is at least about 3.5 standard errors wide. Each test also checks that
the band is at least 2 standard errors wide at the run length in the file, so a
change that makes the estimate noisier fails loudly instead of passing by luck.
Warm-ups are at least 30 relaxation times of the queue, so the initial (empty) state
biases nothing measurable.

Rounding: ``days_border_queue`` is rounded to 1e-4 day (8.6 s = 0.0024 h) per
consignment. Rounding to nearest is unbiased for a continuous wait (and exact for the
many zero waits), so the mean moves by far less than 0.1% of the smallest Wq here
(0.158 h). ``mean_wait_hours`` and ``mean_queue`` are rounded to 1e-4, i.e. at most
0.03% of the smallest values compared.

M/M/1 and M/M/3 at utilisation 0.85 and the tandem take about 30-50 s each on two
cores and are marked ``slow``: left out by default, ``pytest -m slow tests/theory`` runs them.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import corridorsim as cs
from corridorsim.cli import main as cli_main
from corridorsim.scenario.distributions import Exponential, Fixed
from corridorsim.scenario.schema import Scenario
from corridorsim.scenario.sections import RailLeg

SCENARIOS = Path(__file__).parent / "scenarios"
HOURS_PER_WEEK = 168.0

TOLERANCE = 0.05          # the band for mean waits
LITTLE_TOLERANCE = 0.02   # the band for Little's law
MIN_STANDARD_ERRORS = 2.0  # the band must be at least this many standard errors wide


# --- formulas ------------------------------------------------------------------------------


def erlang_b(servers: int, load: float) -> float:
    """Erlang B blocking probability, by the stable recursion B(k) = aB(k-1) / (k + aB(k-1))."""
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load a = lambda/mu."""
    if not 0 <= load < servers:
        raise ValueError(f"unstable: offered load {load} with {servers} servers")
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1.0 - b))


def mmc_wait(arrival_rate: float, mean_service: float, servers: int) -> float:
    """Mean wait in queue Wq of an M/M/c queue: C(c, a) / (c mu - lambda)."""
    load = arrival_rate * mean_service
    return erlang_c(servers, load) / (servers / mean_service - arrival_rate)


def mg1_wait(arrival_rate: float, mean_service: float, second_moment: float) -> float:
    """Mean wait in queue of an M/G/1 queue (Pollaczek-Khinchine): lambda E[S^2] / 2(1-rho)."""
    rho = arrival_rate * mean_service
    if not 0 <= rho < 1:
        raise ValueError(f"unstable: utilisation {rho}")
    return arrival_rate * second_moment / (2.0 * (1.0 - rho))


def test_the_formulas_against_closed_forms():
    # M/M/1: C = rho, Wq = rho / (mu - lambda).
    assert erlang_c(1, 0.85) == pytest.approx(0.85)
    assert mmc_wait(0.85, 1.0, 1) == pytest.approx(0.85 / 0.15)
    # M/M/2: C = 2 rho^2 / (1 + rho), Wq = rho^2 / (mu (1 - rho^2)).
    for rho in (0.3, 0.5, 0.9):
        assert erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho))
        assert mmc_wait(2 * rho, 1.0, 2) == pytest.approx(rho**2 / (1 - rho**2))
    # Erlang C from its textbook definition (sum of Poisson terms), c = 3 and c = 10.
    for c, a in ((3, 1.5), (3, 2.55), (10, 8.0)):
        tail = a**c / math.factorial(c) / (1 - a / c)
        head = sum(a**k / math.factorial(k) for k in range(c))
        assert erlang_c(c, a) == pytest.approx(tail / (head + tail))
    # Pollaczek-Khinchine: exponential service gives M/M/1; fixed service halves the wait.
    assert mg1_wait(0.85, 1.0, 2.0) == pytest.approx(mmc_wait(0.85, 1.0, 1))
    assert mg1_wait(0.5, 1.0, 1.0) == pytest.approx(0.5)
    assert mmc_wait(1.5, 1.0, 3) == pytest.approx(0.157895, rel=1e-5)
    with pytest.raises(ValueError):
        erlang_c(3, 3.0)


# --- scenarios as queues -------------------------------------------------------------------


@dataclass(frozen=True)
class Station:
    """A border that is a textbook queue: Poisson arrivals, ``servers`` lanes, FIFO."""

    node: str
    arrival_rate: float
    """Trains per hour."""
    servers: int
    service: Fixed | Exponential

    @property
    def mean_service(self) -> float:
        return self.service.value if isinstance(self.service, Fixed) else self.service.mean

    @property
    def utilisation(self) -> float:
        return self.arrival_rate * self.mean_service / self.servers

    @property
    def kind(self) -> str:
        letter = "D" if isinstance(self.service, Fixed) else "M"
        return f"M/{letter}/{self.servers}"

    def theoretical_wait(self) -> float:
        """Mean wait in queue, hours: Erlang C for M/M/c, Pollaczek-Khinchine for M/D/1."""
        if isinstance(self.service, Exponential):
            return mmc_wait(self.arrival_rate, self.mean_service, self.servers)
        if self.servers == 1:
            return mg1_wait(self.arrival_rate, self.mean_service, self.mean_service**2)
        raise NotImplementedError("no closed form for M/D/c with c > 1")


def queue_stations(scenario: Scenario) -> list[Station]:
    """The borders of a theory scenario, in route order, after checking it is a pure queue.

    Everything that would make the formulas wrong is refused: a second flow, seasonality,
    scheduled arrivals, time spent at terminals or on legs, closures, ports, exit checks,
    gauge changes, opening hours, digital trains or inspections.
    """
    assert not scenario.ports and not scenario.vessel_services and not scenario.closures
    (flow,) = scenario.flows.values()
    assert flow.arrivals == "poisson" and flow.seasonality is None and not flow.background
    assert flow.trains_per_week is not None and len(flow.routes) == 1
    (route,) = flow.routes
    path = scenario.routes[route]
    assert route.startswith("northern_")
    assert path[0] == flow.origin and path[-1] == flow.destination
    for end in (path[0], path[-1]):
        terminal = scenario.terminals[end]
        assert terminal.handling_time == Fixed(value=0.0) and terminal.opening_hours is None
    legs = {(leg.from_, leg.to): leg for leg in scenario.legs.values()}
    for a, b in itertools.pairwise(path):
        leg = legs[(a, b)]
        assert isinstance(leg, RailLeg) and leg.running_time == Fixed(value=0.0)
        assert leg.delay is None and leg.trains_per_day is None
    rate = flow.trains_per_week / HOURS_PER_WEEK
    stations = []
    for node in path[1:-1]:
        border = scenario.borders[node]
        customs = border.customs
        assert customs is not None and border.gauge_change is None
        assert border.opening_hours is None
        assert customs.exit is None and customs.entry is not None and not customs.joint_control
        digitization = (customs.digitization if customs.digitization is not None
                        else scenario.digitization)
        assert digitization == 0, "only the paper regime is drawn"
        check = customs.entry
        regime = scenario.customs_regimes.paper
        patch = check.paper
        service = (patch.document_check if patch is not None
                   and patch.document_check is not None else regime.document_check)
        inspection = (patch.inspection_probability if patch is not None
                      and patch.inspection_probability is not None
                      else regime.inspection_probability)
        assert inspection == 0
        assert isinstance(service, Fixed | Exponential)
        stations.append(Station(node, rate, check.lanes, service))
    return stations


# --- running -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replication:
    """What one independent run reports, reduced to what the tests compare."""

    seed: int
    shipment_wait: float
    """Mean of 24 * days_border_queue over delivered post-warm-up consignments, hours."""
    delivered: int
    nodes: dict[str, dict[str, Any]]
    """Rows of nodes.csv by node name."""
    seconds: float


def run_one(job: tuple[Scenario, int]) -> Replication:
    """One replication as its own ``cs.run`` (module level, so a process pool can call it)."""
    scenario, seed = job
    started = time.perf_counter()
    result = cs.run(scenario, replications=1, seed=seed)
    waits = [24.0 * row["days_border_queue"] for row in result.shipments
             if row["transit_days"] is not None]
    return Replication(seed=seed, shipment_wait=statistics.fmean(waits), delivered=len(waits),
                       nodes={row["node"]: row for row in result.nodes},
                       seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class TheoryRun:
    scenario: Scenario
    stations: list[Station]
    replications: list[Replication]
    seconds: float

    @property
    def span(self) -> float:
        """Hours of each replication that count (after warm-up)."""
        return self.scenario.horizon - float(self.scenario.warmup)

    def node_values(self, node: str, column: str) -> list[float]:
        return [r.nodes[node][column] for r in self.replications]


def workers(jobs: int) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(jobs, cores))


@functools.cache
def theory_run(name: str) -> TheoryRun:
    """Run ``scenarios/<name>.yaml`` once per session (tests of one scenario share it)."""
    scenario = cs.load_scenario(SCENARIOS / f"{name}.yaml")
    stations = queue_stations(scenario)
    jobs = [(scenario, scenario.seed + r) for r in range(scenario.replications)]
    started = time.perf_counter()
    reps = run_jobs(run_one, jobs)
    return TheoryRun(scenario, stations, reps, time.perf_counter() - started)


def run_jobs(run: Callable[[Any], Any], jobs: list[Any]) -> list[Any]:
    """``run`` of each job, one process per job on the free cores (in order)."""
    n = workers(len(jobs))
    if n == 1:
        return [run(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, jobs))


def mean_and_standard_error(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) / math.sqrt(len(values))


def assert_close_to_theory(what: str, values: list[float], theory: float,
                           tolerance: float = TOLERANCE) -> None:
    """The mean of independent replication estimates is within ``tolerance`` of theory,
    and the run is long enough for that band to mean something."""
    mean, se = mean_and_standard_error(values)
    band = tolerance * theory
    report = (f"{what}: simulated {mean:.4f} h (standard error {se:.4f}, "
              f"{len(values)} replications), theory {theory:.4f} h, "
              f"difference {(mean - theory) / theory:+.2%}")
    print(report)
    assert se * MIN_STANDARD_ERRORS <= band, (
        f"{report}: the {tolerance:.0%} band is only {band / se:.1f} standard errors wide; "
        "the run is too short (or the estimate much noisier than when it was sized)")
    assert abs(mean - theory) <= band, report


def single_station(name: str) -> tuple[TheoryRun, Station]:
    run = theory_run(name)
    (station,) = run.stations
    return run, station


slow = pytest.mark.slow
MMC = [pytest.param("mm1-rho50", id="M/M/1 rho 0.5"),
       pytest.param("mm3-rho50", id="M/M/3 rho 0.5"),
       pytest.param("mm1-rho85", id="M/M/1 rho 0.85", marks=slow),
       pytest.param("mm3-rho85", id="M/M/3 rho 0.85", marks=slow)]
MD1 = [pytest.param("md1-rho50", id="M/D/1 rho 0.5"),
       pytest.param("md1-rho85", id="M/D/1 rho 0.85")]


# --- single border -------------------------------------------------------------------------


@pytest.mark.parametrize("name", MMC)
def test_mmc_border_mean_wait_is_erlang_c(name):
    run, station = single_station(name)
    assert station.kind in ("M/M/1", "M/M/3")
    values = [r.shipment_wait for r in run.replications]
    assert_close_to_theory(f"{name} {station.kind} Wq", values, station.theoretical_wait())


@pytest.mark.parametrize("name", MD1)
def test_md1_border_mean_wait_is_pollaczek_khinchine(name):
    run, station = single_station(name)
    assert station.kind == "M/D/1"
    values = [r.shipment_wait for r in run.replications]
    assert_close_to_theory(f"{name} {station.kind} Wq", values, station.theoretical_wait())


@pytest.mark.parametrize("name", MMC + MD1)
def test_border_statistics_agree_with_each_other_and_with_the_load(name):
    """nodes.csv describes the same queue: its mean wait per train is the consignments'
    border-queue time, and the lanes are busy lambda * E[S] / c of the time."""
    run, station = single_station(name)
    for rep in run.replications:
        node = rep.nodes[station.node]
        assert node["mean_wait_hours"] == pytest.approx(rep.shipment_wait, rel=0.005), rep.seed
        # Trains finishing after warm-up vs consignments released after it and delivered.
        assert node["throughput_trains"] == pytest.approx(rep.delivered, rel=0.005)
    utilisation = statistics.fmean(run.node_values(station.node, "utilisation"))
    assert utilisation == pytest.approx(station.utilisation, rel=LITTLE_TOLERANCE)
    throughput = statistics.fmean(run.node_values(station.node, "throughput_trains")) / run.span
    assert throughput == pytest.approx(station.arrival_rate, rel=LITTLE_TOLERANCE)


@pytest.mark.parametrize("name", MMC + MD1)
def test_littles_law_at_the_border(name):
    """Lq = lambda Wq: the time-average number waiting against the mean wait per train."""
    run, station = single_station(name)
    assert_littles_law(run, station)


def assert_littles_law(run: TheoryRun, station: Station) -> None:
    # Per replication with the observed arrival rate (throughput): a sample-path identity
    # up to the trains queued at the start and the end of the window.
    for rep in run.replications:
        node = rep.nodes[station.node]
        observed_rate = node["throughput_trains"] / run.span
        assert node["mean_queue"] == pytest.approx(observed_rate * node["mean_wait_hours"],
                                                   rel=LITTLE_TOLERANCE), (station.node, rep.seed)
    # Pooled with the nominal rate (the count of Poisson arrivals over all replications
    # is within about 0.3% of lambda * time, so this is well inside 2% too).
    queue = statistics.fmean(run.node_values(station.node, "mean_queue"))
    trains = run.node_values(station.node, "throughput_trains")
    waits = run.node_values(station.node, "mean_wait_hours")
    wait = sum(w * n for w, n in zip(waits, trains, strict=True)) / sum(trains)
    lq = station.arrival_rate * wait
    theory = station.arrival_rate * station.theoretical_wait()
    print(f"{run.scenario.name} {station.node}: Lq {queue:.4f}, lambda Wq {lq:.4f} "
          f"({(queue - lq) / lq:+.2%}), theory {theory:.4f}")
    assert queue == pytest.approx(lq, rel=LITTLE_TOLERANCE)


# --- tandem --------------------------------------------------------------------------------


@slow
def test_tandem_of_five_mm3_borders_each_waits_erlang_c():
    """Five M/M/3 borders in series: each border's ``mean_wait_hours`` is its Erlang C Wq.

    ``mean_wait_hours`` is the border's total wait for a server (all its service points;
    here only the entry check) divided by the trains that passed it, so it is that
    station's mean wait in queue. The check below that the five add up to each
    consignment's ``days_border_queue`` confirms it holds nothing else.
    """
    run = theory_run("tandem-5-mm3")
    assert len(run.stations) == 5
    assert {s.kind for s in run.stations} == {"M/M/3"}
    assert len({s.theoretical_wait() for s in run.stations}) == 5  # a mix-up would show
    for station in run.stations:
        values = run.node_values(station.node, "mean_wait_hours")
        assert_close_to_theory(f"tandem {station.node} (rho {station.utilisation:.2f}) Wq",
                               values, station.theoretical_wait())
    for rep in run.replications:
        total = sum(rep.nodes[s.node]["mean_wait_hours"] for s in run.stations)
        assert total == pytest.approx(rep.shipment_wait, rel=0.005), rep.seed


@slow
def test_tandem_littles_law_at_every_border():
    run = theory_run("tandem-5-mm3")
    for station in run.stations:
        assert_littles_law(run, station)
        utilisation = statistics.fmean(run.node_values(station.node, "utilisation"))
        assert utilisation == pytest.approx(station.utilisation, rel=LITTLE_TOLERANCE)


# --- the files as a user runs them ---------------------------------------------------------

FILES = sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def test_theory_scenarios_draw_independent_random_numbers():
    """The files share node, flow and hence stream names; with overlapping seeds they would
    replay the same arrivals and service times, and their errors would be correlated
    rather than independent evidence. Each file's seeds (seed .. seed + replications - 1,
    as the tests run them) must not overlap another's."""
    used: dict[int, str] = {}
    for file in FILES:
        scenario = cs.load_scenario(SCENARIOS / file)
        for seed in range(scenario.seed, scenario.seed + scenario.replications):
            assert seed not in used, f"{file} and {used[seed]} both use seed {seed}"
            used[seed] = file


@pytest.mark.parametrize("file", [f for f in FILES if f not in ("mmc-priority.yaml",
                                                                  "mm1-breakdowns.yaml")
                                  and not f.startswith("choice-")])
def test_theory_scenario_runs_with_the_cli(file, tmp_path):
    """Every single-flow queueing scenario is a valid scenario the command line runs
    (shortened here); the two-class priority queue, the queue with breakdowns
    (``test_breakdowns_theory.py``) and the route-choice scenarios
    (``test_route_choice.py``) have their own tests."""
    path = SCENARIOS / file
    stations = queue_stations(cs.load_scenario(path))
    out = tmp_path / "results"
    assert cli_main(["run", str(path), "-n", "1", "--set", "horizon=600h",
                     "--set", "warmup=100h", "--out", str(out)]) == 0
    nodes = (out / "nodes.csv").read_text(encoding="utf-8")
    for station in stations:
        assert f",{station.node},border," in nodes
    assert (out / "shipments.csv").stat().st_size > 0
