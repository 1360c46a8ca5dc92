"""Turning a scenario distribution into a zero-argument sampler bound to one stream."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from corridorsim.scenario.distributions import (
    Empirical,
    Exponential,
    Fixed,
    Lognormal,
    Triangular,
    Uniform,
)

Sampler = Callable[[], float]


def make_sampler(dist: object, rng: random.Random) -> Sampler:
    """A function returning one draw in hours from ``dist`` using ``rng``."""
    if isinstance(dist, Fixed):
        value = dist.value
        return lambda: value
    if isinstance(dist, Exponential):
        rate = 1.0 / dist.mean
        return lambda: rng.expovariate(rate)
    if isinstance(dist, Uniform):
        low, high = dist.low, dist.high
        return lambda: rng.uniform(low, high)
    if isinstance(dist, Triangular):
        low, mode, high = dist.low, dist.mode, dist.high
        return lambda: rng.triangular(low, high, mode)
    if isinstance(dist, Lognormal):
        excess = dist.mean - dist.minimum
        sigma2 = math.log1p(dist.cv**2)
        mu = math.log(excess) - sigma2 / 2
        sigma = math.sqrt(sigma2)
        minimum = dist.minimum
        return lambda: minimum + rng.lognormvariate(mu, sigma)
    if isinstance(dist, Empirical):
        values = list(dist.values)
        if dist.weights is None:
            return lambda: rng.choice(values)
        cum = []
        total = 0.0
        for w in dist.weights:
            total += w
            cum.append(total)
        return lambda: rng.choices(values, cum_weights=cum)[0]
    raise TypeError(f"not a distribution: {dist!r}")

