"""Sobol' and Morris designs with SALib: the sample of the unit cube, and the indices of
an output at its points. Nothing here knows sweeps; ``sweep_files`` builds the points
from the sample and ``sweeps`` hands the outputs back.

A sweep file whose ``design.kind`` is ``sobol`` or ``morris`` is a sensitivity
analysis. Its points are SALib's sample of the unit cube, one column per factor,
mapped onto each factor's ``range`` exactly as a Latin hypercube is (integer factors
included, see ``sweep_files.scaled``). The points run as the tasks of any sweep
(``sweeps.sweep``: streamed task files, resume, any executor, the same seed at every
point), and the output of interest at each point is the gap of ``sweep.csv``: the
Middle Corridor's median transit minus the Northern route's (or minus
``target_days``), the mean over replications of the paired per-replication gaps.

- ``sobol``: Saltelli's extension of a scrambled Sobol' sequence (``samples`` N base
  samples, N x (factors + 2) points), analysed with Jansen's estimators for the
  first-order (S1) and total (ST) indices.
- ``morris``: ``trajectories`` r one-at-a-time trajectories on a grid of ``levels``
  p levels (r x (factors + 1) points); mu* (mean absolute elementary effect), mu and
  sigma. SALib computes the effects on the unit cube, so mu* is in days of gap per
  whole range of the factor.

The intervals are SALib's: bootstrap standard error x 1.96 either side of the index
(95%), from ``resamples`` resamples. Sampling and bootstrap are seeded from the
sweep's seed, so the same file gives byte-identical indices.

SALib is an optional dependency (``pip install corridorsim[sensitivity]``), imported
only when a sensitivity design is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from corridorsim.errors import RunError, ScenarioError

SENSITIVITY_KINDS = ("sobol", "morris")
"""Design kinds that end in a sensitivity analysis (``sensitivity.csv``)."""
DEFAULT_LEVELS = 4
DEFAULT_RESAMPLES = 1000
CONFIDENCE = 0.95
INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma", "mu")}
"""Indices per method, the first ranks the factors (ST for Sobol', mu* for Morris)."""
RANKED_BY = {"sobol": "ST", "morris": "mu_star"}

Indices = dict[str, dict[str, tuple[float | None, ...]]]
"""``{factor: {index: (value, ci_low, ci_high)}}``."""


@dataclass(frozen=True)
class SensitivityDesign:
    """What SALib needs of a sensitivity sweep file."""

    kind: str
    """``sobol`` or ``morris``."""
    factors: tuple[str, ...]
    """Factor names, one column of the sample each."""
    seed: int
    """Seeds the sample and the bootstrap."""
    samples: int | None = None
    """Sobol': base samples N."""
    trajectories: int | None = None
    """Morris: trajectories r."""
    levels: int | None = None
    """Morris: levels p (``DEFAULT_LEVELS`` when None)."""
    resamples: int | None = None
    """Bootstrap resamples (``DEFAULT_RESAMPLES`` when None)."""

    @property
    def morris_levels(self) -> int:
        """The Morris grid's levels, defaults applied."""
        return self.levels or DEFAULT_LEVELS

    @property
    def bootstrap_resamples(self) -> int:
        """The bootstrap's resamples, defaults applied."""
        return self.resamples or DEFAULT_RESAMPLES


def _salib(kind: str, source: Path | None) -> tuple[ModuleType, ModuleType]:
    """SALib's sampler and analyser modules for ``kind``, or a one-line error."""
    try:
        return (import_module(f"SALib.sample.{kind}"),
                import_module(f"SALib.analyze.{kind}"))
    except ImportError:
        raise ScenarioError(f"a {kind} design needs SALib, which is not installed; "
                            "pip install corridorsim[sensitivity]", source=source,
                            key_path="design.kind") from None


def _problem(design: SensitivityDesign) -> dict[str, Any]:
    """SALib's problem on the unit cube: values are mapped onto the ranges afterwards."""
    names = list(design.factors)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _bootstrap_seed(seed: int) -> int:
    """A non-zero integer derived from the sweep's seed (SALib's Sobol' analysis falls
    back to the global random state when given 0)."""
    return int(np.random.SeedSequence([seed, 0x5A1]).generate_state(1)[0]) or 1


def unit_sample(design: SensitivityDesign, source: Path | None = None) -> np.ndarray:
    """SALib's sample on the unit cube (one row per point, one column per factor)."""
    sample, _ = _salib(design.kind, source)
    if design.kind == "sobol":
        assert design.samples is not None
        unit = sample.sample(_problem(design), design.samples, calc_second_order=False,
                             scramble=True, seed=design.seed)
    else:
        assert design.trajectories is not None
        unit = sample.sample(_problem(design), design.trajectories,
                             num_levels=design.morris_levels, seed=design.seed)
    return np.asarray(unit, dtype=float)


def analyze(design: SensitivityDesign, outputs: Sequence[float | None],
            source: Path | None = None) -> Indices:
    """Indices of each factor for the outputs at the sample points, in point order.

    Returns ``{factor: {index: (value, ci_low, ci_high)}}`` with ``ci_low``/``ci_high``
    ``None`` for indices without an interval (Morris sigma and mu). A point without an
    output (no Middle Corridor delivery in any replication) is an error: the indices
    need every point.
    """
    missing = [i for i, y in enumerate(outputs) if y is None]
    if missing:
        where = f"{source}: " if source is not None else ""
        raise RunError(f"{where}point {missing[0]} has no Middle Corridor median transit in any "
                       f"replication ({len(missing)} point(s) in all), so the gap is "
                       "unknown there; lengthen the base scenario's horizon or narrow the "
                       "ranges")
    _, analyser = _salib(design.kind, source)
    y = np.asarray(outputs, dtype=float)
    names = list(design.factors)
    found: Indices = {n: {} for n in names}
    if np.ptp(y) == 0:  # a constant output: no variance to share out, no effect
        for name in names:
            for index in INDICES[design.kind]:
                found[name][index] = ((0.0, None, None) if index in ("sigma", "mu")
                                      else (0.0, 0.0, 0.0))
        return found
    with np.errstate(divide="ignore", invalid="ignore"):
        if design.kind == "sobol":
            result = analyser.analyze(_problem(design), y, calc_second_order=False,
                                      num_resamples=design.bootstrap_resamples,
                                      conf_level=CONFIDENCE,
                                      seed=_bootstrap_seed(design.seed))
            for i, name in enumerate(names):
                for index in ("S1", "ST"):
                    found[name][index] = _with_interval(result[index][i],
                                                        result[f"{index}_conf"][i])
        else:
            unit = unit_sample(design, source)
            result = analyser.analyze(_problem(design), unit, y,
                                      num_resamples=design.bootstrap_resamples,
                                      conf_level=CONFIDENCE, num_levels=design.morris_levels,
                                      seed=_bootstrap_seed(design.seed))
            for i, name in enumerate(names):
                found[name]["mu_star"] = _with_interval(result["mu_star"][i],
                                                        result["mu_star_conf"][i])
                found[name]["sigma"] = (_finite(result["sigma"][i]), None, None)
                found[name]["mu"] = (_finite(result["mu"][i]), None, None)
    return found


def _finite(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _with_interval(value: Any, half: Any) -> tuple[float | None, float | None, float | None]:
    v, h = _finite(value), _finite(half)
    if v is None or h is None:
        return (v, None, None)
    return (v, v - h, v + h)
