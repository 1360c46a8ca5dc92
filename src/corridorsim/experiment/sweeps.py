"""Policy sweeps: many scenario variants, each replicated, streamed to disk, resumable.

A sweep's tasks are (point, replication) pairs. They run on one executor interface
(serial, a local process pool, or a Dask cluster; see ``executors``) and every
finished task is written at once to ``<out>/tasks/<hash>.json`` (see
``sweep_tasks``). Running the same sweep again skips the tasks whose files exist,
so an interrupted sweep resumes where it stopped. At the end the task files are
merged into ``sweep.csv``, ``frontier.csv`` and ``manifest.json`` (and, for a Sobol'
or Morris design, ``sensitivity.csv``; see ``sensitivity``).

Every point uses the same seed, and replication ``r`` of every point draws from the
streams of ``(seed, r, name)``: points differ only by their factors (common random
numbers), which is what makes the gaps between points precise.
"""

from __future__ import annotations

import json
import platform
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from corridorsim.errors import CorridorsimError, RunError, Terminated
from corridorsim.experiment.executors import open_executor
from corridorsim.experiment.progress import Progress
from corridorsim.experiment.sensitivity_designs import (
    CONFIDENCE,
    INDICES,
    RANKED_BY,
    analyze,
)
from corridorsim.experiment.sweep_files import Sweep, SweepFile, build_sweep, load_sweep
from corridorsim.experiment.sweep_tasks import (
    TASK_KPIS,
    canonical_scenario,
    read_task,
    run_task,
    task_key,
    task_text,
    write_task,
)
from corridorsim.report.manifest import package_versions, scenario_hash
from corridorsim.report.notebook import data_frames
from corridorsim.report.results_folder import (
    MANIFEST,
    TOOL,
    check_replaceable,
    remove_partial_files,
    remove_report,
)
from corridorsim.report.sensitivity_tables import (
    SENSITIVITY_COLUMNS,
    output_name,
    sensitivity_rows,
)
from corridorsim.report.sweep_tables import (
    frontier_columns,
    frontier_rows,
    point_gap,
    point_rows,
    sweep_columns,
)
from corridorsim.report.writer import csv_text, write_atomically

SAMPLE_NAMES = {"latin_hypercube": "Latin hypercube sample", "sobol": "Sobol' sample",
                "morris": "Morris sample"}


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a sweep: the finished tasks are saved, and a rerun resumes."""

    def __init__(self, saved: int, total: int, tasks: Path, terminated: bool = False):
        self.saved, self.total, self.tasks = saved, total, tasks
        self.terminated = terminated
        """Ended by SIGTERM rather than Ctrl-C."""
        super().__init__(f"interrupted: {saved} of {total} tasks are saved in {tasks}; "
                         "run the same command again to resume")


@dataclass(frozen=True)
class SweepResult:
    """The outcome of ``cs.sweep``: the rows of ``sweep.csv`` and ``frontier.csv``,
    the manifest, and where they were written."""

    sweep: Sweep = field(repr=False)
    rows: list[dict[str, Any]] = field(repr=False)
    """Rows of ``sweep.csv``: per point, route/corridor/gap and KPI, mean and 95% CI."""
    frontier: list[dict[str, Any]] = field(repr=False)
    """Rows of ``frontier.csv``."""
    manifest: dict[str, Any] = field(repr=False)
    out: Path
    tasks_run: int
    tasks_reused: int
    wall_seconds: float
    indices: list[dict[str, Any]] = field(default_factory=list, repr=False)
    """Rows of ``sensitivity.csv`` (Sobol' and Morris designs; empty otherwise)."""

    def overview(self) -> list[dict[str, Any]]:
        """Per point: factor values, Middle and reference median transit, and the gap (and
        with a share target, the share: ``share``, ``share_low``, ``share_high``)."""
        northern = self.sweep.northern_route
        target = self.sweep.target_share
        found: dict[int, dict[str, Any]] = {}
        for row in self.rows:
            entry = found.setdefault(row["point"], {"point": row["point"], **{
                f: row[f] for f in self.sweep.factor_names}})
            if target is not None and (row["scope"], row["name"]) == (target.scope,
                                                                        target.name):
                entry["share"], entry["share_low"], entry["share_high"] = (
                    row["mean"], row["ci_low"], row["ci_high"])
                continue
            if row["kpi"] != "median_transit_days":
                continue
            if row["scope"] == "corridor" and row["name"] == "middle":
                entry["middle_median"] = row["mean"]
            elif row["scope"] == "route" and row["name"] == northern:
                entry["northern_median"] = row["mean"]
            elif row["scope"] == "gap":
                entry["gap"], entry["gap_low"], entry["gap_high"] = (
                    row["mean"], row["ci_low"], row["ci_high"])
        return [found[p] for p in sorted(found)]

    def to_pandas(self) -> dict[str, Any]:
        """``sweep``, ``frontier`` (and ``sensitivity``, for a Sobol' or Morris design) as
        pandas DataFrames, names categorical. Needs the ``pandas`` extra."""
        factors = self.sweep.factor_names
        tables = {"sweep": self.rows, "frontier": self.frontier}
        columns = {"sweep": sweep_columns(factors),
                   "frontier": frontier_columns(factors, self.sweep.target_share is not None),
                   "sensitivity": SENSITIVITY_COLUMNS}
        if self.indices:
            tables["sensitivity"] = self.indices
        return data_frames(tables, columns)


def sweep(sweep_file: str | Path | SweepFile | Sweep, workers: int | None = None,
          scheduler: str | None = None, out: str | Path | None = None, serial: bool = False,
          progress: bool = False) -> SweepResult:
    """Run a sweep file (a path, a ``SweepFile`` whose ``base`` is relative to the
    working folder, or a loaded ``Sweep``) and write ``sweep.csv``, ``frontier.csv`` and
    ``manifest.json`` (and ``sensitivity.csv`` for a Sobol' or Morris design).

    Tasks run on a local process pool of ``workers`` processes (default: the cores),
    in this process with ``serial``, or on a Dask cluster with ``scheduler`` (or the
    file's ``scheduler:``). Results go to ``out`` (default ``results/<name>/``); tasks
    already there from an earlier, interrupted run of the same sweep are not run again.
    ``progress`` prints progress on stderr. The files are the same on every executor.
    """
    spec = (sweep_file if isinstance(sweep_file, Sweep)
            else build_sweep(sweep_file) if isinstance(sweep_file, SweepFile)
            else load_sweep(sweep_file))
    scheduler = scheduler if scheduler is not None else spec.spec.scheduler
    folder = (Path(out) if out is not None else Path("results") / spec.spec.name).resolve()
    check_replaceable(folder, "sweep")
    remove_partial_files(folder)
    seed, reps = spec.spec.seed, spec.spec.replications
    point_json = [canonical_scenario(s) for s in spec.scenarios]
    keys = [[task_key(doc, seed, r) for r in range(reps)] for doc in point_json]
    tasks = folder / "tasks"
    todo: dict[str, tuple[int, int]] = {}
    for i, row in enumerate(keys):
        for r, key in enumerate(row):
            if key not in todo and read_task(tasks, key) is None:
                todo[key] = (i, r)
    unique = len({k for row in keys for k in row})
    started = time.perf_counter()
    executor_text = _run_tasks(spec, todo, tasks, unique, workers, scheduler, serial, progress)
    wall = time.perf_counter() - started
    return _merge(spec, keys, folder, executor_text, len(todo), unique - len(todo), wall)


def _run_tasks(spec: Sweep, todo: dict[str, tuple[int, int]], tasks: Path, unique: int,
               workers: int | None, scheduler: str | None, serial: bool,
               show: bool) -> str:
    """Run the missing tasks, writing each result file as soon as it arrives."""
    if not todo:
        return "none (every task was on disk)"
    seed = spec.spec.seed
    bar = Progress(unique, unique - len(todo)) if show else None
    pending = iter(todo.items())
    running: dict[Future[Any], tuple[str, int, int]] = {}
    with open_executor(workers, scheduler, serial, tasks=len(todo)) as (executor, info):
        try:  # only now: a sweep that cannot start leaves no folder behind
            tasks.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunError(f"{tasks.parent}: cannot create the results folder "
                           f"({exc.strerror})") from None
        window = info.parallelism if info.kind == "serial" else 2 * info.parallelism
        try:
            while True:
                while len(running) < window:
                    item = next(pending, None)
                    if item is None:
                        break
                    key, (i, r) = item
                    running[executor.submit(run_task, spec.scenarios[i], r, seed)] = (key, i, r)
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    key, i, r = running.pop(future)
                    write_task(tasks, key, task_text(key, seed, r, _result(future, i, r)))
                    if bar is not None:
                        bar.advance()
        except RunError as exc:  # e.g. a full disk: say what is saved, and how to go on
            for future in running:
                future.cancel()
            saved = sum(1 for k in set(todo) if (tasks / f"{k}.json").exists())
            raise RunError(f"{exc}; {unique - len(todo) + saved} of {unique} tasks are saved "
                           "in the tasks folder: free space and run the same command again "
                           "to resume") from None
        except KeyboardInterrupt as exc:
            for future in running:
                future.cancel()
            if bar is not None:
                bar.close()
            saved = sum(1 for k in set(todo) if (tasks / f"{k}.json").exists())
            raise SweepInterrupted(unique - len(todo) + saved, unique, tasks,
                                   terminated=isinstance(exc, Terminated)) from None
        if bar is not None:
            bar.close()
        return info.description


def _result(future: Future[Any], point: int, replication: int) -> list[dict[str, Any]]:
    try:
        return future.result()
    except CorridorsimError as exc:
        raise RunError(f"point {point}, replication {replication}: {exc}") from None
    except Exception as exc:
        raise RunError(f"point {point}, replication {replication}: the simulation failed "
                       f"({type(exc).__name__}: {exc})") from exc


def _merge(spec: Sweep, keys: list[list[str]], folder: Path, executor: str, run: int,
           reused: int, wall: float) -> SweepResult:
    factors = spec.factor_names
    target = spec.target_share
    tasks = folder / "tasks"
    rows: list[dict[str, Any]] = []
    by_point: dict[int, list[dict[str, Any]]] = {}
    for point, point_keys in zip(spec.points, keys, strict=True):
        replications = []
        for r, key in enumerate(point_keys):
            found = read_task(tasks, key)
            if found is None:
                raise RunError(f"{tasks / (key + '.json')}: task file of point {point.index}, "
                               f"replication {r} is missing; run the sweep again")
            replications.append(found)
        by_point[point.index] = point_rows(point.index, point.values, replications, TASK_KPIS,
                                           spec.northern_route, target)
        rows.extend(by_point[point.index])
    design = spec.spec.design
    frontier = frontier_rows([(p.index, p.values) for p in spec.points], by_point, factors,
                             design.kind == "grid", spec.northern_route,
                             spec.spec.target_days, sampled=SAMPLE_NAMES.get(design.kind, ""),
                             target=target)
    manifest: dict[str, Any] = {
        "sweep": spec.spec.name,
        "sweep_file": spec.source.name if spec.source is not None else None,
        "base_scenario": spec.spec.base,
        "base_scenario_sha256": scenario_hash(spec.base),
        "design": design.model_dump(mode="json", exclude_none=True),
        "factors": {n: f.model_dump(mode="json", exclude_defaults=True)
                    for n, f in spec.spec.factors.items()},
        "points": [{"point": p.index, "values": p.values, "scenario_sha256": scenario_hash(s)}
                   for p, s in zip(spec.points, spec.scenarios, strict=True)],
        "seed": spec.spec.seed,
        "replications": spec.spec.replications,
        "northern_route": spec.northern_route,
        "target_days": spec.spec.target_days,
        **({"target": spec.spec.target.model_dump(mode="json", exclude_none=True)}
           if spec.spec.target is not None else {}),
        "tasks": {"total": run + reused, "run": run, "reused": reused},
        "executor": executor,
        "python": platform.python_version(),
        "versions": package_versions(),
        "wall_seconds": round(wall, 3),
    }
    remove_report(folder)  # it describes the points before this rerun
    write_atomically(folder / "sweep.csv", csv_text(rows, sweep_columns(factors)))
    write_atomically(folder / "frontier.csv",
                     csv_text(frontier, frontier_columns(factors, target is not None)))
    indices: list[dict[str, Any]] = []
    if design.is_sensitivity_analysis:  # after sweep.csv: if it fails, the points are there
        indices, manifest["sensitivity"] = _sensitivity(spec, by_point)
        write_atomically(folder / "sensitivity.csv", csv_text(indices, SENSITIVITY_COLUMNS))
    else:  # a design changed from a sensitivity one: its indices are no longer the folder's
        (folder / "sensitivity.csv").unlink(missing_ok=True)
    manifest.update({"written_by": TOOL, "folder_kind": "sweep",
                     "files": sorted(["sweep.csv", "frontier.csv"]
                                     + (["sensitivity.csv"] if indices else []))})
    write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return SweepResult(spec, rows, frontier, manifest, folder, run, reused, wall, indices)


def _sensitivity(spec: Sweep, by_point: dict[int, list[dict[str, Any]]]
                 ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows of ``sensitivity.csv`` and the manifest's ``sensitivity`` entry."""
    design, target = spec.spec.design, spec.spec.target_days
    method = spec.spec.sensitivity_design()
    outputs = [point_gap(by_point[p.index], spec.northern_route, target)["gap_days"]
               for p in spec.points]
    found = analyze(method, outputs, spec.source)
    output = output_name(spec.northern_route, target)
    rows = sensitivity_rows(design.kind, found, INDICES[design.kind], RANKED_BY[design.kind],
                            output, len(spec.points), spec.spec.replications)
    entry = {"method": design.kind, "output": output, "ranked_by": RANKED_BY[design.kind],
             "confidence": CONFIDENCE,
             "resamples": method.bootstrap_resamples,
             "sampler": ("SALib sobol.sample (Saltelli, scrambled Sobol' sequence, "
                         "first and total order)" if design.kind == "sobol" else
                         f"SALib morris.sample ({method.morris_levels} levels)"),
             "sample_seed": spec.spec.seed, "salib": metadata.version("SALib")}
    return rows, entry
