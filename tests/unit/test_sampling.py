import random
import statistics

import pytest

from corridorsim.scenario.distributions import (
    Empirical,
    Exponential,
    Fixed,
    Lognormal,
    Triangular,
    Uniform,
)
from corridorsim.sim.sampling import make_sampler

N = 40_000


@pytest.mark.parametrize(("dist", "mean"), [
    (Fixed(value=3.0), 3.0),
    (Exponential(dist="exponential", mean=6.0), 6.0),
    (Uniform(dist="uniform", low=2.0, high=4.0), 3.0),
    (Triangular(dist="triangular", low=1.0, mode=2.0, high=6.0), 3.0),
    (Lognormal(dist="lognormal", mean=48.0, cv=0.8), 48.0),
    (Lognormal(dist="lognormal", mean=48.0, cv=1.2, minimum=24.0), 48.0),
    (Empirical(dist="empirical", values=[1.0, 2.0, 10.0], weights=[1.0, 1.0, 2.0]), 5.75),
])
def test_sample_means_match_the_distribution_mean(dist, mean):
    sample = make_sampler(dist, random.Random(1))
    values = [sample() for _ in range(N)]
    assert statistics.fmean(values) == pytest.approx(mean, rel=0.03)
    assert min(values) >= 0


def test_lognormal_cv_describes_the_excess_above_the_minimum():
    dist = Lognormal(dist="lognormal", mean=48.0, cv=1.0, minimum=24.0)
    sample = make_sampler(dist, random.Random(2))
    excess = [sample() - 24.0 for _ in range(N)]
    assert min(excess) > 0
    cv = statistics.pstdev(excess) / statistics.fmean(excess)
    assert cv == pytest.approx(1.0, rel=0.1)
