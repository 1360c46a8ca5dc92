"""A flow's ``growth_per_year``: the rate steps by (1 + g) each 1 January, releases stay an
exact Poisson process, and a flow without growth releases exactly what it did before."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import simpy
from pydantic import ValidationError

from corridorsim.demand import FlowReleases
from corridorsim.scenario.sections import Flow
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.streams import RandomStreams

START = dt.date(2024, 1, 1)
YEARS = (2024, 2025, 2026, 2027)
END = Calendar(START, 0.0).hours_since_start(dt.date(2028, 1, 1))


def flow(**fields: object) -> Flow:
    return Flow(origin="a", destination="b", consignment_teu=80,
                routes={"northern_x": 1.0}, **fields)  # type: ignore[arg-type]


def releases(f: Flow, seed: int = 1, start: dt.date = START,
             end: float = END) -> list[tuple[float, int]]:
    """(time, TEU) of every release of ``f`` from ``start`` until ``end`` hours."""
    env = simpy.Environment()
    calendar = Calendar(start, end)
    out: list[tuple[float, int]] = []

    def release(_name: str, _flow: Flow, _route: str, teu: int, _cost: float | None) -> None:
        out.append((env.now, teu))

    env.process(FlowReleases(env, "f", f, calendar, RandomStreams(seed, 0), release).run())
    env.run(until=end)
    return out


def teu_by_year(f: Flow, seed: int = 1) -> list[int]:
    calendar = Calendar(START, END)
    totals = dict.fromkeys(YEARS, 0)
    for t, teu in releases(f, seed):
        totals[YEARS[0] + calendar.years_since_start(t)] += teu
    return [totals[y] for y in YEARS]


def test_calendar_counts_years_from_the_start_dates_year():
    calendar = Calendar(dt.date(2024, 7, 1), 3 * 366 * 24.0)
    new_year = calendar.hours_since_start(dt.date(2025, 1, 1))
    assert calendar.years_since_start(0.0) == 0
    assert calendar.years_since_start(new_year - 0.01) == 0
    assert calendar.years_since_start(new_year) == 1
    assert calendar.years_since_start(new_year + 366 * 24.0) == 2


def test_scheduled_releases_grow_by_one_plus_g_each_year():
    """Evenly spaced releases: one a day in 2024, then exactly (1 + g) times as many a day
    in each later year (up to the one release a spacing may carry over a boundary)."""
    g = 0.25
    counts = [teu // 80 for teu in teu_by_year(flow(trains_per_week=7, growth_per_year=g,
                                                    arrivals="scheduled"))]
    days = [366, 365, 365, 365]
    for k, (count, n_days) in enumerate(zip(counts, days, strict=True)):
        assert abs(count - n_days * (1 + g) ** k) <= 1.0, (k, count)


@pytest.mark.parametrize("g", [0.2, -0.3])
def test_poisson_yearly_teu_grows_by_one_plus_g_within_poisson_noise(g):
    """Year k releases Poisson(lambda_k) consignments of 80 TEU, lambda_k = lambda_0 (1+g)^k.
    The ratio of consecutive years' TEU has a standard error of about
    r sqrt(1/lambda_k + 1/lambda_{k+1}) (delta method); each ratio is checked to 4 of
    them, and the total of each year against its own Poisson standard deviation."""
    weekly = 60.0
    teu = teu_by_year(flow(trains_per_week=weekly, growth_per_year=g))
    days = [366, 365, 365, 365]
    expected = [weekly / 7 * d * (1 + g) ** k for k, d in enumerate(days)]
    for k, (count, mean) in enumerate(zip((t // 80 for t in teu), expected, strict=True)):
        assert abs(count - mean) <= 4 * math.sqrt(mean), (k, count, mean)
    for k in range(len(YEARS) - 1):
        ratio = teu[k + 1] / teu[k]
        theory = expected[k + 1] / expected[k]
        se = theory * math.sqrt(1 / expected[k] + 1 / expected[k + 1])
        assert abs(ratio - theory) <= 4 * se, (k, ratio, theory)


def test_the_rate_steps_on_1_january_not_on_the_anniversary_of_the_start():
    """A run from 1 July: the second half of 2024 is at the stated rate, and 2025 from
    1 January at (1 + g) times it."""
    start = dt.date(2024, 7, 1)
    calendar = Calendar(start, 400 * 24.0)
    new_year = calendar.hours_since_start(dt.date(2025, 1, 1))
    got = releases(flow(trains_per_week=7, growth_per_year=1.0, arrivals="scheduled"),
                   start=start, end=new_year + 10 * 24.0)
    before = sum(1 for t, _ in got if t < new_year)
    after = sum(1 for t, _ in got if t >= new_year)
    assert before == 183  # one a day, 2 July to 31 December
    assert after == pytest.approx(20, abs=1)  # two a day in the first 10 days of 2025


@pytest.mark.parametrize("arrivals", ["poisson", "scheduled"])
def test_zero_growth_releases_exactly_what_no_growth_does(arrivals):
    plain = releases(flow(trains_per_week=30, arrivals=arrivals))
    zero = releases(flow(trains_per_week=30, arrivals=arrivals, growth_per_year=0.0))
    assert zero == plain
    assert len(plain) > 5000


@pytest.mark.parametrize(("g", "bound"), [(-0.51, "greater than or equal to -0.5"),
                                          (1.5, "less than or equal to 1")])
def test_growth_outside_its_bounds_is_refused(g, bound):
    with pytest.raises(ValidationError, match=bound):
        flow(trains_per_week=7, growth_per_year=g)


def test_growth_bound_covers_every_new_year_a_run_may_cross():
    f = flow(trains_per_week=7, growth_per_year=0.5)
    assert f.growth_bound(24.0) == 1.5  # one day may hold a 1 January
    assert f.growth_bound(365 * 24.0) == 1.5
    assert f.growth_bound(365 * 24.0 + 1) == 1.5 ** 2
    assert flow(trains_per_week=7, growth_per_year=-0.2).growth_bound(10 * 8760.0) == 1.0
    assert flow(trains_per_week=7).growth_bound(10 * 8760.0) == 1.0
