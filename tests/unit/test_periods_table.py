"""``periods.csv`` from its pieces: calendar periods cut to the observation window, and
the estimates across replications checked against a hand computation."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest

from corridorsim.cli import PERIODS as CLI_PERIODS
from corridorsim.errors import RunError
from corridorsim.report.periods import (
    KEY_COLUMNS,
    PERIOD_COLUMNS,
    PERIODS,
    check_period,
    period_spans,
    period_summary,
)
from corridorsim.sim.calendar import Calendar
from corridorsim.stats import estimate

CALENDAR = Calendar(dt.date(2024, 1, 1), 800 * 24.0)
DAY = 24.0


def hours(date: dt.date) -> float:
    return CALENDAR.hours_since_start(date)


def test_years_quarters_and_months_are_cut_to_the_window():
    warmup, horizon = 30 * DAY, hours(dt.date(2025, 5, 15))
    years = period_spans(CALENDAR, warmup, horizon, "year")
    assert [(s.label, s.start, s.end) for s in years] == [
        ("2024-A1", warmup, hours(dt.date(2025, 1, 1))),
        ("2025-A1", hours(dt.date(2025, 1, 1)), horizon)]
    quarters = period_spans(CALENDAR, warmup, horizon, "quarter")
    assert [s.label for s in quarters] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4",
                                           "2025-Q1", "2025-Q2"]
    assert quarters[1].start == hours(dt.date(2024, 4, 1))
    assert quarters[0].start == warmup and quarters[-1].end == horizon
    months = period_spans(CALENDAR, warmup, horizon, "month")
    assert [s.label for s in months][:2] == ["2024-01", "2024-02"]
    assert months[0].end - months[0].start == DAY  # 31 January only
    assert len(months) == 17
    # The periods tile the window.
    for spans in (years, quarters, months):
        assert all(a.end == b.start for a, b in itertools.pairwise(spans))


def test_a_window_inside_one_month_is_one_period_of_each_length():
    for period in PERIODS:
        spans = period_spans(CALENDAR, 3 * DAY, 20 * DAY, period)
        assert [(s.start, s.end) for s in spans] == [(3 * DAY, 20 * DAY)]


def test_an_unknown_period_is_one_line_naming_what_is_expected():
    with pytest.raises(RunError, match=r"^period: expected one of month, quarter, year, "
                                       r"got 'week'$"):
        check_period("week")
    assert check_period("quarter") == "quarter"
    assert CLI_PERIODS == PERIODS  # the command line's copy (no numpy at start-up)


def row(replication: int, **kpis: object) -> dict[str, object]:
    keys = {"scope": "route", "name": "northern_x", "corridor": "northern", "kind": None,
            "period": "2024-A1", "year": 2024, "starts_at": "2024-01-31T00:00",
            "ends_at": "2025-01-01T00:00", "days": 336.0}
    return {"replication": replication, **keys, **kpis}


def test_the_interval_is_student_t_across_replications():
    """Three replications with median 10, 12, 17 days: mean 13, sample std
    sqrt(((-3)^2 + (-1)^2 + 4^2) / 2) = sqrt(13), half-width t(0.975, 2) sqrt(13) / sqrt(3)
    with t(0.975, 2) = 4.302653 (tables)."""
    rows = [row(0, median_transit_days=10.0, median_at_least="no", consignments_released=3),
            row(1, median_transit_days=12.0, median_at_least="yes", consignments_released=5),
            row(2, median_transit_days=17.0, median_at_least="no", consignments_released=4)]
    [out] = period_summary(rows)
    assert out["median_transit_days_mean"] == 13.0
    assert out["median_transit_days_halfwidth"] == pytest.approx(
        round(4.302653 * math.sqrt(13) / math.sqrt(3), 4), abs=1e-4)
    assert out["median_at_least"] == "yes"  # a lower bound in one replication
    assert out["consignments_released_mean"] == 4.0
    assert out["consignments_released_halfwidth"] == pytest.approx(
        round(4.302653 * 1.0 / math.sqrt(3), 4), abs=1e-4)
    assert out["replications"] == 3
    assert {c: out[c] for c in KEY_COLUMNS} == {c: rows[0][c] for c in KEY_COLUMNS}
    assert set(out) == set(PERIOD_COLUMNS)


def test_a_kpi_undefined_in_a_replication_is_estimated_over_the_others():
    rows = [row(0, mean_transit_days=None, consignments_released=0),
            row(1, mean_transit_days=20.0, consignments_released=2)]
    [out] = period_summary(rows)
    assert out["mean_transit_days_mean"] == 20.0
    assert out["mean_transit_days_halfwidth"] is None  # one replication defines it
    assert out["consignments_released_mean"] == 1.0
    assert out["p90_at_least"] is None


def test_the_running_figures_match_the_two_pass_estimate_on_hard_numbers():
    """TEU near 10^6 varying in the last units (where one-pass sums of squares lose
    digits): Welford's running figures give ``stats.estimate``'s interval."""
    values = [1_000_003.0, 1_000_001.0, 1_000_007.0, 999_998.0, 1_000_000.5]
    rows = [row(r, teu_released=v) for r, v in enumerate(values)]
    [out] = period_summary(rows)
    e = estimate(values)
    assert out["teu_released_mean"] == round(e.mean, 4)
    assert out["teu_released_halfwidth"] == round(e.half_width, 4)
    assert out["replications"] == 5
