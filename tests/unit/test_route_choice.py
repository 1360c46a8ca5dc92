"""What shippers remember and how they choose: ``DeliveryMemory``, ``percentile`` and the
logit of ``FlowChoice``, each against a value computed independently (numpy, the
formula by hand)."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import numpy as np
import pytest
import simpy

from corridorsim.disruptions import ClosureState
from corridorsim.route_choice import (
    MAX_VOLUME_FACTOR,
    ChoiceOption,
    DeliveryMemory,
    FlowChoice,
    percentile,
)
from corridorsim.scenario.shipper_choice import ShipperChoice

PRIOR = 300.0


# --- percentile ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 10, 101, 1000])
def test_percentile_is_numpys_linear_percentile(n):
    rng = np.random.default_rng(n)
    values = sorted(rng.lognormal(5.0, 0.8, n).tolist())
    for q in (0.0, 0.1, 0.5, 0.9, 0.95, 1.0):
        assert percentile(values, q) == pytest.approx(
            float(np.percentile(values, 100 * q, method="linear")), rel=1e-12, abs=1e-12)


def test_percentile_of_ties_and_of_one_value():
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 2.0, 2.0, 2.0, 9.0], 0.5) == 2.0
    assert percentile([0.0, 10.0], 0.9) == pytest.approx(9.0)


# --- DeliveryMemory ------------------------------------------------------------------------


def test_before_any_delivery_the_prior_and_no_spread():
    memory = DeliveryMemory(720.0, 10, PRIOR)
    assert memory.estimate(0.0) == (PRIOR, 0.0)
    assert memory.estimate(1e6) == (PRIOR, 0.0)


def test_one_delivery_replaces_the_prior():
    memory = DeliveryMemory(720.0, 10, PRIOR)
    memory.delivered(100.0, 250.0)
    assert memory.estimate(100.0) == (250.0, 0.0)


def test_deliveries_older_than_the_span_are_forgotten():
    memory = DeliveryMemory(100.0, 1, PRIOR)
    for at, transit in ((0.0, 10.0), (10.0, 20.0), (20.0, 30.0), (30.0, 40.0)):
        memory.delivered(at, transit)
    assert memory.estimate(30.0)[0] == pytest.approx(25.0)   # all four within 100 h
    assert memory.estimate(105.0)[0] == pytest.approx(30.0)  # 0 is older than 5: gone
    assert memory.estimate(125.0)[0] == pytest.approx(40.0)  # only 30 is within 100 h
    # Exactly ``span`` old is still remembered (expiry is strictly older).
    memory = DeliveryMemory(100.0, 1, PRIOR)
    memory.delivered(0.0, 10.0)
    memory.delivered(1.0, 20.0)
    assert memory.estimate(100.0)[0] == pytest.approx(15.0)
    assert memory.estimate(100.5)[0] == pytest.approx(20.0)


def test_at_least_the_last_deliveries_are_kept_whatever_their_age():
    memory = DeliveryMemory(100.0, 3, PRIOR)
    for i, transit in enumerate((10.0, 20.0, 30.0, 40.0, 50.0)):
        memory.delivered(float(i), transit)
    mean, spread = memory.estimate(1e6)
    assert mean == pytest.approx(40.0)  # the last three: 30, 40, 50
    assert spread == pytest.approx(percentile([30.0, 40.0, 50.0], 0.9) - 40.0)
    assert len(memory.ordered) == 3 and len(memory.entries) == 3
    # Never falls back to the prior once something was delivered.
    assert memory.estimate(1e9)[0] == pytest.approx(40.0)


def test_an_outside_alternatives_delivery_is_seen_when_it_happens():
    memory = DeliveryMemory(720.0, 10, PRIOR)
    memory.will_deliver(840.0, 840.0)   # released at 0, 35 days at sea
    memory.will_deliver(500.0, 400.0)   # released later, faster: delivered first
    assert memory.estimate(0.0) == (PRIOR, 0.0)
    assert memory.estimate(499.9) == (PRIOR, 0.0)
    assert memory.estimate(500.0) == (400.0, 0.0)  # due now: visible
    assert memory.estimate(839.0) == (400.0, 0.0)
    mean, spread = memory.estimate(840.0)
    assert mean == pytest.approx(620.0)
    assert spread == pytest.approx(percentile([400.0, 840.0], 0.9) - 620.0)
    assert not memory.pending


def test_pending_deliveries_expire_from_their_delivery_time():
    memory = DeliveryMemory(100.0, 1, PRIOR)
    memory.will_deliver(10.0, 5.0)
    memory.will_deliver(20.0, 7.0)
    # First looked at long after both: both become known, then the older one expires.
    assert memory.estimate(115.0)[0] == pytest.approx(7.0)


def test_a_network_delivery_between_estimates_does_not_keep_an_older_sea_one_too_long():
    memory = DeliveryMemory(100.0, 1, PRIOR)
    memory.will_deliver(50.0, 20.0)  # sea consignment, due at 50
    memory.delivered(60.0, 10.0)     # network delivery at 60; no estimate since 50
    assert memory.estimate(70.0)[0] == pytest.approx(15.0)
    # At 155 the delivery of 50 is older than 100 h and must be forgotten.
    assert memory.estimate(155.0) == pytest.approx((10.0, 0.0))


@pytest.mark.parametrize("seed", range(5))
def test_estimate_matches_numpy_on_random_deliveries(seed):
    """Random network deliveries (in time order) and sea deliveries (known early), looked
    at at random times: the mean and p90 - median are numpy's over exactly the deliveries
    that are due, within ``span`` or among the last ``at_least``."""
    rng = np.random.default_rng(seed)
    span, at_least = float(rng.uniform(50, 500)), int(rng.integers(1, 20))
    memory = DeliveryMemory(span, at_least, PRIOR)
    network = np.sort(rng.uniform(0, 5000, 400))
    transits = rng.lognormal(5.5, 0.6, 400)
    # Only pending (sea) or only network deliveries per memory, as in the model's
    # options of one corridor with routes or alternatives.
    sea = bool(seed % 2)
    log: list[tuple[float, float]] = []
    looks = np.sort(rng.uniform(0, 5500, 200))
    i = 0
    for now in looks:
        while i < len(network) and network[i] <= now:
            at, transit = float(network[i]), float(transits[i])
            if sea:
                memory.will_deliver(at, transit)
            else:
                memory.delivered(at, transit)
            log.append((at, transit))
            i += 1
        if sea:  # some sea deliveries are known before they are due
            while i < len(network) and network[i] <= now + 300 and rng.random() < 0.5:
                memory.will_deliver(float(network[i]), float(transits[i]))
                log.append((float(network[i]), float(transits[i])))
                i += 1
        due = [(at, t) for at, t in log if at <= now]
        kept = [t for k, (at, t) in enumerate(due)
                if at >= now - span or k >= len(due) - at_least]
        mean, spread = memory.estimate(float(now))
        if not kept:
            assert (mean, spread) == (PRIOR, 0.0)
            continue
        assert mean == pytest.approx(float(np.mean(kept)), rel=1e-9)
        assert spread == pytest.approx(
            float(np.percentile(kept, 90) - np.percentile(kept, 50)), rel=1e-9, abs=1e-9)


# --- the logit -----------------------------------------------------------------------------


def option(name: str, fixed: float, transit_hours: float,
           closures: list[tuple[float, list[ClosureState]]] | None = None) -> ChoiceOption:
    memory = DeliveryMemory(720.0, 10, transit_hours)
    return ChoiceOption(name, "northern", {name: 1.0}, fixed, memory, closures or [])


def flow_choice(options: list[ChoiceOption], seed: int = 1, **choice) -> FlowChoice:
    settings = {"logit_scale_per_usd": 0.001, "reliability_usd_per_teu_day": 48.0, **choice}
    return FlowChoice(options, ShipperChoice(**settings), 240.0, random.Random(seed),
                      random.Random(seed + 1), random.Random(seed + 2))


def test_costs_are_fixed_plus_time_value_times_expected_transit_plus_spread():
    a, b = option("northern_a", 1000.0, 240.0), option("northern_b", 500.0, 480.0)
    b.memory.delivered(0.0, 24.0 * 10)
    b.memory.delivered(1.0, 24.0 * 20)
    choice = flow_choice([a, b])
    spread_days = (percentile([240.0, 480.0], 0.9) - percentile([240.0, 480.0], 0.5)) / 24
    assert choice.costs(1.0) == pytest.approx([1000.0 + 240.0 * 10,
                                               500.0 + 240.0 * 15 + 48.0 * spread_days])


def test_probabilities_and_logsum_are_the_logit_formulas():
    costs = [4800.0, 5100.0, 5600.0, 6200.0]
    choice = flow_choice([option(f"northern_{i}", 0.0, 1.0) for i in range(4)])
    weights = [math.exp(-0.001 * c) for c in costs]
    assert choice.probabilities(costs) == pytest.approx([w / sum(weights) for w in weights])
    assert choice.expected_cost(costs) == pytest.approx(-math.log(sum(weights)) / 0.001)
    # The logsum is below the cheapest cost and above it minus ln(n) / scale.
    assert min(costs) - math.log(4) / 0.001 < choice.expected_cost(costs) < min(costs)
    # Far apart costs do not overflow: the cheapest takes everything.
    assert choice.probabilities([0.0, 1e7]) == pytest.approx([1.0, 0.0])


def test_each_choice_remembers_the_logsum_it_was_made_at():
    a, b = option("northern_a", 1000.0, 240.0), option("northern_b", 1300.0, 96.0)
    choice = flow_choice([a, b])
    costs = [1000.0 + 240.0 * 10, 1300.0 + 240.0 * 4]  # fixed + 240 USD a day x prior days
    weights = [math.exp(-0.001 * c) for c in costs]
    choice.choose(5.0)
    assert choice.last_expected_cost == pytest.approx(-math.log(sum(weights)) / 0.001)
    single = flow_choice([option("northern_c", 700.0, 48.0)])
    single.choose(0.0)
    assert single.last_expected_cost == pytest.approx(700.0 + 240.0 * 2)


def test_choose_draws_the_logit_shares():
    fixed = [1000.0, 1500.0, 2500.0]
    options = [option(f"northern_{i}", f, 0.0) for i, f in enumerate(fixed)]
    choice = flow_choice(options, seed=3)
    n = 40_000
    counts = {o.name: 0 for o in options}
    for _ in range(n):
        counts[choice.choose(0.0)] += 1
    p = choice.probabilities(fixed)
    for o, share in zip(options, p, strict=True):
        assert counts[o.name] / n == pytest.approx(share, abs=4 * math.sqrt(share / n))


def test_a_closure_in_progress_adds_its_elapsed_time_or_the_fixed_outlook():
    env = simpy.Environment()
    state = ClosureState(env)
    env.run(until=100.0)
    state.close()
    env.run(until=130.0)
    closed = option("northern_a", 0.0, 240.0, [(0.5, [state])])
    assert closed.closure_hours(130.0, None) == pytest.approx(0.5 * 30.0)
    assert closed.closure_hours(130.0, 72.0) == pytest.approx(0.5 * 72.0)
    elapsed = flow_choice([closed, option("northern_b", 0.0, 240.0)])
    assert elapsed.costs(130.0)[0] - elapsed.costs(130.0)[1] == pytest.approx(
        240.0 / 24 * 15.0)
    state.reopen()
    assert closed.closure_hours(130.0, None) == 0.0


def test_sends_thins_to_the_volume_factor():
    a, b = option("northern_a", 3000.0, 0.0), option("northern_b", 3500.0, 0.0)
    costs = [3000.0, 3500.0]
    choice = flow_choice([a, b])
    logsum = choice.expected_cost(costs)
    choice.response, choice.reference_cost = -1e-4, logsum - math.log(2) / 2 / 1e-4
    n = 40_000
    sent = sum(choice.sends(0.0) for _ in range(n)) / n
    factor = 2 ** -0.5
    assert sent * MAX_VOLUME_FACTOR == pytest.approx(factor, abs=4 * 2 * math.sqrt(0.25 / n))


@pytest.mark.parametrize("seed", range(4))
def test_overdue_consignments_count_at_their_age_as_numpy_says(seed):
    """Consignments still travelling and older than the remembered p90 join the remembered
    transits at their age so far: the estimate is numpy's over both."""
    rng = np.random.default_rng(seed)
    memory = DeliveryMemory(1e9, 1, PRIOR, overdue=True)
    transits = rng.lognormal(5.0, 0.4, 300)
    for i, transit in enumerate(transits):
        memory.delivered(float(i), float(transit))
    p90 = float(np.percentile(transits, 90))
    now = 1000.0
    travelling = [SimpleNamespace(released_at=now - age, delivered_at=None)
                  for age in sorted(rng.uniform(0, 2 * p90, 40), reverse=True)]
    for consignment in travelling:
        memory.sent(consignment)
    late = [now - c.released_at for c in travelling if now - c.released_at > p90]
    assert late, "the draw should leave some consignments overdue"
    known = np.concatenate([transits, late])
    mean, spread = memory.estimate(now)
    assert mean == pytest.approx(float(known.mean()))
    assert spread == pytest.approx(float(np.percentile(known, 90) - np.percentile(known, 50)))
    for consignment in travelling:  # once delivered, they are no longer counted
        consignment.delivered_at = now
    assert memory.estimate(now + 1) == pytest.approx(
        (float(transits.mean()), float(np.percentile(transits, 90) - np.median(transits))))
