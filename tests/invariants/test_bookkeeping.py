"""Invariants that hold on every run: cargo is conserved, time is fully accounted for."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridorsim as cs
from corridorsim.records import ACTIVITIES
from corridorsim.report.tables import ACTIVITY_COLUMNS

SCENARIOS = Path(__file__).parent.parent / "scenarios"


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
    utilisation = {(r["replication"], r["node"]): r["utilisation"] for r in result.nodes}
    for row in result.stages:
        assert 0.0 <= row["utilisation"] <= utilisation[(row["replication"], row["node"])]
        assert row["mean_queue"] >= 0 and row["max_queue"] >= row["mean_queue"] - 1e-9
        if row["services"]:
            assert row["mean_wait_hours"] >= 0 and row["mean_service_hours"] >= 0
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


# --- time by place -------------------------------------------------------------------------

COUNTRIES = SCENARIOS / "mini-countries.yaml"


@pytest.fixture(scope="module")
def places_result() -> cs.RunResult:
    return cs.run(cs.load_scenario(COUNTRIES), replications=2, seed=5, stops=True)


def test_the_days_by_country_add_up_to_the_transit_time(places_result):
    scenario = places_result.scenario
    place_columns = [f"days_in_{c}" for c in scenario.countries] + ["days_at_sea"]
    assert scenario.places == ("AZ", "BY", "CN", "KZ", "PL", "RU", "sea")
    delivered = [r for r in places_result.shipments if r["transit_days"] is not None]
    assert {r["corridor"] for r in delivered} == {"northern", "middle", "other"}
    for row in delivered:
        days = [row[c] for c in place_columns]
        assert min(days) >= 0, row
        assert sum(days) == pytest.approx(row["transit_days"], abs=1e-3), row
        if row["route"] == "northern_main":
            # The exit check at the east border is Chinese, the line beyond the junction
            # Russian; the west border's joint control is on the Polish side, so nothing
            # is Belarusian; a Northern train never goes to sea or to Azerbaijan.
            assert row["days_in_CN"] > 0 and row["days_in_RU"] > 0
            assert row["days_in_BY"] == row["days_at_sea"] == row["days_in_AZ"] == 0
    for row in places_result.routes:
        total = sum(row[f"mean_{c}"] for c in place_columns)
        assert total == pytest.approx(row["mean_transit_days"], abs=1e-3)


def test_countries_split_each_route_by_activity_and_add_up_to_its_mean(places_result):
    countries = places_result.countries
    routes = {(r["replication"], r["route"]): r for r in places_result.routes}
    by_route: dict[tuple[int, str], float] = {}
    for row in countries:
        activities = sum(row[f"mean_{c}"] for c in ACTIVITY_COLUMNS)
        assert activities == pytest.approx(row["mean_days"], abs=1e-3), row
        if row["scope"] == "route":
            key = (row["replication"], row["name"])
            by_route[key] = by_route.get(key, 0.0) + row["mean_days"]
            column = ("mean_days_at_sea" if row["country"] == "sea"
                      else f"mean_days_in_{row['country']}")
            assert row["mean_days"] == pytest.approx(routes[key][column], abs=1e-3)
    for key, total in by_route.items():
        assert total == pytest.approx(routes[key]["mean_transit_days"], abs=1e-3)
    # Operations land in their own activity, in the country of their node.
    junction = [r for r in countries if r["name"] == "northern_main" and r["country"] == "RU"]
    assert all(r["mean_days_locomotive_change"] > 0 for r in junction)


def test_stops_are_in_time_order_and_their_hours_add_up_to_the_dwell(places_result):
    stops = places_result.stops
    shipments = {(r["replication"], r["consignment_id"]): r for r in places_result.shipments}
    journeys: dict[tuple[int, int], list[dict]] = {}
    for row in stops:
        journeys.setdefault((row["replication"], row["consignment_id"]), []).append(row)
        hours = sum(row[f"hours_{a.name.lower()}"] for a in ACTIVITIES)
        assert hours == pytest.approx(row["dwell_hours"], abs=1e-2), row
        assert row["departed_at"] >= row["arrived_at"]
    for key, rows in journeys.items():
        shipment = shipments[key]
        assert [r["stop"] for r in rows] == list(range(len(rows)))
        assert [r["node"] for r in rows] == places_result.scenario.routes[shipment["route"]]
        for before, after in itertools.pairwise(rows):
            assert after["arrived_at"] >= before["departed_at"]
        assert rows[0]["arrived_at"] == shipment["released_at"]
        assert rows[-1]["departed_at"] == shipment["delivered_at"]


def test_segment_times_are_those_of_the_stops(places_result):
    arrivals: dict[tuple[int, int], dict[str, float]] = {}
    for r in places_result.stops:
        arrivals.setdefault((r["replication"], r["consignment_id"]), {})[r["node"]] = r
    segments = places_result.segments
    assert {(r["route"], r["segment"]) for r in segments} == {
        ("northern_main", "border_to_border"), ("middle_caspian", "east_to_port")}
    calendar_rows = {(r["replication"], r["consignment_id"]): r
                     for r in places_result.shipments}
    for seg in segments:
        first, last = seg["from_node"], seg["to_node"]
        days = [(_hours(stops[last]) - _hours(stops[first])) / 24.0
                for key, stops in arrivals.items() if key[0] == seg["replication"]
                and calendar_rows[key]["route"] == seg["route"]]
        assert seg["consignments"] == len(days) > 0
        # Stop timestamps are cut to the minute: the mean agrees to a minute.
        assert seg["mean_days"] == pytest.approx(np.mean(days), abs=1 / 1440)
        assert seg["median_days"] <= seg["p90_days"]


def _hours(stop: dict) -> float:
    return (dt.datetime.fromisoformat(stop["arrived_at"])
            - dt.datetime(2024, 1, 1)).total_seconds() / 3600.0

