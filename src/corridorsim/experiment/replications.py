"""Replications of one scenario: independent runs with their own random streams.

Replication ``r`` of seed ``s`` draws from streams seeded by ``(s, r, stream name)``,
so its results do not depend on which other replications run, or where.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridorsim.errors import RunError
from corridorsim.scenario.schema import Scenario
from corridorsim.sim.model import ReplicationOutcome, run_replication

Mapper = Callable[[Callable[..., ReplicationOutcome], Iterable[Any], Iterable[Any]],
                  Iterator[ReplicationOutcome]]


@dataclass(frozen=True)
class RunResult:
    """The outcome of ``cs.run``: per-replication records, the tables built from them,
    and the manifest that makes the run reproducible."""

    scenario: Scenario
    seed: int
    outcomes: tuple[ReplicationOutcome, ...] = field(repr=False)
    wall_seconds: float
    tables: dict[str, list[dict[str, Any]]] = field(repr=False)

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
        """Per route, key figures pooled over replications (for a quick look)."""
        from corridorsim.report.tables import route_summary

        return route_summary(self)

    def manifest(self) -> dict[str, Any]:
        from corridorsim.report.manifest import build_manifest

        return build_manifest(self)

    def write(self, directory: str | Path) -> Path:
        """Write every CSV and ``manifest.json`` into ``directory``, atomically."""
        from corridorsim.report.writer import write_run

        return write_run(self, Path(directory))


def run(scenario: Scenario, replications: int | None = None, seed: int | None = None,
        mapper: Mapper | None = None, workers: int = 1) -> RunResult:
    """Run ``replications`` replications of ``scenario`` (defaults from the scenario).

    ``workers`` > 1 runs replications on a local process pool; ``mapper`` is any
    ``map``-like callable instead (e.g. a Dask client's executor ``map``). Either way
    each replication draws from its own streams, so the results are the same as
    running them one after another. Results are sorted by replication index either way.
    """
    from corridorsim.report.tables import add_summaries, build_tables

    n = scenario.replications if replications is None else replications
    base_seed = scenario.seed if seed is None else seed
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RunError(f"replications: expected a whole number of at least 1, got {n!r}")
    if isinstance(base_seed, bool) or not isinstance(base_seed, int) or base_seed < 0:
        raise RunError(f"seed: expected a whole number of at least 0, got {base_seed!r}")
    started = time.perf_counter()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise RunError(f"workers: expected a whole number of at least 1, got {workers!r}")
    if mapper is not None:
        produced: Iterable[ReplicationOutcome] = mapper(
            run_replication, [scenario] * n, range(n), [base_seed] * n)
        outcomes = tuple(sorted(produced, key=lambda o: o.replication))
    elif workers > 1 and n > 1:
        with ProcessPoolExecutor(max_workers=min(workers, n)) as pool:
            outcomes = tuple(sorted(pool.map(run_replication, [scenario] * n, range(n),
                                             [base_seed] * n),
                                    key=lambda o: o.replication))
    else:
        outcomes = tuple(run_replication(scenario, r, base_seed) for r in range(n))
    wall = time.perf_counter() - started
    result = RunResult(scenario=scenario, seed=base_seed, outcomes=outcomes,
                       wall_seconds=wall, tables={})
    result.tables.update(build_tables(result))
    add_summaries(result.tables, result)
    return result
