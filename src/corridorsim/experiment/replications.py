"""Replications of one scenario: independent runs with their own random streams.

Replication ``r`` of seed ``s`` draws from streams seeded by ``(s, r, stream name)``,
so its results do not depend on which other replications run, or where.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridorsim.errors import RunError
from corridorsim.experiment.executors import open_executor
from corridorsim.model import few_garbage_collections, run_replication
from corridorsim.records import ReplicationOutcome
from corridorsim.report.manifest import run_manifest
from corridorsim.report.scenario_comparison import check_pairable, compare_route_tables
from corridorsim.report.summaries import add_summaries
from corridorsim.report.tables import Tables, merge_tables, replication_tables
from corridorsim.report.writer import write_run
from corridorsim.scenario.schema import Scenario
from corridorsim.stats import estimate, mser5

Mapper = Callable[..., Iterator[Any]]
"""A ``map``-like callable: ``mapper(function, scenarios, replications, seeds)``."""


@dataclass(frozen=True)
class RunResult:
    """The outcome of ``cs.run``: per-replication records, the tables built from them,
    and the manifest that makes the run reproducible."""

    scenario: Scenario
    seed: int
    outcomes: tuple[ReplicationOutcome, ...] = field(repr=False)
    """Per replication: backlog, TEU balance and node records. Its consignments are in
    ``shipments`` (the records are turned into rows where the replication ran)."""
    wall_seconds: float
    tables: dict[str, list[dict[str, Any]]] = field(repr=False)
    precision: dict[str, Any] | None = None
    """With a target half-width: what was reached (see ``run``)."""
    warmup_choice: dict[str, Any] | None = None
    """With ``warmup: auto``: the warm-up MSER-5 chose (see ``choose_warmup``)."""

    def __repr__(self) -> str:
        return (f"RunResult(scenario={self.scenario.name!r}, seed={self.seed}, "
                f"replications={len(self.outcomes)}, shipments={len(self.shipments)}, "
                f"wall_seconds={self.wall_seconds:.2f})")

    @property
    def shipments(self) -> list[dict[str, Any]]:
        """Rows of ``shipments.csv``: one per China-Europe consignment per replication."""
        return self.tables["shipments"]

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """Rows of ``nodes.csv``: one per node per replication."""
        return self.tables["nodes"]

    @property
    def routes(self) -> list[dict[str, Any]]:
        """Rows of ``routes.csv``: one per China-Europe route per replication."""
        return self.tables["routes"]

    @property
    def summary(self) -> list[dict[str, Any]]:
        """Rows of ``summary.csv``: every KPI's mean and 95% interval across replications,
        per corridor, route, flow and node."""
        return self.tables["summary"]

    def manifest(self) -> dict[str, Any]:
        """The contents of ``manifest.json``: what reproduces this run."""
        return run_manifest(self.scenario, self.seed, self.outcomes, self.wall_seconds,
                            self.precision, self.warmup_choice)

    def write(self, directory: str | Path, extra: dict[str, str] | None = None,
              kind: str = "run") -> Path:
        """Write every CSV and ``manifest.json`` (and ``extra`` name -> text files) into
        ``directory``, atomically. An existing folder is replaced only if it is a
        corridorsim results folder of the same ``kind`` (``run``, or ``calibrate`` with
        its ``calibration.csv``)."""
        return write_run(Path(directory), self.tables, self.manifest(), extra, kind)


def _whole(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RunError(f"{name}: expected a whole number of at least {minimum}, got {value!r}")
    return value


def replicate(scenario: Scenario, replication: int, seed: int
              ) -> tuple[ReplicationOutcome, Tables]:
    """One replication and its table rows, both built where it runs (a worker process),
    so that only the merge is left to the parent. The per-consignment records travel
    back as table rows only: the outcome returned keeps its bookkeeping (backlog, TEU
    balance, node records) without its shipment records, which halves what is pickled."""
    with few_garbage_collections():
        outcome = run_replication(scenario, replication, seed)
        tables = replication_tables(scenario, outcome)
    return dataclasses.replace(outcome, shipments=()), tables


def _run_tasks(function: Callable[..., Any], scenario: Scenario, indices: range, seed: int,
               workers: int, mapper: Mapper | None) -> list[Any]:
    n = len(indices)
    if mapper is not None:
        return list(mapper(function, [scenario] * n, indices, [seed] * n))
    with open_executor(workers, tasks=n) as (executor, _):
        return list(executor.map(function, [scenario] * n, indices, [seed] * n))


def _run_replications(scenario: Scenario, indices: range, seed: int, workers: int,
                      mapper: Mapper | None) -> tuple[tuple[ReplicationOutcome, Tables], ...]:
    """Outcomes and table rows of the given replication indices, sorted by index."""
    produced = _run_tasks(replicate, scenario, indices, seed, workers, mapper)
    return tuple(sorted(produced, key=lambda pair: pair[0].replication))


def run(scenario: Scenario, replications: int | None = None, seed: int | None = None,
        mapper: Mapper | None = None, workers: int = 1,
        target_halfwidth: float | None = None, max_replications: int = 100) -> RunResult:
    """Run ``replications`` replications of ``scenario`` (defaults from the scenario).

    ``workers`` > 1 runs replications on a local process pool; ``mapper`` is any
    ``map``-like callable instead (e.g. a Dask client's executor ``map``). Each
    replication draws from its own streams, so the results are the same however
    they run, and are sorted by replication index.

    With ``target_halfwidth`` (e.g. 0.05), replications are added in batches of
    ``max(workers, 2)`` until the 95% interval of every China-Europe route's mean
    transit time is within that fraction of its mean, or ``max_replications`` is
    reached; ``RunResult.precision`` says what was reached.
    """
    n = _whole("replications", scenario.replications if replications is None
               else replications, 1)
    base_seed = _whole("seed", scenario.seed if seed is None else seed, 0)
    workers = _whole("workers", workers, 1)
    if target_halfwidth is not None and not 0 < target_halfwidth < 1:
        raise RunError(f"target_halfwidth: expected a fraction between 0 and 1, "
                       f"got {target_halfwidth!r}")
    started = time.perf_counter()
    warmup_choice: dict[str, Any] | None = None
    if scenario.warmup == "auto":
        pilot = _run_tasks(run_replication, scenario, range(n), base_seed, workers, mapper)
        warmup_choice = choose_warmup(tuple(pilot), scenario.horizon)
        scenario = scenario.with_overrides({"warmup": warmup_choice["hours"]})
    if target_halfwidth is not None:
        _whole("max_replications", max_replications, 2)
        n = min(max(n, 2), max_replications)
    done = _run_replications(scenario, range(n), base_seed, workers, mapper)
    precision: dict[str, Any] | None = None
    while target_halfwidth is not None:
        precision = relative_precision(
            [row for _, tables in done for row in tables["shipments"]], len(done),
            target_halfwidth)
        if precision["reached"] or len(done) >= max_replications:
            precision["max_replications"] = max_replications
            break
        more = min(max(workers, 2), max_replications - len(done))
        done += _run_replications(scenario, range(len(done), len(done) + more),
                                  base_seed, workers, mapper)
    result = RunResult(scenario=scenario, seed=base_seed,
                       outcomes=tuple(o for o, _ in done), wall_seconds=0.0,
                       tables=merge_tables(tables for _, tables in done),
                       precision=precision, warmup_choice=warmup_choice)
    add_summaries(result.tables, len(result.outcomes))
    result = dataclasses.replace(result, wall_seconds=time.perf_counter() - started)
    return result


def relative_precision(shipments: list[dict[str, Any]], replications: int,
                       target: float) -> dict[str, Any]:
    """Relative 95% half-width of each China-Europe route's mean transit time, from the
    rows of ``shipments.csv`` of ``replications`` replications."""
    sums: dict[tuple[str, int], list[float]] = {}
    for row in shipments:
        if row["transit_days"] is not None:
            sums.setdefault((row["route"], row["replication"]), []).append(row["transit_days"])
    per_route: dict[str, list[float]] = {}
    for (route, _), days in sorted(sums.items()):
        per_route.setdefault(route, []).append(sum(days) / len(days))
    achieved = {}
    for route, means in sorted(per_route.items()):
        e = estimate(means)
        achieved[route] = (None if e.half_width is None or not e.mean
                           else round(e.half_width / e.mean, 4))
    reached = bool(achieved) and all(v is not None and v <= target for v in achieved.values())
    return {"target_relative_halfwidth": target, "replications": replications,
            "reached": reached, "relative_halfwidth": achieved}


def choose_warmup(pilot: tuple[ReplicationOutcome, ...], horizon: float) -> dict[str, Any]:
    """MSER-5 on the daily mean transit time of China-Europe consignments by release day,
    averaged over the pilot replications. Returns the method, hours and days chosen."""
    days = int(horizon // 24)
    sums = [0.0] * days
    counts = [0] * days
    for outcome in pilot:
        for rec in outcome.shipments:
            day = int(rec.released_at // 24)
            if rec.transit_hours is not None and day < days:
                sums[day] += rec.transit_hours / 24.0
                counts[day] += 1
    series: list[float] = []
    last = 0.0
    for total, count in zip(sums, counts, strict=True):
        last = total / count if count else last  # carry the last value over empty days
        series.append(last)
    drop = mser5(series)
    return {"method": "MSER-5", "series": "daily mean transit days by release day",
            "pilot_replications": len(pilot), "days": drop, "hours": drop * 24.0}


def compare(result_a: RunResult, result_b: RunResult,
            unpaired: bool = False) -> list[dict[str, Any]]:
    """Per route and KPI: B minus A with a 95% interval (rows of ``comparison.csv``).

    Runs with the same seed and replication count share random streams replication by
    replication, so the difference is estimated from paired differences; others are
    refused unless ``unpaired`` (a Welch interval).
    """
    if not unpaired:
        check_pairable({"seed": result_a.seed, "replications": len(result_a.outcomes)},
                       {"seed": result_b.seed, "replications": len(result_b.outcomes)},
                       f"run A ({result_a.scenario.name})",
                       f"run B ({result_b.scenario.name})")
    return compare_route_tables(result_a.routes, result_b.routes, paired=not unpaired)
