"""``manifest.json``: what is needed to reproduce a run and to trust its bookkeeping."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridorsim.experiment.replications import RunResult
    from corridorsim.scenario.schema import Scenario

DEPENDENCIES = ("simpy", "numpy", "pyyaml", "pydantic")


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario (after ``extends`` and overrides), key-order free."""
    canonical = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def package_versions() -> dict[str, str]:
    versions = {}
    for name in ("corridorsim", *DEPENDENCIES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def build_manifest(result: RunResult) -> dict[str, Any]:
    scenario = result.scenario
    return {
        "scenario": scenario.name,
        "scenario_file": scenario.source.name if scenario.source is not None else None,
        "scenario_sha256": scenario_hash(scenario),
        "overrides": [{"key": k, "value": v} for k, v in scenario.overrides],
        "seed": result.seed,
        "replications": len(result.outcomes),
        "start_date": scenario.start_date.isoformat(),
        "horizon_hours": scenario.horizon,
        "drain_hours": scenario.drain,
        "warmup_hours": scenario.warmup,
        "python": platform.python_version(),
        "versions": package_versions(),
        "wall_seconds": round(result.wall_seconds, 3),
        "precision": result.precision,
        "warmup_choice": result.warmup_choice,
        "teu_balance": [
            {"replication": o.replication, "released_teu": o.released_teu,
             "delivered_teu": o.delivered_teu, "in_system_teu": o.in_system_teu}
            for o in result.outcomes
        ],
    }
