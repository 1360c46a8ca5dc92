"""Dated changes on a running corridor: what changes, when, and what does not.

A timeline whose changes repeat the values in force changes nothing, byte for byte; so
does one dated after the run; a demand step releases at each period's rate; a tariff
applies to consignments released from its date; a cut capacity lengthens the waits of
the consignments that meet it, and its end shortens them again.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

import corridorsim as cs

CSV_FILES = ("shipments.csv", "nodes.csv", "routes.csv", "summary.csv", "comparison.csv",
             "stages.csv", "daily.csv", "sailings.csv")


def csv_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in CSV_FILES
            if (folder / name).exists()}


def with_changes(scenario: cs.Scenario, changes: dict) -> cs.Scenario:
    return scenario.with_overrides({"changes": changes})


def released_hours(scenario: cs.Scenario, released_at: str) -> float:
    start = dt.datetime.combine(scenario.start_date, dt.time())
    return (dt.datetime.fromisoformat(released_at) - start).total_seconds() / 3600.0


def test_changes_that_repeat_the_values_in_force_change_nothing(mini_scenario, tmp_path):
    repeat = with_changes(mini_scenario, {
        "same_berths": {"at": "2024-02-01", "until": "2024-03-01",
                        "set": {"ports.port_e.berths": 2, "legs.east-west.trains_per_day": 30,
                                "flows.china_europe.trains_per_week": 30,
                                "digitization": 0.3}},
        "same_tariff": {"at": "2024-02-10", "set": {"legs.caspian.tariff_usd_per_teu": 400}}})
    assert len(repeat.timeline) == 3
    plain = cs.run(mini_scenario, replications=2, seed=3).write(tmp_path / "plain")
    timed = cs.run(repeat, replications=2, seed=3).write(tmp_path / "timed")
    assert csv_bytes(timed) == csv_bytes(plain)


def test_a_change_dated_after_the_run_is_not_reached(mini_scenario, tmp_path):
    end = dt.date(2024, 1, 1) + dt.timedelta(days=120 + 1)
    late = with_changes(mini_scenario, {
        "later": {"at": end.isoformat(), "set": {"ports.port_e.berths": 1}}})
    assert late.timeline == ()
    plain = cs.run(mini_scenario, replications=1, seed=3).write(tmp_path / "plain")
    timed = cs.run(late, replications=1, seed=3).write(tmp_path / "timed")
    assert csv_bytes(timed) == csv_bytes(plain)


def test_a_demand_step_releases_at_each_periods_rate(mini_scenario):
    # 30 trains a week, 90 from 2024-03-01 (hour 1440) on; warm-up 10 days, horizon 120.
    step = with_changes(mini_scenario, {
        "more_trains": {"at": "2024-03-01", "set": {"flows.china_europe.trains_per_week": 90}}})
    result = cs.run(step, replications=2, seed=5)
    hours = [released_hours(step, r["released_at"]) for r in result.shipments
             if r["flow"] == "china_europe"]
    for first, last, per_week in ((240.0, 1440.0, 30.0), (1440.0, 2880.0, 90.0)):
        count = sum(first <= h < last for h in hours)
        expected = 2 * per_week * (last - first) / 168.0
        assert abs(count - expected) <= 4 * math.sqrt(expected), (first, count, expected)


def test_a_tariff_applies_to_consignments_released_from_its_date(mini_scenario):
    dearer = with_changes(mini_scenario, {
        "surcharge": {"at": "2024-03-01", "set": {"legs.caspian.tariff_usd_per_teu": 900}}})
    result = cs.run(dearer, replications=1, seed=5)
    middle = [(released_hours(dearer, r["released_at"]), r["freight_usd_per_teu"])
              for r in result.shipments if r["route"] == "middle_caspian"]
    before = {round(f, 2) for h, f in middle if h < 1440.0}
    after = {round(f, 2) for h, f in middle if h >= 1440.0}
    assert len(before) == 1 and len(after) == 1
    assert after.pop() - before.pop() == pytest.approx(500.0)


def test_a_capacity_cut_lengthens_the_waits_it_meets_and_its_end_shortens_them(
        mini_scenario):
    # The east border's gauge change at 4 trains a day instead of 12 in February.
    cut = with_changes(mini_scenario, {
        "works": {"at": "2024-02-01", "until": "2024-03-01",
                  "set": {"borders.east_border.gauge_change.trains_per_day": 4}}})
    plain = cs.run(mini_scenario, replications=2, seed=8)
    timed = cs.run(cut, replications=2, seed=8)

    def gauge_wait(result, first: float, last: float) -> float:
        waits = [r["days_border_queue"] for r in result.shipments
                 if first <= released_hours(cut, r["released_at"]) < last
                 and r["transit_days"] is not None]
        return sum(waits) / len(waits)

    february, april = (744.0, 1440.0), (2184.0, 2880.0)
    assert gauge_wait(timed, *february) > 2 * gauge_wait(plain, *february)
    assert gauge_wait(timed, *april) < 1.5 * gauge_wait(plain, *april)


def test_vessels_join_and_leave_a_fleet_at_their_dates(mini_scenario):
    # The feeder's 3 vessels become 6 from March (more sailings), or 1 (fewer).
    def sailings(vessels: int | None) -> int:
        scenario = mini_scenario if vessels is None else with_changes(mini_scenario, {
            "fleet": {"at": "2024-03-01", "set": {"vessel_services.feeder.vessels": vessels}}})
        result = cs.run(scenario, replications=1, seed=2)
        return sum(row["sailings"] for row in result.tables["services"])

    plain = sailings(None)
    assert sailings(6) > 1.15 * plain  # ships leave when full or after 2 days: cargo bounds it
    assert sailings(1) < 0.8 * plain
