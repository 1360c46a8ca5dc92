"""Percentiles that see the consignments still travelling: counted at the days they have
travelled so far, and flagged "at least" when such a bound enters the percentile."""

from __future__ import annotations

import numpy as np

from corridorsim.report.tables import censored_percentiles


def test_without_anything_still_travelling_the_percentiles_are_the_delivered_ones():
    days = np.array([10.0, 12.0, 14.0, 16.0, 18.0])
    out = censored_percentiles(days, np.array([]))
    assert out["median_transit_days"] == 14.0 and out["median_at_least"] == "no"
    assert out["p90_transit_days"] == float(np.percentile(days, 90))
    assert out["p90_at_least"] == out["p95_at_least"] == "no"


def test_a_saturated_route_no_longer_reports_the_transit_of_the_lucky_ones():
    # Four delivered in 10-13 days, six still travelling after 40+ days: the median of the
    # delivered (11.5 d) is not the route's; counting the six at their 40-45 days so far,
    # the median is 40.5 d at least.
    days = np.array([10.0, 11.0, 12.0, 13.0])
    travelling = np.array([40.0, 41.0, 42.0, 43.0, 44.0, 45.0])
    out = censored_percentiles(days, travelling)
    assert out["median_transit_days"] == 40.5 and out["median_at_least"] == "yes"
    assert out["p90_transit_days"] == float(np.percentile(np.r_[days, travelling], 90))
    assert out["p90_at_least"] == "yes"


def test_a_few_travelling_long_after_the_median_leave_the_median_exact():
    # One of eleven still travelling after 60 days: above the median's order statistics,
    # so the median (the 6th value) is exact; the p95 lies among the censored.
    days = np.arange(10.0, 20.0)
    out = censored_percentiles(days, np.array([60.0]))
    assert out["median_transit_days"] == 15.0 and out["median_at_least"] == "no"
    assert out["p95_at_least"] == "yes"
