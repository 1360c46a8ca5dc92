import math
import random

import pytest

from corridorsim.stats import estimate, mser5, paired_difference, t_quantile, welch_difference


def test_t_quantiles_match_tables():
    assert t_quantile(1) == pytest.approx(12.706, abs=1e-3)
    assert t_quantile(4) == pytest.approx(2.776, abs=1e-3)
    assert t_quantile(29) == pytest.approx(2.045, abs=1e-3)


def test_estimate_of_known_values():
    e = estimate([1.0, 2.0, 3.0, 4.0, None])
    assert e.n == 4 and e.mean == 2.5
    assert e.std == pytest.approx(math.sqrt(5 / 3))
    assert e.half_width == pytest.approx(3.182446 * math.sqrt(5 / 3) / 2, rel=1e-5)
    assert estimate([7.0]).half_width is None and estimate([]).mean is None


def test_the_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = random.Random(1)
    covered = 0
    for _ in range(2000):
        e = estimate([rng.gauss(10.0, 3.0) for _ in range(6)])
        covered += e.low <= 10.0 <= e.high
    assert covered / 2000 == pytest.approx(0.95, abs=0.015)


def test_pairing_removes_the_shared_noise():
    rng = random.Random(2)
    shared = [rng.gauss(0, 10) for _ in range(10)]
    a = [s + 1.0 + rng.gauss(0, 0.1) for s in shared]
    b = [s for s in shared]
    paired = paired_difference(a, b)
    unpaired = welch_difference(a, b)
    assert paired.significant and paired.low < 1.0 < paired.high
    assert not unpaired.significant  # the shared noise hides the effect without pairing


def test_mser5_drops_an_initial_transient():
    rng = random.Random(3)
    series = [50.0 - i for i in range(40)] + [10.0 + rng.gauss(0, 1) for _ in range(360)]
    drop = mser5(series)
    assert 30 <= drop <= 100  # the transient (40 values), not half the series
    assert mser5([10.0 + rng.gauss(0, 1) for _ in range(400)]) <= 40
