"""Sweep files: a base scenario, factors over key paths, a design, and run settings.

A sweep file is YAML, validated by the models below (``extra="forbid"``, a docstring
under every field). Its points are built here: the full grid of the factors' values,
a Latin hypercube over their ranges, or the sample of a sensitivity analysis (Sobol'
or Morris, drawn by SALib; see ``sensitivity``), all seeded from the sweep's seed, so
the same file gives the same points. Each point is the base scenario with its factors'
key paths set, validated by the scenario schema; every failure is one
``ScenarioError`` naming the sweep file, the key path and what was expected.

A sweep may also name a share ``target``: the share of a choosing flow's TEU that one of
its options, or all its options on one corridor, takes; ``frontier.csv`` then gives where
that share reaches ``at_least`` (see ``report.sweep_tables``).
"""

from __future__ import annotations

import difflib
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator
from scipy.stats import qmc

from corridorsim.corridors import corridor_of
from corridorsim.errors import KeyPathError, ScenarioError
from corridorsim.experiment.sensitivity_designs import (
    SENSITIVITY_KINDS,
    SensitivityDesign,
    unit_sample,
)
from corridorsim.report.shares import option_corridors
from corridorsim.report.sweep_tables import SHARE_FRONTIER_STAT_COLUMNS, TargetShare
from corridorsim.scenario.distributions import Model, Number, Whole
from corridorsim.scenario.loader import load_scenario, read_yaml_mapping
from corridorsim.scenario.messages import error_from_validation
from corridorsim.scenario.schema import ResultsName, Scenario
from corridorsim.scenario.shipper_choice import Corridor

Scalar = bool | int | float | str
RESERVED_COLUMNS = frozenset({"point", "scope", "name", "kpi", "n", "mean", "ci_low", "ci_high",
                    "factor", "criterion", "middle_median_days", "reference_median_days",
                    "gap_days", "gap_ci_low", "gap_ci_high", "note"})
"""Column names of ``sweep.csv`` and ``frontier.csv`` a factor may not take."""

TARGET_RESERVED_COLUMNS = frozenset(SHARE_FRONTIER_STAT_COLUMNS)
"""Further column names of ``frontier.csv`` a factor may not take in a sweep with a share
``target``."""


MAX_POINTS = 100_000
"""The most points a sweep may have (each is a scenario held in memory and a row block of
``sweep.csv``); a larger design is refused with its size before anything is built."""


class KeyTarget(Model):
    """A key path set to a linear function of the factor's value: ``offset + scale * value``
    (e.g. a route share that moves against another)."""

    key: str
    """Dotted key path in the scenario (as for ``--set``)."""
    scale: float = 1.0
    """Multiplier of the factor's value."""
    offset: float = 0.0
    """Added after scaling."""


class Factor(Model):
    """One factor: the key paths it sets, and its values (grid) or range (Latin hypercube)."""

    keys: Annotated[list[str | KeyTarget], Field(min_length=1)]
    """Key paths set to the factor's value (all to the same value, or through
    ``{key:, scale:, offset:}``)."""
    values: Annotated[list[Scalar], Field(min_length=1)] | None = None
    """Values of a grid design; every combination with the other factors' values runs."""
    range: tuple[float, float] | None = None
    """``[low, high]`` of a Latin hypercube, Sobol' or Morris design."""
    integer: bool = False
    """With ``range``: draw whole numbers from ``low`` to ``high`` inclusive (each whole
    number gets an equal share of the sampled interval)."""
    description: str = ""
    """What the factor means (for the manifest)."""

    @model_validator(mode="after")
    def _values_or_range(self) -> Factor:
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of 'values' (grid) or 'range' (Latin "
                             "hypercube, Sobol', Morris)")
        if self.range is not None:
            low, high = self.range
            if not high > low:
                raise ValueError(f"range: expected [low, high] with high > low, "
                                 f"got {list(self.range)}")
            if self.integer and (low != int(low) or high != int(high)):
                raise ValueError("range: expected whole numbers with 'integer: true'")
        return self

    def targets(self) -> list[KeyTarget]:
        """Every key path the factor sets, as ``KeyTarget``."""
        return [KeyTarget(key=k) if isinstance(k, str) else k for k in self.keys]


class Design(Model):
    """How points are chosen from the factors."""

    kind: Literal["grid", "latin_hypercube", "sobol", "morris"] = "grid"
    """``grid``: every combination of the factors' ``values``; ``latin_hypercube``:
    ``samples`` points spread over the factors' ``range``s; ``sobol``: Saltelli's sample
    for first-order and total Sobol' indices (``samples`` x (factors + 2) points);
    ``morris``: ``trajectories`` Morris trajectories (``trajectories`` x (factors + 1)
    points)."""
    samples: Annotated[Whole, Field(ge=1, le=MAX_POINTS)] | None = None
    """Number of Latin hypercube points, or Sobol' base samples N (a power of 2)."""
    trajectories: Annotated[Whole, Field(ge=1, le=MAX_POINTS)] | None = None
    """Morris: number of trajectories r (at least 2)."""
    levels: Annotated[Whole, Field(ge=1, le=1000)] | None = None
    """Morris: levels of each factor's grid p (even; 4 when omitted)."""
    resamples: Annotated[Whole, Field(ge=1, le=100_000)] | None = None
    """Sobol', Morris: bootstrap resamples of the indices' 95% intervals (1000 when
    omitted)."""

    @model_validator(mode="after")
    def _keys_of_kind(self) -> Design:
        uses = {"grid": set(), "latin_hypercube": {"samples"}, "sobol": {"samples", "resamples"},
                "morris": {"trajectories", "levels", "resamples"}}[self.kind]
        for key in ("samples", "trajectories", "levels", "resamples"):
            if getattr(self, key) is not None and key not in uses:
                raise KeyPathError(f"design.{key}", f"not used by a {self.kind} design"
                                   + (f"; expected {', '.join(sorted(uses))}" if uses else ""))
        if self.kind == "latin_hypercube" and self.samples is None:
            raise KeyPathError("design.samples", "a Latin hypercube needs 'samples'")
        if self.kind == "sobol":
            n = self.samples
            if n is None or n < 2 or n & (n - 1):
                raise KeyPathError("design.samples", "a Sobol' design needs 'samples': a "
                                   f"power of 2 of at least 2 (e.g. 16, 32, 64), got {n}")
        if self.kind == "morris":
            if self.trajectories is None or self.trajectories < 2:
                raise KeyPathError("design.trajectories", "a Morris design needs "
                                   "'trajectories': at least 2 (e.g. 10)")
            if self.levels is not None and (self.levels < 2 or self.levels % 2):
                raise KeyPathError("design.levels", "expected an even number of levels of at "
                                   f"least 2 (e.g. 4), got {self.levels}")
        return self

    @property
    def is_sensitivity_analysis(self) -> bool:
        """Whether this design ends in a sensitivity analysis."""
        return self.kind in SENSITIVITY_KINDS


class ShareOf(Model):
    """Whose share: a choosing flow, and one of its options or a corridor."""

    flow: str
    """A flow of the base scenario that chooses (gives ``choice:``)."""
    corridor: Corridor | None = None
    """``northern``, ``middle`` or ``sea``: the flow's options on that corridor, together
    (the share is the sum of theirs)."""
    option: str | None = None
    """One of the flow's options, by name (instead of ``corridor``)."""

    @model_validator(mode="after")
    def _corridor_or_option(self) -> ShareOf:
        if (self.corridor is None) == (self.option is None):
            raise ValueError("give exactly one of 'corridor' (northern, middle or sea) or "
                             "'option' (one of the flow's options)")
        return self


class ShareTarget(Model):
    """A frontier criterion on a share of a flow's TEU, instead of the median transit:
    ``frontier.csv`` gives the smallest value of each factor at which the share (mean
    over replications) reaches ``at_least``."""

    share: ShareOf
    """The share: of which flow, and of which option or corridor."""
    at_least: Annotated[Number, Field(gt=0, lt=1)]
    """The share to reach, as a fraction of the flow's TEU (more than 0, less than 1;
    0.15 for 15 %)."""


class SweepFile(Model):
    """A policy sweep: a base scenario, factors, a design, replications and a seed."""

    name: ResultsName
    """Short name; results go to ``results/<name>/`` (up to 100 letters, digits, '-', '_'
    or '.')."""
    description: str = ""
    """What the sweep asks."""
    base: str
    """Base scenario file, relative to the sweep file."""
    replications: Annotated[Whole, Field(ge=1, le=100_000)]
    """Replications per point; every point uses replications ``0..n-1`` of ``seed``."""
    seed: Annotated[Whole, Field(ge=0, le=2**32 - 1)]
    """Base random seed, the same for every point (common random numbers)."""
    factors: Annotated[dict[str, Factor], Field(min_length=1)]
    """Factors by name (the name is a column of ``sweep.csv``)."""
    design: Design = Design()
    """Grid (the default), Latin hypercube, Sobol' or Morris."""
    target_days: Annotated[Number, Field(gt=0, le=36_525)] | None = None
    """Frontier criterion: Middle Corridor median transit at most this many days, instead
    of at most the Northern route's median."""
    target: ShareTarget | None = None
    """Frontier criterion: a share of a choosing flow's TEU (an option's or a corridor's)
    of at least ``at_least``, instead of the Middle Corridor's median transit; ``sweep.csv``
    gains the share at each point."""
    northern_route: str | None = None
    """Northern route the Middle Corridor is compared with; by default the one Northern
    route that ends where the Middle Corridor routes end."""
    scheduler: str | None = None
    """Dask scheduler address (``tcp://host:8786``); a local process pool when omitted."""

    @model_validator(mode="after")
    def _design_matches_factors(self) -> SweepFile:
        if self.target is not None and self.target_days is not None:
            raise KeyPathError("target", "a sweep has one frontier criterion: give either "
                               "'target' (a share) or 'target_days' (a median transit), "
                               "not both")
        reserved = RESERVED_COLUMNS | (TARGET_RESERVED_COLUMNS if self.target else set())
        for name, factor in self.factors.items():
            if name in reserved:
                raise KeyPathError(f"factors.{name}", "this factor name is a column of "
                                   "sweep.csv; choose another name")
            if self.design.kind == "grid" and factor.values is None:
                raise KeyPathError(f"factors.{name}", "a grid design needs 'values' "
                                   "(or set design: {kind: latin_hypercube, samples: N})")
            if self.design.kind != "grid" and factor.range is None:
                what = {"latin_hypercube": "a Latin hypercube", "sobol": "a Sobol' design",
                        "morris": "a Morris design"}[self.design.kind]
                raise KeyPathError(f"factors.{name}", f"{what} needs 'range: [low, high]' "
                                   "(a list of 'values' is for a grid design)")
        if self.points > MAX_POINTS:
            raise KeyPathError("factors" if self.design.kind == "grid" else "design",
                               f"this design has {self.points:,} points, more than "
                               f"{MAX_POINTS:,}; use fewer values, samples or trajectories "
                               "(or split the sweep)")
        return self

    @property
    def points(self) -> int:
        """How many points the design has (before points with equal scenarios are merged)."""
        d, k = self.design, len(self.factors)
        if d.kind == "grid":
            return math.prod(len(f.values or ()) for f in self.factors.values())
        if d.kind == "latin_hypercube":
            return d.samples or 0
        if d.kind == "sobol":
            return (d.samples or 0) * (k + 2)
        return (d.trajectories or 0) * (k + 1)

    def sensitivity_design(self) -> SensitivityDesign:
        """What SALib needs of this file (a Sobol' or Morris design)."""
        d = self.design
        return SensitivityDesign(kind=d.kind, factors=tuple(self.factors), seed=self.seed,
                                 samples=d.samples, trajectories=d.trajectories,
                                 levels=d.levels, resamples=d.resamples)


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its number and each factor's value."""

    index: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the file, its base scenario and its points with their scenarios."""

    spec: SweepFile
    source: Path | None
    base: Scenario
    points: tuple[Point, ...]
    scenarios: tuple[Scenario, ...]
    northern_route: str

    @property
    def factor_names(self) -> list[str]:
        """The factors, in file order (columns of ``sweep.csv``)."""
        return list(self.spec.factors)

    @property
    def target_share(self) -> TargetShare | None:
        """The share target, as the tables take it (``None`` without a ``target``)."""
        target = self.spec.target
        if target is None:
            return None
        return TargetShare(flow=target.share.flow, option=target.share.option,
                           corridor=target.share.corridor, at_least=target.at_least)


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and expand a sweep file (see ``build_sweep``)."""
    path = Path(path)
    document = read_yaml_mapping(path, "sweep")
    try:
        spec = SweepFile.model_validate(document)
    except ValidationError as exc:
        raise error_from_validation(exc, SweepFile, path, document, "sweep file") from None
    return build_sweep(spec, path)


def build_sweep(spec: SweepFile, source: Path | None = None) -> Sweep:
    """Load the base scenario (relative to ``source``), build and validate every point."""
    folder = source.parent if source is not None else Path.cwd()
    base_path = folder / spec.base
    if not base_path.is_file():
        raise ScenarioError(f"file {spec.base!r} not found; expected a scenario file, "
                            "relative to the sweep file", source=source, key_path="base")
    base = load_scenario(base_path)
    if base.warmup == "auto":
        raise ScenarioError("the base scenario has 'warmup: auto', which a sweep cannot use "
                            "(each task is one replication); set a fixed warm-up",
                            source=source, key_path="base")
    full = base.model_dump(by_alias=True)
    for name, factor in spec.factors.items():
        for i, target in enumerate(factor.targets()):
            _check_key_path(full, target.key, source, f"factors.{name}.keys.{i}")
    if spec.target is not None:
        _check_share_target(spec.target.share, base, source)
    points = tuple(Point(i, values)
                   for i, values in enumerate(design_points(spec, source)))
    scenarios = tuple(point_scenario(spec, base, p, source) for p in points)
    return Sweep(spec, source, base, points, scenarios, _northern_route(spec, base, source))


def design_points(spec: SweepFile, source: Path | None = None) -> list[dict[str, Any]]:
    """Each point's factor values, in a fixed order (grid: the last factor varies fastest)."""
    names = list(spec.factors)
    if spec.design.kind == "grid":
        lists = [spec.factors[n].values or [] for n in names]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]
    if spec.design.is_sensitivity_analysis:
        unit = unit_sample(spec.sensitivity_design(), source)
    else:
        assert spec.design.samples is not None
        rng = np.random.default_rng(spec.seed)
        try:
            sampler = qmc.LatinHypercube(d=len(names), rng=rng)
        except TypeError:  # scipy < 1.15 names it 'seed'
            sampler = qmc.LatinHypercube(d=len(names), seed=rng)
        unit = sampler.random(spec.design.samples)
    return [{name: scaled(spec.factors[name], float(u)) for name, u in zip(names, row,
                                                                              strict=True)}
            for row in unit]


def scaled(factor: Factor, u: float) -> int | float:
    """A factor's value at ``u`` in [0, 1] of its range: ``low + u (high - low)`` to 6
    decimals, or for an integer factor ``low + floor(u (high - low + 1))`` capped at
    ``high`` (each whole number gets an equal share of [0, 1])."""
    assert factor.range is not None
    low, high = factor.range
    if factor.integer:  # 9 decimals: a Morris level such as 1/3 lands on its whole number
        return min(int(high), int(low) + math.floor(round(u * (high - low + 1), 9)))
    return round(low + u * (high - low), 6)


def point_overrides(spec: SweepFile, point: Point) -> dict[str, Any]:
    """The key paths a point sets, with their values."""
    overrides: dict[str, Any] = {}
    for name, factor in spec.factors.items():
        value = point.values[name]
        for target in factor.targets():
            if (target.scale, target.offset) == (1.0, 0.0) or isinstance(value, bool | str):
                overrides[target.key] = value
            else:
                overrides[target.key] = round(target.offset + target.scale * value, 9)
    return overrides


def point_scenario(spec: SweepFile, base: Scenario, point: Point,
                   source: Path | None) -> Scenario:
    """The base scenario with the point's factors set; an invalid value names the factor."""
    try:
        return base.with_overrides(point_overrides(spec, point))
    except ScenarioError as exc:
        factor = _factor_of(spec, exc.key_path) or next(iter(spec.factors))
        raise ScenarioError(
            f"value {point.values[factor]!r} (point {point.index}) gives an invalid scenario: "
            f"{exc.key_path or 'scenario'}: {exc.message}",
            source=source, key_path=f"factors.{factor}") from None


def _factor_of(spec: SweepFile, key_path: str) -> str | None:
    for name, factor in spec.factors.items():
        for target in factor.targets():
            if key_path == target.key or key_path.startswith(target.key + "."):
                return name
    for name, factor in spec.factors.items():  # a cross-reference error elsewhere
        for target in factor.targets():
            if target.key.startswith(key_path + ".") or not key_path:
                return name
    return None


def _check_key_path(document: Any, key_path: str, source: Path | None, where: str) -> None:
    """A factor's key path must name a key of the base scenario (defaults included)."""
    here = document
    walked: list[str] = []
    for part in key_path.split("."):
        if isinstance(here, dict) and part in here:
            here = here[part]
        elif isinstance(here, list) and part.isdigit() and int(part) < len(here):
            here = here[int(part)]
        else:
            keys = list(here) if isinstance(here, dict) else []
            close = difflib.get_close_matches(part, keys, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            inside = ".".join(walked) or "the top level"
            raise ScenarioError(f"key path {key_path!r} does not exist in the base scenario "
                                f"(no {part!r} in {inside}){hint}", source=source,
                                key_path=where)
        walked.append(part)


def _check_share_target(share: ShareOf, base: Scenario, source: Path | None) -> None:
    """The target's flow must be a reported flow of the base scenario that chooses, and its
    option one of the flow's options, or its corridor that of at least one of them."""
    choosing = [n for n, f in base.flows.items() if f.choice is not None and f.reported]
    expected = (f"expected a flow that chooses ('choice:'): {', '.join(choosing)}" if choosing
                else "no flow of the base scenario chooses ('choice:')")
    flow = base.flows.get(share.flow)
    if flow is None:
        close = difflib.get_close_matches(share.flow, choosing or list(base.flows), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(f"no flow {share.flow!r} in the base scenario; {expected}{hint}",
                            source=source, key_path="target.share.flow")
    if flow.choice is None:
        raise ScenarioError(f"flow {share.flow!r} has fixed route shares ('routes:'), so its "
                            f"shares do not respond to the factors; {expected}",
                            source=source, key_path="target.share.flow")
    if not flow.reported:
        raise ScenarioError(f"flow {share.flow!r} is not reported (background cargo), so it "
                            f"has no shares; {expected}", source=source,
                            key_path="target.share.flow")
    options = list(flow.choice)
    if share.option is not None and share.option not in options:
        close = difflib.get_close_matches(share.option, options, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(f"flow {share.flow!r} has no option {share.option!r}; expected "
                            f"one of {', '.join(options)}{hint}", source=source,
                            key_path="target.share.option")
    if share.corridor is not None:
        corridors = {o: c for (f, o), c in option_corridors(base).items() if f == share.flow}
        if share.corridor not in corridors.values():
            found = ", ".join(f"{o} ({c})" for o, c in corridors.items())
            raise ScenarioError(f"no option of flow {share.flow!r} is on corridor "
                                f"{share.corridor!r}; its options: {found}", source=source,
                                key_path="target.share.corridor")


def _northern_route(spec: SweepFile, base: Scenario, source: Path | None) -> str:
    """The Northern route to compare with: named, or the one ending where Middle routes end
    (the busiest of them when there are several)."""
    used = sorted({r for f in base.flows.values() if not f.background for r in f.route_shares})
    northern = [r for r in used if corridor_of(r) == "northern"]
    if spec.northern_route is not None:
        if spec.northern_route not in northern:
            raise ScenarioError(f"{spec.northern_route!r} is not a Northern route of the base "
                                f"scenario; expected one of {', '.join(northern) or '(none)'}",
                                source=source, key_path="northern_route")
        return spec.northern_route
    ends = {base.routes[r][-1] for r in used if corridor_of(r) == "middle"}
    matches = [r for r in northern if base.routes[r][-1] in ends]
    if len(matches) > 1:
        # Several (one per border crossing, say): the one with the most trains.
        weekly = {r: sum(f.consignments_per_week * f.route_shares.get(r, 0.0)
                         for f in base.flows.values() if not f.background) for r in matches}
        best = max(weekly.values())
        matches = [r for r in matches if weekly[r] == best]
    if len(matches) != 1:
        raise ScenarioError("cannot choose the Northern route to compare with (candidates: "
                            f"{', '.join(matches) or 'none'}); name it in 'northern_route'",
                            source=source, key_path="northern_route")
    return matches[0]
