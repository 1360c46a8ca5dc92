"""Replications of one scenario: independent runs with their own random streams.

Replication ``r`` of seed ``s`` draws from streams seeded by ``(s, r, stream name)``,
so its results do not depend on which other replications run, or where.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from corridorsim.errors import RunError
from corridorsim.experiment.executors import open_executor
from corridorsim.experiment.progress import ReplicationProgress
from corridorsim.model import few_garbage_collections, run_replication
from corridorsim.records import ReplicationOutcome
from corridorsim.report.manifest import resolved_scenario_text, run_manifest, scenario_hash
from corridorsim.report.notebook import data_frames, result_html
from corridorsim.report.periods import DEFAULT_PERIOD, PERIODS, PeriodSums, check_period
from corridorsim.report.results_folder import StagedFolder
from corridorsim.report.results_reader import ResultsFolder, read_results_folder
from corridorsim.report.scenario_comparison import check_pairable, compare_tables
from corridorsim.report.summaries import add_summaries
from corridorsim.report.tables import Tables, merge_tables, replication_tables
from corridorsim.report.timeseries import DailyLevelSums
from corridorsim.report.writer import (
    RESOLVED_SCENARIO,
    STREAMED_TABLES,
    ExtraTables,
    check_format,
    format_manifest,
    open_table,
    table_files,
    write_run,
    write_table_file,
)
from corridorsim.scenario.loader import load_scenario
from corridorsim.scenario.schema import Scenario
from corridorsim.sim.calendar import Calendar
from corridorsim.stats import estimate, mser5

Mapper = Callable[..., Iterator[Any]]
"""A ``map``-like callable: ``mapper(function, scenarios, replications, seeds)``."""


@dataclass(frozen=True)
class RunResult:
    """The outcome of ``cs.run``, or a results folder read back (``load_results``): the
    tables, the per-replication records they were built from, and the manifest that
    makes the run reproducible.

    A result read from a folder has its tables, scenario and manifest but not the
    replication records (``outcomes``: node records, backlog, TEU balance objects),
    which a folder does not hold; what needs them says so."""

    scenario: Scenario
    seed: int
    _outcomes: tuple[ReplicationOutcome, ...] | None = field(repr=False)
    """Per replication: backlog, TEU balance and node records (None when read from a
    folder). Its consignments are in ``shipments`` (the records are turned into rows
    where the replication ran)."""
    wall_seconds: float
    tables: dict[str, list[dict[str, Any]]] = field(repr=False)
    precision: dict[str, Any] | None = None
    """With a target half-width: what was reached (see ``run``)."""
    warmup_choice: dict[str, Any] | None = None
    """With ``warmup: auto``: the warm-up MSER-5 chose (see ``choose_warmup``)."""
    shipments_streamed: bool = False
    """The shipment (and stop) rows went to a sink as they arrived (see ``run``) and are
    not here."""
    stops_kept: bool = False
    """Each consignment's stops were kept (``stops.csv``)."""
    folder: ResultsFolder | None = field(default=None, repr=False)
    """The results folder this result was read from (``load_results``), else None."""
    period: str = DEFAULT_PERIOD
    """The calendar periods of ``periods``: ``year``, ``quarter`` or ``month``."""

    def __repr__(self) -> str:
        shipments = "" if self.shipments_streamed else f"shipments={len(self.shipments)}, "
        where = f", folder={str(self.folder.path)!r}" if self.folder is not None else ""
        return (f"RunResult(scenario={self.scenario.name!r}, seed={self.seed}, "
                f"replications={self.replications}, {shipments}"
                f"wall_seconds={self.wall_seconds:.2f}{where})")

    def _repr_html_(self) -> str:
        """A notebook's view: per route, median and p90 transit days with intervals."""
        return result_html(self.scenario.name, self.replications, self.seed, self.summary,
                           str(self.folder.path) if self.folder is not None else None)

    @property
    def outcomes(self) -> tuple[ReplicationOutcome, ...]:
        """Per replication: backlog, TEU balance and node records, in replication order.
        A result read from a folder has none (its tables hold what they reported)."""
        if self._outcomes is None:
            raise RunError(f"{self._where}: a result read from a results folder has no "
                           "per-replication records (outcomes); use its tables and "
                           "manifest(), or run the scenario again")
        return self._outcomes

    @property
    def _where(self) -> str:
        return str(self.folder.path) if self.folder is not None else "this result"

    @property
    def replications(self) -> int:
        """How many replications were run."""
        if self.folder is not None:
            return int(self.folder.manifest["replications"])
        return len(self.outcomes)

    @property
    def shipments(self) -> list[dict[str, Any]]:
        """Rows of ``shipments.csv``: one per China-Europe consignment per replication."""
        if self.shipments_streamed:
            raise RunError("this run's shipments were streamed to shipments.csv as they "
                           "arrived and are not kept; read that file")
        return self.tables["shipments"]

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """The node rows of ``nodes.csv``: one per node per replication."""
        return [row for row in self.tables["nodes"] if row["stage"] is None]

    @property
    def stages(self) -> list[dict[str, Any]]:
        """The stage rows of ``nodes.csv``: one per stage of a node (a customs check, a
        gauge change, an operation, berths) per replication."""
        return [row for row in self.tables["nodes"] if row["stage"] is not None]

    @property
    def countries(self) -> list[dict[str, Any]]:
        """Rows of ``countries.csv``: days per country and activity, per route and corridor
        (empty for a scenario without countries)."""
        return self.tables["countries"]

    @property
    def shares(self) -> list[dict[str, Any]]:
        """Rows of ``shares.csv``: per flow, option and release month, the consignments,
        TEU and share each option took."""
        return self.tables["shares"]

    @property
    def segments(self) -> list[dict[str, Any]]:
        """Rows of ``segments.csv``: times over the scenario's named segments."""
        return self.tables["segments"]

    @property
    def stops(self) -> list[dict[str, Any]]:
        """Rows of ``stops.csv`` (a run with ``stops=True``): every node each delivered
        consignment stopped at, with its hours there by activity."""
        if not self.stops_kept:
            if self.folder is not None:
                raise RunError(f"{self.folder.path}: holds no stops table; it was run "
                               "without --stops")
            raise RunError("this run kept no stops; run it with stops=True (--stops)")
        if self.shipments_streamed:
            raise RunError("this run's stops were streamed to stops.csv as they arrived "
                           "and are not kept; read that file")
        return self.tables["stops"]

    @property
    def periods(self) -> list[dict[str, Any]]:
        """Rows of ``periods.csv``: per corridor, route, node and stage, and calendar
        period (``period``), the KPIs of the period with their 95% half-widths."""
        return self.tables["periods"]

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
        """The contents of ``manifest.json``: what reproduces this run (for a result read
        from a folder, that folder's manifest)."""
        if self.folder is not None:
            return dict(self.folder.manifest)
        return {**run_manifest(self.scenario, self.seed, self.outcomes, self.wall_seconds,
                               self.precision, self.warmup_choice), "period": self.period}

    def _written_tables(self) -> dict[str, tuple[str, ...]]:
        """The tables a results folder of this result holds, with their columns."""
        if self.folder is not None:
            return dict(self.folder.columns)
        return {table: columns for table, (_, columns)
                in table_files(self.scenario.places, self.stops_kept,
                               outages=bool(self.scenario.outages)).items()}

    def to_pandas(self) -> dict[str, Any]:
        """Every table of the results folder as a pandas DataFrame, by name (``shipments``,
        ``routes``, ...): timestamps parsed, route, corridor, flow, node and country
        columns categorical. Needs the ``pandas`` extra."""
        if self.shipments_streamed:
            raise RunError("this run's shipments were streamed to its results folder as "
                           "they arrived and are not kept; cs.load_results(FOLDER)"
                           ".to_pandas() reads them")
        columns = self._written_tables()
        return data_frames({name: self.tables[name] for name in columns}, columns)

    def write(self, directory: str | Path, extra: dict[str, str] | None = None,
              kind: str = "run", file_format: str = "csv",
              extra_tables: ExtraTables | None = None) -> Path:
        """Write every table (``file_format`` ``csv`` or ``parquet``), ``manifest.json``,
        ``scenario.yaml``, the ``extra_tables`` (name -> rows and columns, e.g.
        ``calibration``) and ``extra`` name -> text files into ``directory``,
        atomically. An existing folder is replaced only if it is a corridorsim results
        folder of the same ``kind`` (``run``, or ``calibrate`` with its calibration
        table)."""
        files = {RESOLVED_SCENARIO: resolved_scenario_text(self.scenario), **(extra or {})}
        return write_run(Path(directory), self.tables, self.manifest(), files, kind,
                         self.scenario.places, self.stops_kept, file_format, extra_tables,
                         bool(self.scenario.outages))


def load_results(directory: str | Path) -> RunResult:
    """Read a run (or calibrate) results folder back into the ``RunResult`` that ``run``
    returns: its tables (CSV or Parquet), its scenario (``scenario.yaml``) and its
    manifest (``result.manifest()``), so ``compare`` and the report work on folders as
    on results. The replication records are not in a folder (see ``RunResult``)."""
    folder = read_results_folder(directory)
    if folder.kind not in ("run", "calibrate"):
        raise RunError(f"{folder.path}: holds corridorsim {folder.kind} results; expected "
                       "a run or calibrate results folder (read_results_folder reads any)")
    if RESOLVED_SCENARIO not in folder.manifest["files"]:
        raise RunError(f"{folder.path}: has no {RESOLVED_SCENARIO}; expected the folder as "
                       "corridorsim run wrote it")
    scenario = load_scenario(folder.path / RESOLVED_SCENARIO)
    recorded = folder.manifest.get("scenario_sha256")
    if recorded != scenario_hash(scenario):
        raise RunError(f"{folder.path / RESOLVED_SCENARIO}: is not the scenario the manifest "
                       "records (scenario_sha256 differs); expected the file as the run "
                       "wrote it")
    missing = [table for table in table_files(scenario.places) if table not in folder.tables]
    if missing:
        raise RunError(f"{folder.path}: has no {missing[0]} table; expected every table of "
                       "a run")
    m = folder.manifest
    return RunResult(scenario=scenario, seed=int(m["seed"]), _outcomes=None,
                     wall_seconds=float(m.get("wall_seconds") or 0.0), tables=folder.tables,
                     precision=m.get("precision"), warmup_choice=m.get("warmup_choice"),
                     stops_kept="stops" in folder.tables, folder=folder,
                     period=_recorded_period(folder))


def _recorded_period(folder: ResultsFolder) -> str:
    """The periods of the folder's ``periods.csv``, as its manifest records them."""
    period = folder.manifest.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        raise RunError(f"{folder.path}: its manifest.json gives period {period!r}; expected "
                       f"one of {', '.join(PERIODS)}")
    return str(period)


def _whole(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RunError(f"{name}: expected a whole number of at least {minimum}, got {value!r}")
    return value


def replicate(scenario: Scenario, replication: int, seed: int, stops: bool = False,
              period: str = DEFAULT_PERIOD) -> tuple[ReplicationOutcome, Tables]:
    """One replication and its table rows (its rows of each calendar ``period``
    included), both built where it runs (a worker process), so that only the merge is
    left to the parent. The per-consignment records travel
    back as table rows only: the outcome returned keeps its bookkeeping (backlog, TEU
    balance, node records) without its shipment records, which halves what is pickled."""
    with few_garbage_collections():
        outcome = run_replication(scenario, replication, seed, stops)
        tables = replication_tables(scenario, outcome, period)
    # The stream names are the same in every replication: the manifest takes replication
    # 0's, and the others need not travel.
    streams = outcome.streams if replication == 0 else ()
    # The monthly books are in the period rows now; kept, they would grow with the
    # replications (as the shipment records would).
    return dataclasses.replace(outcome, shipments=(), streams=streams, months=None), tables


class ReplicationObserver(Protocol):
    """Told about replications as they finish (progress reports). Nothing is told when a
    run has none, and telling changes no result."""

    def started(self, phase: str, replications: int, executor: str) -> None:
        """``replications`` more are about to run on ``executor`` (its description), for
        ``phase``: ``warm-up pilot``, ``replications`` or ``more replications``."""

    def finished(self, replication: int, seconds: float) -> None:
        """Replication ``replication`` finished after ``seconds`` of wall time where it ran."""


def _timed(function: Callable[..., Any], scenario: Scenario, replication: int,
           seed: int) -> tuple[Any, float]:
    """``function``'s result and its wall time, measured in the process that runs it."""
    started = time.perf_counter()
    result = function(scenario, replication, seed)
    return result, time.perf_counter() - started


def _run_tasks(function: Callable[..., Any], scenario: Scenario, indices: range, seed: int,
               workers: int, mapper: Mapper | None,
               observer: ReplicationObserver | None = None,
               phase: str = "replications") -> Iterator[Any]:
    """The results of ``function`` for each replication index, as they are produced
    (in index order); each is reported to the ``observer`` as it arrives."""
    n = len(indices)
    timed = functools.partial(_timed, function)
    with contextlib.ExitStack() as stack:
        if mapper is not None:
            results = mapper(timed, [scenario] * n, indices, [seed] * n)
            description = "the mapper given to run"
        else:
            executor, info = stack.enter_context(open_executor(workers, tasks=n))
            # In process, one replication at a time as they are asked for (an executor's
            # map would run them all first), so that progress is told as they finish.
            results = (map(timed, [scenario] * n, indices, [seed] * n)
                       if info.kind == "serial" else
                       executor.map(timed, [scenario] * n, indices, [seed] * n))
            description = info.description
        if observer is not None:
            observer.started(phase, n, description)
        for replication, (result, seconds) in zip(indices, results, strict=True):
            if observer is not None:
                observer.finished(replication, seconds)
            yield result


ShipmentSink = Callable[[Tables], None]
"""Receives each replication's rows of ``shipments.csv`` and ``stops.csv`` (tables
``shipments`` and ``stops``), in replication order."""

STREAMED = STREAMED_TABLES
"""The tables that grow with consignments, which a sink takes instead of the result."""


def _run_replications(scenario: Scenario, indices: range, seed: int, workers: int,
                      mapper: Mapper | None, sink: ShipmentSink | None = None,
                      stops: bool = False, daily: DailyLevelSums | None = None,
                      observer: ReplicationObserver | None = None,
                      phase: str = "replications", period: str = DEFAULT_PERIOD,
                      periods: PeriodSums | None = None
                      ) -> tuple[tuple[ReplicationOutcome, Tables], ...]:
    """Outcomes and table rows of the given replication indices, sorted by index. With a
    ``sink``, each replication's shipment rows go to it in index order as they arrive and
    are not kept, so memory does not grow with the replication count; the day-by-day
    levels are added to ``daily`` and the rows of each calendar ``period`` to
    ``periods`` in index order likewise."""
    done: list[tuple[ReplicationOutcome, Tables]] = []
    waiting: dict[int, tuple[ReplicationOutcome, Tables]] = {}
    following = indices.start
    task = functools.partial(replicate, stops=stops, period=period)
    for outcome, tables in _run_tasks(task, scenario, indices, seed, workers, mapper,
                                      observer, phase):
        waiting[outcome.replication] = (outcome, tables)
        while following in waiting:  # in index order, whatever order they come in
            outcome, tables = waiting.pop(following)
            if sink is not None:
                sink({name: tables[name] for name in STREAMED})
                tables = {**tables, **{name: [] for name in STREAMED}}
            if daily is not None:
                daily.add(tables["daily"])
                tables = {**tables, "daily": []}
            if periods is not None:
                periods.add(tables["period_rows"])
                tables = {**tables, "period_rows": []}
            done.append((outcome, tables))
            following += 1
    return tuple(done)


def run(scenario: Scenario, replications: int | None = None, seed: int | None = None,
        mapper: Mapper | None = None, workers: int = 1,
        target_halfwidth: float | None = None, max_replications: int = 100,
        shipments_sink: ShipmentSink | None = None, stops: bool = False,
        progress: bool | ReplicationObserver = False,
        period: str = DEFAULT_PERIOD) -> RunResult:
    """Run ``replications`` replications of ``scenario`` (defaults from the scenario).

    ``workers`` > 1 runs replications on a local process pool; ``mapper`` is any
    ``map``-like callable instead (e.g. a Dask client's executor ``map``). Each
    replication draws from its own streams, so the results are the same however
    they run, and are sorted by replication index.

    With ``target_halfwidth`` (e.g. 0.05), replications are added in batches of
    ``max(workers, 2)`` until the 95% interval of every China-Europe route's mean
    transit time is within that fraction of its mean, or ``max_replications`` is
    reached; ``RunResult.precision`` says what was reached.

    With ``stops``, every node each delivered consignment stopped at is kept with its
    hours there (``RunResult.stops``, ``stops.csv``): on the baseline about 2.3 times
    the run time (two copies of the clock per visit, a row per visit), so off by default.

    With ``shipments_sink``, the rows of ``shipments.csv`` (and ``stops.csv``) are handed
    to it replication by replication, in order, and not kept (``RunResult.shipments`` is
    then refused): memory stays flat however many replications run (``run_to_folder``
    writes them).

    ``progress=True`` shows replications done, their rate and the time left on stderr
    (a bar on a terminal, a line at each tenth otherwise); a ``ReplicationObserver`` is
    told instead. Silent by default.

    ``period`` (``year``, ``quarter`` or ``month``) cuts the run into calendar periods
    for ``RunResult.periods`` (``periods.csv``): the transit KPIs of the consignments
    released in each, and each node's and stage's utilisation and waits in it.
    """
    check_period(period)
    if progress is True:
        bar = ReplicationProgress()
        try:
            return run(scenario, replications, seed, mapper, workers, target_halfwidth,
                       max_replications, shipments_sink, stops, progress=bar,
                       period=period)
        finally:
            bar.close()
    observer = None if isinstance(progress, bool) else progress
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
        pilot = list(_run_tasks(run_replication, scenario, range(n), base_seed, workers,
                                mapper, observer, "warm-up pilot"))
        warmup_choice = choose_warmup(tuple(pilot), scenario.horizon)
        scenario = scenario.with_overrides({"warmup": warmup_choice["hours"]})
    if target_halfwidth is not None:
        _whole("max_replications", max_replications, 2)
        n = min(max(n, 2), max_replications)
    daily = DailyLevelSums()
    periods = PeriodSums()
    done = _run_replications(scenario, range(n), base_seed, workers, mapper, shipments_sink,
                             stops, daily, observer, period=period, periods=periods)
    precision: dict[str, Any] | None = None
    while target_halfwidth is not None:
        precision = relative_precision(
            [row for _, tables in done for row in tables["route_means"]], len(done),
            target_halfwidth)
        if precision["reached"] or len(done) >= max_replications:
            precision["max_replications"] = max_replications
            break
        more = min(max(workers, 2), max_replications - len(done))
        done += _run_replications(scenario, range(len(done), len(done) + more),
                                  base_seed, workers, mapper, shipments_sink, stops,
                                  daily, observer, "more replications", period, periods)
    result = RunResult(scenario=scenario, seed=base_seed,
                       _outcomes=tuple(o for o, _ in done), wall_seconds=0.0,
                       tables=merge_tables(tables for _, tables in done),
                       precision=precision, warmup_choice=warmup_choice,
                       shipments_streamed=shipments_sink is not None, stops_kept=stops,
                       period=period)
    result.tables["periods"] = periods.rows()
    result.tables["timeseries"] = daily.rows(
        Calendar(scenario.start_date, scenario.horizon + scenario.drain),
        scenario.warmup_hours, scenario.horizon)
    add_summaries(result.tables, len(result.outcomes),
                  (scenario.horizon - scenario.warmup_hours) / (365.0 * 24.0))
    result = dataclasses.replace(result, wall_seconds=time.perf_counter() - started)
    return result


def relative_precision(means: list[dict[str, Any]], replications: int,
                       target: float) -> dict[str, Any]:
    """Relative 95% half-width of each China-Europe route's mean transit time, from each
    replication's route means (``route_means``) of ``replications`` replications."""
    per_route: dict[str, list[float]] = {}
    for row in sorted(means, key=lambda r: (r["route"], r["replication"])):
        per_route.setdefault(row["route"], []).append(row["mean_transit_days"])
    achieved = {}
    for route, route_means in sorted(per_route.items()):
        e = estimate(route_means)
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


def compare(result_a: RunResult | str | Path, result_b: RunResult | str | Path,
            unpaired: bool = False) -> list[dict[str, Any]]:
    """Per route and KPI: B minus A with a 95% interval (rows of ``scenario_comparison.csv``).
    Each run is a ``RunResult`` or the path of its results folder (``load_results``).

    Runs with the same seed and replication count share random streams replication by
    replication, so the difference is estimated from paired differences; others are
    refused unless ``unpaired`` (a Welch interval).
    """
    if not isinstance(result_a, RunResult):
        result_a = load_results(result_a)
    if not isinstance(result_b, RunResult):
        result_b = load_results(result_b)
    if not unpaired:
        check_pairable({"seed": result_a.seed, "replications": result_a.replications},
                       {"seed": result_b.seed, "replications": result_b.replications},
                       f"run A ({result_a.scenario.name})",
                       f"run B ({result_b.scenario.name})")
    return compare_tables(result_a.routes, result_b.routes, not unpaired,
                          result_a.tables["corridors"], result_b.tables["corridors"])


def run_to_folder(directory: str | Path, scenario: Scenario, kind: str = "run",
                  file_format: str = "csv", **run_options: Any) -> tuple[RunResult, Path]:
    """``run`` the scenario and write its results folder (``file_format`` ``csv`` or
    ``parquet``), streaming ``shipments`` (and ``stops``) into the folder's staging area
    as replications arrive (a Parquet row group per replication), so memory stays flat
    in the replication count (1,000 replications of the baseline stay within a few
    hundred MB). The folder and the format are checked before anything runs, and the
    folder appears whole or not at all."""
    check_format(file_format)
    stops = bool(run_options.get("stops"))
    files = table_files(scenario.places, stops, file_format, bool(scenario.outages))
    streamed = [name for name in STREAMED if name in files]
    with StagedFolder(Path(directory), kind) as staged:
        with contextlib.ExitStack() as stack:
            sinks = {name: stack.enter_context(open_table(staged.path(files[name][0]),
                                                          files[name][1]))
                     for name in streamed}

            def write_rows(tables: Tables) -> None:
                for name, sink in sinks.items():
                    sink.write(tables[name])

            result = run(scenario, shipments_sink=write_rows, **run_options)
        for table, (filename, columns) in files.items():
            if table not in sinks:
                write_table_file(staged, filename, result.tables[table], columns)
        staged.write(RESOLVED_SCENARIO, resolved_scenario_text(result.scenario))
        return result, staged.commit(format_manifest(result.manifest(), file_format))
