"""Discounting by hand: textbook present values, NPV, benefit-cost ratio and IRR."""

from __future__ import annotations

import pytest

from corridorsim.economics import (
    benefit_cost_ratio,
    discount_factors,
    internal_rate_of_return,
    net_present_value,
    present_value,
)

# A textbook project: 1,000 spent in year 0, 300 a year of benefits in years 1-5, at 10 %.
COSTS = [1000.0, 0.0, 0.0, 0.0, 0.0, 0.0]
BENEFITS = [0.0, 300.0, 300.0, 300.0, 300.0, 300.0]
ANNUITY_5_AT_10 = (1 - 1.1 ** -5) / 0.1  # 3.790787, the present value of 1 a year


def test_year_zero_is_not_discounted_and_year_t_by_one_plus_r_to_the_minus_t():
    assert discount_factors(0.1, 3) == pytest.approx([1.0, 1 / 1.1, 1 / 1.21])
    assert present_value([100.0, 110.0, 121.0], 0.1) == pytest.approx(300.0)


def test_the_textbook_project_to_the_cent():
    npv = net_present_value(BENEFITS, COSTS, 0.1)
    assert round(npv, 2) == round(300 * ANNUITY_5_AT_10 - 1000, 2) == 137.24
    assert benefit_cost_ratio(BENEFITS, COSTS, 0.1) == pytest.approx(1.137236, abs=1e-6)
    # The IRR of -1000, 300 x 5 is 15.2382 % (the rate at which the annuity factor is 3.3333).
    irr = internal_rate_of_return([b - c for b, c in zip(BENEFITS, COSTS, strict=True)])
    assert irr == pytest.approx(0.152382, abs=1e-6)
    assert net_present_value(BENEFITS, COSTS, irr) == pytest.approx(0.0, abs=1e-6)


def test_no_benefit_is_minus_the_discounted_cost():
    costs = [500.0, 100.0, 100.0]
    zero = [0.0, 0.0, 0.0]
    assert net_present_value(zero, costs, 0.06) == pytest.approx(-(500 + 100 / 1.06
                                                                   + 100 / 1.06**2))
    assert benefit_cost_ratio(zero, costs, 0.06) == 0.0
    assert internal_rate_of_return([-c for c in costs]) is None  # never changes sign


def test_no_cost_has_no_ratio_and_a_bad_rate_is_refused():
    assert benefit_cost_ratio([1.0, 1.0], [0.0, 0.0], 0.05) is None
    with pytest.raises(ValueError, match="above -100 %"):
        present_value([1.0], -1.0)
    with pytest.raises(ValueError, match="benefits cover 2 years, costs 3"):
        net_present_value([1.0, 2.0], [1.0, 2.0, 3.0], 0.05)
