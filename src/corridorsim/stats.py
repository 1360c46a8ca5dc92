"""Statistics across replications: confidence intervals, paired and unpaired differences,
and the MSER-5 warm-up rule.

A replication is one independent run of the scenario with its own random streams;
a KPI's replication values are independent and identically distributed, so its
mean gets a Student-t confidence interval. Two scenarios (or two routes) run with
the same seed share random streams replication by replication (common random
numbers), so their difference is estimated from paired differences, which is
what makes small effects visible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scipy import stats as _scipy_stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean across replications with its 95% Student-t confidence interval.

    ``half_width``, ``low`` and ``high`` are ``None`` with fewer than two values.
    """

    mean: float | None
    std: float | None
    n: int
    half_width: float | None
    low: float | None
    high: float | None

    @property
    def significant(self) -> bool | None:
        """Whether the interval excludes zero (for differences)."""
        if self.low is None or self.high is None:
            return None
        return self.low > 0 or self.high < 0


def _clean(values: Iterable[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and not math.isnan(float(v))]


def t_quantile(df: float, confidence: float = CONFIDENCE) -> float:
    """Two-sided Student-t critical value."""
    return float(_scipy_stats.t.ppf(0.5 + confidence / 2, df))


def estimate(values: Iterable[float | None], confidence: float = CONFIDENCE) -> Estimate:
    """Mean and t-interval of replication values (missing values are skipped)."""
    xs = _clean(values)
    n = len(xs)
    if n == 0:
        return Estimate(None, None, 0, None, None, None)
    mean = math.fsum(xs) / n
    if n < 2:
        return Estimate(mean, None, 1, None, None, None)
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t_quantile(n - 1, confidence) * std / math.sqrt(n)
    return Estimate(mean, std, n, half, mean - half, mean + half)


def paired_difference(a: Sequence[float | None], b: Sequence[float | None],
                      confidence: float = CONFIDENCE) -> Estimate:
    """Interval of the mean of ``a[i] - b[i]`` over replications where both are known."""
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    return estimate([x - y for x, y in zip(a, b, strict=True)
                     if x is not None and y is not None], confidence)


def welch_difference(a: Iterable[float | None], b: Iterable[float | None],
                     confidence: float = CONFIDENCE) -> Estimate:
    """Interval of ``mean(a) - mean(b)`` for independent samples (Welch-Satterthwaite)."""
    ea, eb = estimate(a), estimate(b)
    if ea.mean is None or eb.mean is None:
        return Estimate(None, None, min(ea.n, eb.n), None, None, None)
    diff = ea.mean - eb.mean
    if ea.std is None or eb.std is None:
        return Estimate(diff, None, min(ea.n, eb.n), None, None, None)
    va, vb = ea.std**2 / ea.n, eb.std**2 / eb.n
    se = math.sqrt(va + vb)
    if se == 0:
        return Estimate(diff, 0.0, min(ea.n, eb.n), 0.0, diff, diff)
    df = (va + vb) ** 2 / (va**2 / (ea.n - 1) + vb**2 / (eb.n - 1))
    half = t_quantile(df, confidence) * se
    return Estimate(diff, se, min(ea.n, eb.n), half, diff - half, diff + half)


def mser5(series: Sequence[float]) -> int:
    """MSER-5 truncation point: how many leading values to drop.

    The series is averaged in batches of 5; the truncation ``d`` (in batches) that
    minimises the squared standard error of the remaining batch means is chosen,
    searching the first half only (White, 1997). Returns the number of original
    values to drop.
    """
    batches = [math.fsum(series[i:i + 5]) / 5 for i in range(0, len(series) - 4, 5)]
    k = len(batches)
    if k < 4:
        return 0
    best_d, best = 0, math.inf
    for d in range(k // 2):
        rest = batches[d:]
        m = math.fsum(rest) / len(rest)
        value = math.fsum((x - m) ** 2 for x in rest) / len(rest) ** 2
        if value < best:
            best, best_d = value, d
    return best_d * 5
