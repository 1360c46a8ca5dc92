"""Calibration: the model's figures set against published bands.

Targets live in a data file (``scenarios/targets/<scenario>.yaml``), not in code,
so a new published figure is added without touching the program. Each target
names a band, its source, and a metric computed per replication from the
shipments table; the model's value is the mean over replications with a 95%
t-interval, and the target passes when that mean lies inside the band.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from corridorsim.corridors import CORRIDORS, OTHER, SEA
from corridorsim.countries import COUNTRY_NAMES
from corridorsim.errors import RunError, ScenarioError
from corridorsim.experiment.replications import RunResult
from corridorsim.network import section_freight_usd_per_teu
from corridorsim.report.tables import ACTIVITY_COLUMNS, COST_COLUMNS, rounded
from corridorsim.scenario.distributions import Model
from corridorsim.scenario.loader import read_yaml_mapping
from corridorsim.scenario.messages import error_from_validation
from corridorsim.stats import estimate

CALIBRATION_COLUMNS = ("target", "what", "band_low", "band_high", "source", "model_mean",
                       "ci_low", "ci_high", "replications", "passed")


class Metric(Model):
    """A figure computed per replication from the China-Europe shipments."""

    statistic: Literal["mean", "median", "p90", "p95", "consignments_per_year",
                       "teu_per_year"]
    """What to compute over the selected consignments' values."""
    of: Annotated[list[str], Field(min_length=1)] = ["transit_days"]
    """Columns of shipments.csv to add up per consignment (``transit_days``, ``days_*``,
    ``cost_usd_per_teu``, ``freight_usd_per_teu``, a ``cost_*_usd_per_teu`` component,
    ``co2_kg_per_teu``)."""
    route: str | None = None
    """Only consignments on this route..."""
    routes: list[str] | None = None
    """...or on any of these routes (one flow's routes through either border crossing)..."""
    flow: str | None = None
    """...or of this flow (any of its routes)..."""
    corridor: str | None = None
    """...or on this corridor (``northern``, ``middle``, ``sea`` or ``other``: all of its
    routes); all reported cargo when none of these is given."""
    release_months: list[Annotated[int, Field(ge=1, le=12)]] | None = None
    """Only consignments released in these calendar months."""
    between: Annotated[list[str], Field(min_length=2, max_length=2)] | None = None
    """Instead of ``of``: each consignment's freight per TEU (tariffs, platform hire and
    node fees, ``network.section_freight_usd_per_teu``) on the section of its route from
    the first of these nodes to the second, for a published section rate."""

    @model_validator(mode="after")
    def _columns(self) -> Metric:
        allowed = {"transit_days", "cost_usd_per_teu", "freight_usd_per_teu", "co2_kg_per_teu",
                   "days_at_sea", *ACTIVITY_COLUMNS, *COST_COLUMNS}
        unknown = [c for c in self.of if c not in allowed and not (
            c.startswith("days_in_") and c.removeprefix("days_in_") in COUNTRY_NAMES)]
        if unknown:
            raise ValueError(f"unknown column {unknown[0]!r}; expected transit_days, "
                             "cost_usd_per_teu, freight_usd_per_teu, co2_kg_per_teu, a "
                             "cost_*_usd_per_teu component, a days_* activity column or "
                             "days_in_<country code>")
        if self.between is not None:
            if "of" in self.model_fields_set:
                raise ValueError("give 'between' (a section's freight) or 'of', not both")
            if self.statistic in ("consignments_per_year", "teu_per_year"):
                raise ValueError(f"'between' needs a statistic of the section's freight "
                                 f"(mean, median, p90, p95), not {self.statistic!r}")
            if self.between[0] == self.between[1]:
                raise ValueError("'between' needs two different nodes")
        selectors = [k for k in ("route", "routes", "flow", "corridor")
                     if getattr(self, k) is not None]
        if len(selectors) > 1:
            raise ValueError(f"give one of 'route', 'routes', 'flow' or 'corridor', not "
                             f"{' and '.join(repr(k) for k in selectors)}")
        if self.corridor is not None and self.corridor not in (*CORRIDORS, SEA, OTHER):
            raise ValueError(f"unknown corridor {self.corridor!r}; expected one of "
                             + ", ".join(repr(c) for c in (*CORRIDORS, SEA, OTHER)))
        return self


class Target(Model):
    """One published figure the model should reproduce."""

    id: str
    """Short identifier (a row of calibration.csv)."""
    what: str
    """What the figure measures, in words."""
    band: Annotated[list[float], Field(min_length=2, max_length=2)]
    """Low and high end of the published range."""
    source: str
    """Where the figure comes from (tag and address, as in corridor-figures.md)."""
    metric: Metric | None = None
    """The model figure compared with the band..."""
    ratio: Annotated[list[Metric], Field(min_length=2, max_length=2)] | None = None
    """...or the ratio of two model figures, per replication."""

    @model_validator(mode="after")
    def _one_metric(self) -> Target:
        if (self.metric is None) == (self.ratio is None):
            raise ValueError("give exactly one of 'metric' or 'ratio'")
        if self.band[1] < self.band[0]:
            raise ValueError("band must be [low, high]")
        return self


class Targets(Model):
    """A calibration target file."""

    description: str = ""
    """What the targets are for."""
    targets: Annotated[list[Target], Field(min_length=1)]
    """The targets."""
    fit_constants: dict[Literal["middle", "sea"], str] = {}
    """For ``calibrate --fit``: the choice constant of each corridor (``middle``,
    ``sea``; the Northern corridor is the reference) and the id of the volume target it
    is fitted to (the middle of that target's band)."""


def load_targets(path: Path) -> Targets:
    """Read and validate a target file; errors name the file and the key."""
    if not path.exists():
        raise ScenarioError("file not found; expected a calibration target YAML file (name "
                            "another one with --targets)", source=path)
    document = read_yaml_mapping(path, "calibration target")
    try:
        return Targets.model_validate(document)
    except ValidationError as exc:
        raise error_from_validation(exc, Targets, path, document,
                                    "calibration target file") from None


def default_targets_path(scenario_file: Path, name: str) -> Path:
    """``targets/<name>.yaml`` beside the scenario file."""
    return scenario_file.parent / "targets" / f"{name}.yaml"


STATISTICS: dict[str, Callable[[np.ndarray], float]] = {
    "mean": lambda a: float(np.mean(a)), "median": lambda a: float(np.median(a)),
    "p90": lambda a: float(np.percentile(a, 90)), "p95": lambda a: float(np.percentile(a, 95))}
"""How each statistic of a metric is computed over the selected consignments' values."""


def metric_values(metric: Metric, rows_by_rep: Mapping[int, list[dict[str, Any]]],
                  years: float, n: int, keep: Callable[[dict[str, Any]], bool] | None = None,
                  sections: Mapping[str, float] | None = None) -> list[float | None]:
    """The metric in each of ``n`` replications, over the shipment rows it selects (and
    ``keep`` keeps); a ``between`` metric takes each row's value from ``sections`` (the
    section's freight per TEU by route)."""
    values: list[float | None] = []
    for rep in range(n):
        rows = [r for r in rows_by_rep.get(rep, [])
                if (keep is None or keep(r))
                and (metric.route is None or r["route"] == metric.route)
                and (metric.routes is None or r["route"] in metric.routes)
                and (metric.flow is None or r["flow"] == metric.flow)
                and (metric.corridor is None or r["corridor"] == metric.corridor)
                and (metric.release_months is None
                     or int(r["released_at"][5:7]) in metric.release_months)]
        if metric.statistic == "consignments_per_year":
            values.append(len(rows) / years if years > 0 else None)
            continue
        if metric.statistic == "teu_per_year":
            values.append(sum(r["teu"] for r in rows) / years if years > 0 else None)
            continue
        if metric.between is not None:
            assert sections is not None
            xs = [sections[r["route"]] for r in rows if r["transit_days"] is not None]
        else:
            xs = [sum(r[c] for c in metric.of) for r in rows if r["transit_days"] is not None]
        if not xs:
            values.append(None)
            continue
        values.append(STATISTICS[metric.statistic](np.array(xs, dtype=float)))
    return values


def shipments_by_replication(result: RunResult) -> dict[int, list[dict[str, Any]]]:
    """The rows of ``shipments.csv`` by replication."""
    rows_by_rep: dict[int, list[dict[str, Any]]] = {}
    for row in result.shipments:
        rows_by_rep.setdefault(row["replication"], []).append(row)
    return rows_by_rep


def calibration_rows(result: RunResult, targets: Targets) -> list[dict[str, Any]]:
    """One row per target: band, source, the model's mean and 95% interval, pass/fail."""
    n = len(result.outcomes)
    rows_by_rep = shipments_by_replication(result)
    scenario = result.scenario
    years = (scenario.horizon - scenario.warmup_hours) / (365.0 * 24.0)
    columns = set(result.shipments[0]) if result.shipments else set()
    for target in targets.targets:
        for metric in ([target.metric] if target.metric is not None else target.ratio or []):
            missing = [c for c in metric.of if columns and c not in columns]
            if missing:
                raise RunError(f"target {target.id}: column {missing[0]!r} is not in this "
                               "scenario's shipments.csv (a days_in_<country> column needs a "
                               "node or leg in that country)")
    out = []
    for target in targets.targets:
        if target.metric is not None:
            values = metric_values(target.metric, rows_by_rep, years, n,
                                   sections=_sections(target.id, target.metric, result))
        else:
            assert target.ratio is not None
            num, den = (metric_values(m, rows_by_rep, years, n,
                                      sections=_sections(target.id, m, result))
                        for m in target.ratio)
            values = [a / b if a is not None and b else None for a, b in zip(num, den,
                                                                              strict=True)]
        e = estimate(values)
        low, high = target.band
        passed = e.mean is not None and low <= e.mean <= high
        out.append({"target": target.id, "what": target.what, "band_low": low,
                    "band_high": high, "source": target.source, "model_mean": rounded(e.mean),
                    "ci_low": rounded(e.low), "ci_high": rounded(e.high), "replications": e.n,
                    "passed": "yes" if passed else "no"})
    return out


def _sections(target: str, metric: Metric, result: RunResult) -> Mapping[str, float] | None:
    """For a ``between`` metric, the section's freight per TEU of every route it may
    select (those that pass both nodes); a route it selects that does not is an error."""
    if metric.between is None:
        return None
    scenario = result.scenario
    start, end = metric.between
    for node in metric.between:
        if node not in scenario.node_kinds:
            raise RunError(f"target {target}: between: no node {node!r} in this scenario")
    sections: dict[str, float] = {}
    for route, path in scenario.routes.items():
        try:
            sections[route] = section_freight_usd_per_teu(scenario, path, start, end)
        except ValueError as exc:
            named = metric.routes or ([metric.route] if metric.route else [])
            if route in named:
                raise RunError(f"target {target}: route {route!r} {exc}") from None
    return _SectionCosts(target, sections)


class _SectionCosts(dict[str, float]):
    """Section costs by route; a consignment on a route without the section is an
    error naming the target (a flow or corridor selection that takes in such a route)."""

    def __init__(self, target: str, costs: dict[str, float]):
        super().__init__(costs)
        self.target = target

    def __missing__(self, route: str) -> float:
        raise RunError(f"target {self.target}: route {route!r} does not pass both nodes "
                       "of 'between'; select only routes that do")
