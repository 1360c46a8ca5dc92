"""Fitting the alternative-specific constants of route and mode choice to published
volumes (``corridorsim calibrate --fit``).

A target file names, under ``fit_constants``, which corridor's constant is fitted to
which volume target (the middle of its band). The Northern corridor is the reference
(its constant stays as the scenario gives it). Each iteration runs the scenario on the
same seeds and takes a Newton step on the logit: with the shares ``s_j`` of the
corridors among the choosing flows' TEU, raising corridor ``j``'s constant by one USD
changes the log of corridor ``k``'s volume by ``-scale x (1[k = j] - s_j)``; a target
only part of whose volume is on its corridor (trains that end in Turkey counted with
the Middle Corridor's) moves in proportion. The step ignores congestion (a corridor
that wins traffic gets slower), which the next iteration sees; it stops when every
target's own corridor part is within ``tolerance`` of its goal. The constants' 95 %
intervals are the Newton step of each replication from the last iteration: what the
constants would be if that replication alone were the truth.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corridorsim.calibration import (
    Targets,
    load_targets,
    metric_values,
    shipments_by_replication,
)
from corridorsim.corridors import corridor_of
from corridorsim.errors import ScenarioError
from corridorsim.experiment.replications import RunResult, run
from corridorsim.report.rounding import rounded
from corridorsim.scenario.schema import Scenario
from corridorsim.scenario.shipper_choice import CHOICE_CORRIDORS
from corridorsim.stats import estimate

CONSTANT_COLUMNS = ("corridor", "constant_usd_per_teu", "ci_low", "ci_high", "half_width",
                    "replications", "target", "goal", "model_mean", "iterations", "converged")
"""Columns of ``constants.csv``: one row per fitted constant."""


@dataclass(frozen=True)
class ConstantFit:
    """Fitted constants, their intervals, and the run at the fitted values."""

    scenario: Scenario
    """The scenario with the fitted constants."""
    constants: dict[str, float]
    """Fitted constant per corridor, USD per TEU."""
    rows: list[dict[str, Any]]
    """Rows of ``constants.csv``."""
    result: RunResult
    """The run at the fitted constants."""
    iterations: int
    converged: bool

    def overrides(self) -> dict[str, float]:
        """The constants as ``--set`` key paths."""
        return {f"choice.constants_usd_per_teu.{c}": v for c, v in self.constants.items()}


def check_fit(scenario: Scenario, targets: Targets, source: Any = None) -> None:
    """A scenario can have its constants fitted to these targets: it chooses, and every
    fitted corridor names a volume target of the file."""
    if not targets.fit_constants:
        raise ScenarioError("--fit: the target file has no 'fit_constants' (which "
                            "corridor's constant to fit to which volume target)",
                            source=source, key_path="fit_constants")
    if scenario.choice is None:
        raise ScenarioError("--fit: the scenario has no 'choice' section; only the "
                            "constants of route and mode choice are fitted")
    ids = {t.id: t for t in targets.targets}
    for corridor, target_id in targets.fit_constants.items():
        target = ids.get(target_id)
        key = f"fit_constants.{corridor}"
        if target is None:
            raise ScenarioError(f"unknown target {target_id!r}; expected one of "
                                + ", ".join(repr(i) for i in ids), source=source, key_path=key)
        if target.metric is None or target.metric.statistic not in VOLUME_STATISTICS:
            raise ScenarioError(f"target {target_id!r} is not a volume (a metric with "
                                "statistic consignments_per_year or teu_per_year)",
                                source=source, key_path=key)


VOLUME_STATISTICS = ("consignments_per_year", "teu_per_year")


def fit_constants(scenario: Scenario, targets: Targets | Path | str, replications: int = 30,
                  seed: int | None = None, workers: int = 1,
                  max_iterations: int = 8, tolerance: float = 0.01) -> ConstantFit:
    """Fit the choice constants that ``targets`` (a target file, or its path) names under
    ``fit_constants``, each to the middle of its target's band, on ``replications``
    replications from ``seed`` (the same in every iteration); the Python side of
    ``corridorsim calibrate --fit``."""
    if not isinstance(targets, Targets):
        targets = load_targets(Path(targets))
    check_fit(scenario, targets)
    return fit_constants_with(scenario, targets, lambda s: run(
        s, replications=replications, seed=seed, workers=workers),
        max_iterations, tolerance)


def fit_constants_with(scenario: Scenario, targets: Targets,
                       run_scenario: Callable[[Scenario], RunResult],
                       max_iterations: int = 8, tolerance: float = 0.01) -> ConstantFit:
    """``fit_constants`` with ``run_scenario`` running each iteration (the same
    replications and seed each time)."""
    assert scenario.choice is not None and targets.fit_constants
    scale = scenario.choice.logit_scale_per_usd
    by_id = {t.id: t for t in targets.targets}
    fits: dict[str, str] = {str(c): t for c, t in targets.fit_constants.items()}
    fitted = list(fits)
    goals = [sum(by_id[fits[c]].band) / 2.0 for c in fitted]
    constants = {c: scenario.choice.constant(c) for c in fitted}
    current = scenario
    converged = False
    iteration = 0
    while True:
        iteration += 1
        result = run_scenario(current)
        logs, shares, weights, corridors = _volumes(result, targets, fitted)
        step = _newton_step(scale, fitted, shares, weights, corridors,
                            [math.log(g) - float(np.mean(x)) for g, x in zip(goals, logs,
                                                                            strict=True)])
        # Relative to the part of each target that its corridor carries: 1 % of 330 trains
        # a year is 5 % of the 70 that choose the Middle Corridor.
        error = max(abs(float(np.mean(x)) - math.log(g)) / w
                    for g, x, w in zip(goals, logs, weights, strict=True))
        if error <= tolerance or iteration >= max_iterations:
            converged = error <= tolerance
            break
        constants = {c: constants[c] + step[i] for i, c in enumerate(fitted)}
        current = _with_constants(scenario, constants)
    per_rep = [_newton_step(scale, fitted, shares, weights, corridors,
                            [math.log(g) - x[r] for g, x in zip(goals, logs, strict=True)])
               for r in range(len(logs[0]))]
    rows = []
    for i, corridor in enumerate(fitted):
        e = estimate([constants[corridor] + s[i] for s in per_rep])
        target = by_id[fits[corridor]]
        rows.append({"corridor": corridor, "constant_usd_per_teu": rounded(constants[corridor], 1),
                     "ci_low": rounded(e.low, 1), "ci_high": rounded(e.high, 1),
                     "half_width": rounded(e.half_width, 1), "replications": e.n,
                     "target": target.id, "goal": goals[i],
                     "model_mean": rounded(float(np.mean(np.exp(logs[i])))),
                     "iterations": iteration, "converged": "yes" if converged else "no"})
    return ConstantFit(current, constants, rows, result, iteration, converged)


def _with_constants(scenario: Scenario, constants: Mapping[str, float]) -> Scenario:
    return scenario.with_overrides({f"choice.constants_usd_per_teu.{c}": round(v, 1)
                                    for c, v in constants.items()})


def _volumes(result: RunResult, targets: Targets, fitted: list[str]
             ) -> tuple[list[np.ndarray], dict[str, float], list[float], list[str]]:
    """Per fitted target, the log of its volume in each replication; the corridors'
    shares of the choosing flows' TEU; the part of each target's volume on its own
    corridor (the choice corridor that carries most of it); and that corridor."""
    by_id = {t.id: t for t in targets.targets}
    fits: dict[str, str] = {str(c): t for c, t in targets.fit_constants.items()}
    rows_by_rep = shipments_by_replication(result)
    scenario = result.scenario
    years = (scenario.horizon - scenario.warmup_hours) / (365.0 * 24.0)
    n = len(result.outcomes)
    logs, weights, corridors = [], [], []
    for corridor in fitted:
        target_id = fits[corridor]
        metric = by_id[target_id].metric
        assert metric is not None
        values = metric_values(metric, rows_by_rep, years, n)
        if any(v is None or v <= 0 for v in values):
            raise ScenarioError(f"--fit: target {target_id!r} has no volume in some "
                                "replication; a constant cannot be fitted to zero")
        logs.append(np.log(np.array(values, dtype=float)))
        parts = {c: _total(metric_values(metric, rows_by_rep, years, n, keep=_on(c)))
                 for c in CHOICE_CORRIDORS}
        main = max(parts, key=parts.__getitem__)
        corridors.append(main)
        weights.append(parts[main] / _total(values))
    choosing = {name for name, flow in scenario.flows.items() if flow.choice is not None}
    teu: dict[str, float] = {}
    for row in result.shipments:
        if row["flow"] in choosing:
            corridor = corridor_of(row["route"])
            teu[corridor] = teu.get(corridor, 0.0) + row["teu"]
    total = sum(teu.values()) or 1.0
    return logs, {c: v / total for c, v in teu.items()}, weights, corridors


def _on(corridor: str) -> Callable[[dict[str, Any]], bool]:
    return lambda row: bool(row["corridor"] == corridor)


def _total(values: list[float | None]) -> float:
    return float(sum(v for v in values if v is not None))


def _newton_step(scale: float, fitted: list[str], shares: Mapping[str, float],
                 weights: list[float], corridors: list[str], gaps: list[float]) -> list[float]:
    """The change of each fitted constant that closes the log gaps of the targets, on the
    logit's Jacobian (congestion aside): target ``t`` is a volume of corridor
    ``corridors[t]``, ``weights[t]`` of it on that corridor."""
    jacobian = np.array([[-scale * weights[t] * ((k == j) - shares.get(j, 0.0))
                          for j in fitted] for t, k in enumerate(corridors)])
    if abs(np.linalg.det(jacobian)) < 1e-30:
        raise ScenarioError("--fit: the fitted constants do not move the targets "
                            "independently (each constant needs a target of its own that "
                            "it moves); check fit_constants", key_path="fit_constants")
    return [float(x) for x in np.linalg.solve(jacobian, np.array(gaps))]
