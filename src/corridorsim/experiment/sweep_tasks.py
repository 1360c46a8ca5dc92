"""Sweep tasks: one replication of one point, its identity and its small result file.

A task is identified by a SHA-256 of the point's whole scenario (canonical JSON),
the seed, the replication and the corridorsim version, so a result file on disk
is reused only for exactly the same work. A task's result holds the per-replication
KPI rows of each China-Europe route and each corridor, built by the same table
code as ``corridorsim run`` (so the numbers match), the TEU and consignments each
option of each reported flow took over the demand window (from which a share target
is computed), and no shipments: memory and disk stay small however many points a
sweep has.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from corridorsim.model import few_garbage_collections, run_replication
from corridorsim.report.tables import replication_tables
from corridorsim.report.writer import write_atomically
from corridorsim.scenario.schema import Scenario
from corridorsim.version import package_version

TASK_KPIS = ("consignments_delivered", "mean_transit_days", "median_transit_days",
             "p90_transit_days", "p95_transit_days", "mean_cost_usd_per_teu",
             "mean_co2_kg_per_teu", "backlog_consignments")
"""The KPIs a task keeps, per route and per corridor (columns of ``routes.csv``)."""


@functools.cache
def engine_fingerprint() -> str:
    """SHA-256 of the package's source files: a resumed sweep reuses a task file only if
    the engine that wrote it is the same code, not merely the same version number."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode("utf-8"))
        digest.update(source.read_bytes())
    return digest.hexdigest()


def canonical_scenario(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain JSON data, the same for equal scenarios (for task keys)."""
    return scenario.model_dump(mode="json", by_alias=True)


def task_key(scenario_json: dict[str, Any], seed: int, replication: int) -> str:
    """Hex SHA-256 naming a task's result file."""
    identity = {"scenario": scenario_json, "seed": seed, "replication": replication,
                "corridorsim": package_version(), "engine": engine_fingerprint(),
                "kpis": TASK_KPIS}
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_task(scenario: Scenario, replication: int, seed: int) -> list[dict[str, Any]]:
    """Run one replication and return its KPI rows (a picklable worker entry point).

    Rows: ``{"scope": "route"|"corridor", "name": ..., <kpi>: value}``, with values
    rounded by ``report.tables`` exactly as in ``routes.csv`` and ``summary.csv``; then
    ``{"scope": "share", "name": "flow:option", "flow", "option", "corridor", "teu",
    "consignments"}`` per option of each reported flow, summed over the months of
    ``shares.csv``.
    """
    with few_garbage_collections():
        tables = replication_tables(scenario, run_replication(scenario, replication, seed))
    rows: list[dict[str, Any]] = []
    for route in tables["routes"]:
        rows.append({"scope": "route", "name": route["route"],
                     **{k: route.get(k) for k in TASK_KPIS}})
    for group in tables["groups"]:
        if group["scope"] == "corridor":
            rows.append({"scope": "corridor", "name": group["name"],
                         **{k: group.get(k) for k in TASK_KPIS}})
    return rows + option_rows(tables["shares"])


def option_rows(shares: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per flow and option (in ``shares.csv``'s order), the TEU and consignments it took
    over the demand window: the rows of ``shares.csv`` summed over the months."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for row in shares:
        entry = found.setdefault((row["flow"], row["option"]), {
            "scope": "share", "name": f"{row['flow']}:{row['option']}", "flow": row["flow"],
            "option": row["option"], "corridor": row["corridor"], "teu": 0,
            "consignments": 0})
        entry["teu"] += row["teu"]
        entry["consignments"] += row["consignments"]
    return list(found.values())


def task_text(key: str, seed: int, replication: int, rows: list[dict[str, Any]]) -> str:
    """The contents of a task's result file."""
    document = {"task": key, "seed": seed, "replication": replication,
                "corridorsim": package_version(), "rows": rows}
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def write_task(folder: Path, key: str, text: str) -> None:
    """Write the task file ``<key>.json`` into ``folder`` atomically."""
    write_atomically(folder / f"{key}.json", text)


def read_task(folder: Path, key: str) -> list[dict[str, Any]] | None:
    """The rows of a finished task, or ``None`` if its file is missing or not whole."""
    try:
        document = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("task") != key:
        return None
    rows = document.get("rows")
    return rows if isinstance(rows, list) else None
