"""``manifest.json``: what is needed to reproduce a run and to trust its bookkeeping."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from collections.abc import Sequence
from importlib import metadata, resources
from typing import Any

import yaml

from corridorsim.emission_factors import FACTOR_FILE
from corridorsim.emissions import STANDARD
from corridorsim.records import ReplicationOutcome
from corridorsim.scenario.schema import Scenario
from corridorsim.sim.streams import STREAM_PATTERNS
from corridorsim.version import package_version

DEPENDENCIES = ("simpy", "numpy", "scipy", "pyyaml", "pydantic")
"""The packages whose versions decide the results (scipy: sampling and intervals)."""


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario (after ``extends`` and overrides), key-order free."""
    canonical = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of corridorsim and the dependencies that decide its results."""
    versions = {"corridorsim": package_version()}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def emissions_method(scenario: Scenario) -> dict[str, Any]:
    """How the CO2 columns were computed: the standard and the factor file (with its
    hash, so that a changed factor shows), or distance x factor without a standard."""
    if scenario.costs.emissions is None:
        return {"method": "distance_x_factor", "standard": None,
                "columns": "co2_kg_per_teu: kg CO2 per TEU, distance x each leg's or "
                           "mode's co2_kg_per_teu_km"}
    factors = resources.files("corridorsim") / "data" / FACTOR_FILE
    return {"method": scenario.costs.emissions.method, "standard": STANDARD,
            "factors": f"corridorsim/data/{FACTOR_FILE}",
            "factors_sha256": hashlib.sha256(factors.read_bytes()).hexdigest(),
            "empty_teu_per_loaded_teu": scenario.costs.emissions.empty_teu_per_loaded_teu,
            "columns": "co2e_wtw_kg_per_teu and co2e_ttw_kg_per_teu: kg CO2e per TEU, "
                       "well-to-wheel and tank-to-wheel; co2_kg_per_teu is the WTW figure"}


def changes_in_force(scenario: Scenario, hour: float) -> list[str]:
    """The names of the dated changes in force from ``hour`` on."""
    moment = dt.datetime.combine(scenario.start_date, dt.time()) + dt.timedelta(
        seconds=round(hour * 3600.0))
    return [name for name, c in scenario.changes.items()
            if c.at <= moment and (c.until is None or moment < c.until)]


def run_manifest(scenario: Scenario, seed: int, outcomes: Sequence[ReplicationOutcome],
                 wall_seconds: float, precision: dict[str, Any] | None,
                 warmup_choice: dict[str, Any] | None) -> dict[str, Any]:
    """The manifest of a run of ``scenario``: what reproduces it and its TEU balance."""
    return {
        "scenario": scenario.name,
        "scenario_file": scenario.source.name if scenario.source is not None else None,
        "scenario_sha256": scenario_hash(scenario),
        "overrides": [{"key": k, "value": v} for k, v in scenario.overrides],
        "timeline": [{"hour": hour, "changes_in_force": changes_in_force(scenario, hour)}
                     for hour, _ in scenario.timeline],
        "seed": seed,
        "replications": len(outcomes),
        "start_date": scenario.start_date.isoformat(),
        "horizon_hours": scenario.horizon,
        "drain_hours": scenario.drain,
        "warmup_hours": scenario.warmup,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": package_versions(),
        "wall_seconds": round(wall_seconds, 3),
        "precision": precision,
        "warmup_choice": warmup_choice,
        "emissions": emissions_method(scenario),
        "random_streams": {
            "seeded_by": "SeedSequence([seed, replication, first 8 bytes of sha256(name)])",
            "patterns": list(STREAM_PATTERNS),
            "names": list(outcomes[0].streams) if outcomes else [],
        },
        "teu_balance": [
            {"replication": o.replication, "released_teu": o.released_teu,
             "delivered_teu": o.delivered_teu, "in_system_teu": o.in_system_teu}
            for o in outcomes
        ],
    }


def resolved_scenario_text(scenario: Scenario) -> str:
    """``scenario.yaml`` of a results folder: the whole scenario the run simulated, in its
    own order (the order of flows, routes and shares decides which random draw goes
    where), so that ``corridorsim run scenario.yaml`` reproduces the run."""
    header = (f"# The scenario this run simulated: {scenario.name}"
              + (f", from {scenario.source.name}" if scenario.source is not None else "")
              + (", with --set " + ", ".join(f"{k}={v}" for k, v in scenario.overrides)
                 if scenario.overrides else "")
              + ".\n# extends: and --set applied, defaults filled in, durations in hours; "
                "run it again as it is.\n")
    body = yaml.safe_dump(scenario.model_dump(mode="json", by_alias=True), sort_keys=False,
                          allow_unicode=True, width=100)
    return header + body
