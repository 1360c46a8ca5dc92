"""Invariants that hold on every run: cargo is conserved, time is fully accounted for."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridorsim as cs
from corridorsim.report.tables import ACTIVITY_COLUMNS


def check_invariants(result: cs.RunResult) -> None:
    for outcome in result.outcomes:
        assert outcome.released_teu == outcome.delivered_teu + outcome.in_system_teu
        assert outcome.in_system_teu >= 0
    for row in result.shipments:
        if row["transit_days"] is None:
            assert row["delivered_at"] is None
            assert all(row[c] is None for c in ACTIVITY_COLUMNS)
            continue
        assert row["transit_days"] >= 0
        assert row["delivered_at"] >= row["released_at"]
        parts = [row[c] for c in ACTIVITY_COLUMNS]
        assert min(parts) >= 0, row
        # Each column is rounded to 4 decimals, so allow the rounding of 11 columns.
        assert sum(parts) == pytest.approx(row["transit_days"], abs=1e-3), row
    for row in result.nodes:
        assert 0.0 <= row["utilisation"] <= 1.0 + 1e-9, row
        assert row["mean_queue"] >= 0 and row["max_queue"] >= row["mean_queue"] - 1e-9
        assert row["hours_closed"] >= 0
    for row in result.routes:
        assert row["consignments_delivered"] <= row["consignments_released"]
        # Backlog counts warm-up releases too, so it is at least the post-warm-up shortfall.
        assert row["backlog_consignments"] >= (row["consignments_released"]
                                               - row["consignments_delivered"])


def test_invariants_hold_on_the_mini_corridor(mini_result):
    check_invariants(mini_result)
    assert len(mini_result.shipments) > 500


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    digitization=st.floats(0, 1),
    vessels=st.integers(1, 4),
    capacity=st.sampled_from([40, 90, 250]),
    yard=st.sampled_from([120, 400, 5000]),
    train_teu=st.sampled_from([40, 80, 120]),
    policy=st.sampled_from(["when_full_or_after", "timetable"]),
    trains_per_week=st.floats(5, 60),
)
def test_invariants_hold_across_random_configurations(mini_scenario, digitization, vessels,
                                                      capacity, yard, train_teu, policy,
                                                      trains_per_week):
    departure = ({"policy": policy, "max_wait": "1d"} if policy == "when_full_or_after"
                 else {"policy": policy, "headway": "30h"})
    variant = mini_scenario.with_overrides({
        "horizon": "60d", "digitization": digitization,
        "vessel_services.feeder.vessels": vessels,
        "vessel_services.feeder.capacity_teu": capacity,
        "vessel_services.feeder.departure": departure,
        "ports.port_e.yard_capacity_teu": yard,
        "ports.port_w.train_formation.train_teu": train_teu,
        "flows.china_europe.trains_per_week": trains_per_week,
    })
    check_invariants(cs.run(variant, replications=1, seed=3))


def test_consignments_larger_than_a_vessel_are_split_and_delivered_whole(mini_scenario):
    variant = mini_scenario.with_overrides({"vessel_services.feeder.capacity_teu": 30,
                                            "vessel_services.feeder.vessels": 6,
                                            "flows.china_europe.routes": {"middle_caspian": 1.0},
                                            "flows.china_europe.trains_per_week": 5})
    result = cs.run(variant, replications=1, seed=1)
    check_invariants(result)
    delivered = [r for r in result.shipments if r["transit_days"] is not None]
    assert delivered, "some consignments must get through"
    assert all(r["teu"] >= 80 for r in delivered)  # each bigger than one vessel


def test_an_overloaded_scenario_runs_to_the_horizon_and_reports_its_backlog(mini_scenario):
    variant = mini_scenario.with_overrides({
        "borders.west_border.gauge_change.trains_per_day": 1,
        "flows.china_europe.routes": {"northern_main": 1.0}})
    result = cs.run(variant, replications=1, seed=1)
    check_invariants(result)
    (row,) = [r for r in result.routes if r["route"] == "northern_main"]
    # ~30 trains a week against 7 a week of capacity: most of them are still queued.
    assert row["backlog_consignments"] > 300
    assert row["consignments_delivered"] < 150
    # Trains stuck past their 20-day promise count as late, not as missing.
    assert row["share_within_promise"] < 0.3
