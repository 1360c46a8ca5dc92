"""Discounting: the present value, net present value, benefit-cost ratio and economic
internal rate of return of yearly flows.

The arithmetic of an appraisal, apart from what produces the flows (the paired runs of a
reference and a project scenario), so that it can be checked by hand. Conventions, as
the European Commission's *Guide to Cost-Benefit Analysis of Investment Projects* (2014,
§2.8-2.9) and HM Treasury's *Green Book* (2022, A6) state them:

* flows fall at the end of their year; the first year of the appraisal period is year 0
  and is not discounted, year ``t`` is discounted by ``(1 + r) ** -t``;
* the benefit-cost ratio is the present value of benefits over the present value of
  costs (capital and operating); a residual value at the end of the period is a benefit
  of its last year;
* the economic internal rate of return is the discount rate at which the net present
  value is zero; it is undefined when the net flows never change sign, and reported as
  None then (or when no rate between -99 % and 1,000 % makes it zero).
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_RATE, MAX_RATE = -0.99, 10.0
"""The rates an internal rate of return is sought between."""


def discount_factors(rate: float, years: int) -> list[float]:
    """``(1 + rate) ** -t`` for t = 0 ... years - 1."""
    if rate <= -1.0:
        raise ValueError(f"a discount rate must be above -100 %, got {rate:.2%}")
    return [(1.0 + rate) ** -t for t in range(years)]


def present_value(flows: Sequence[float], rate: float) -> float:
    """The value in year 0 of ``flows`` (one per year, year 0 first)."""
    return sum(f * d for f, d in zip(flows, discount_factors(rate, len(flows)), strict=True))


def net_present_value(benefits: Sequence[float], costs: Sequence[float],
                      rate: float) -> float:
    """Present value of benefits less present value of costs (same years)."""
    if len(benefits) != len(costs):
        raise ValueError(f"benefits cover {len(benefits)} years, costs {len(costs)}")
    return present_value([b - c for b, c in zip(benefits, costs, strict=True)], rate)


def benefit_cost_ratio(benefits: Sequence[float], costs: Sequence[float],
                       rate: float) -> float | None:
    """Present value of benefits over present value of costs; None without costs."""
    pv_costs = present_value(costs, rate)
    if pv_costs == 0.0:
        return None
    return present_value(benefits, rate) / pv_costs


def internal_rate_of_return(net_flows: Sequence[float], tolerance: float = 1e-12
                            ) -> float | None:
    """The rate at which the present value of ``net_flows`` is zero, by bisection
    between ``MIN_RATE`` and ``MAX_RATE`` (None when the flows never change sign or the
    value does not change sign between those rates). With one change of sign (costs
    first, benefits after) the root is unique."""
    if not any(f < 0 for f in net_flows) or not any(f > 0 for f in net_flows):
        return None
    low, high = MIN_RATE, MAX_RATE
    value_low = present_value(net_flows, low)
    value_high = present_value(net_flows, high)
    if value_low == 0.0:
        return low
    if value_low * value_high > 0:
        return None
    for _ in range(400):
        middle = (low + high) / 2.0
        value = present_value(net_flows, middle)
        if value == 0.0 or high - low < tolerance:
            return middle
        if (value < 0) == (value_low < 0):
            low, value_low = middle, value
        else:
            high = middle
    return (low + high) / 2.0
