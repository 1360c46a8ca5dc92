"""Random vessel breakdowns (``breakdowns`` under a vessel service), without a model: the
sailings a deterministic fleet loses, worked out by hand, and the share of vessel-time
out of service against the availability of an alternating renewal process."""

from __future__ import annotations

import math

import pytest

from corridorsim.sim.streams import RandomStreams
from tests.unit.test_vessel_fleets import Sea, service

TIMETABLE = {"policy": "timetable", "headway": "24h"}


def test_a_fixed_breakdown_costs_the_sailings_worked_out_by_hand():
    # One vessel, 20 h sailings, a slot every 24 h from each port; no cargo, so handling
    # takes no time. Without breakdowns it sails at 0 (baku), 24 (aktau), 48, ..., 216:
    # 10 sailings in [0, 240).
    plain = Sea({"caspian": service(departure=TIMETABLE)}, end=240.0)
    plain.run()
    assert plain.sailings("caspian")[0] + plain.sailings("caspian", "aktau")[0] == 10
    # It fails after 50 h in service and is repaired in 30 h. The failure at 50 comes at
    # sea (it left baku at 48): it arrives at aktau at 68 and is repaired there, 68-98. Back
    # at 98 it takes aktau's next slot, 120 (slot 5), sails to baku (140), leaves at 144;
    # its clock (drawn at 98) runs out at 148, at sea: aktau at 164, repaired 164-194, next
    # aktau slot 216, baku at 236, next slot 240 is outside. Sailings: 0, 24, 48, 120, 144,
    # 216: 6, so 4 lost.
    broken = Sea({"caspian": service(departure=TIMETABLE, breakdowns=[
        {"time_between_failures": "50h", "repair_time": "30h"}])}, end=240.0)
    broken.run()
    westbound, eastbound = broken.sailings("caspian")[0], broken.sailings("caspian", "aktau")[0]
    assert (westbound, eastbound) == (3, 3)
    breakdowns = broken.services["caspian"].breakdowns[None]
    assert (breakdowns.count, breakdowns.repair_hours) == (2, 60.0)


def test_a_vessel_waiting_for_cargo_fails_at_once_and_its_clock_runs_in_service_time():
    # Two vessels wait for a full load that never comes. Each fails at 50 h, leaves its
    # berth, is repaired until 80, waits again, fails at 130 (50 h of service later), ...
    sea = Sea({"caspian": service(vessels=2, breakdowns=[
        {"time_between_failures": "50h", "repair_time": "30h"}])}, end=300.0)
    sea.run()
    # Failures at 50, 130, 210, 290 for each vessel.
    assert sea.services["caspian"].breakdowns[None].count == 8
    assert sea.sailings("caspian") == (0, 0, 0)


def test_drydock_stops_the_failure_clock():
    # One vessel waiting for cargo, in drydock from hour 24 to 48 (2025-01-02 to 01-03):
    # 24 h of service before, so it fails at 48 + 26 = 74, not at 50.
    sea = Sea({"caspian": service(breakdowns=[{"time_between_failures": "50h",
                                               "repair_time": "10h"}],
                                  drydock=[{"vessels": 1, "start": "2025-01-02",
                                            "end": "2025-01-03"}])}, end=80.0)
    fails = []
    sea.at(73.9, lambda: fails.append(sea.services["caspian"].breakdowns[None].count))
    sea.at(74.1, lambda: fails.append(sea.services["caspian"].breakdowns[None].count))
    sea.run()
    assert fails == [0, 1]


def test_breakdowns_of_a_class_cover_only_its_vessels():
    fleet = [{"name": "old", "vessels": 1, "capacity_teu": 100},
             {"name": "new", "vessels": 1, "capacity_teu": 100}]
    sea = Sea({"caspian": service(fleet=fleet, breakdowns=[
        {"class": "old", "time_between_failures": "10h", "repair_time": "5h"}])}, end=100.0)
    sea.run()
    breakdowns = sea.services["caspian"].breakdowns
    assert set(breakdowns) == {"old"}
    assert set(breakdowns["old"].clocks) == {0}  # vessel 0 is the old one
    assert "caspian.old.breakdowns.failures" in sea.streams.names


def test_breakdowns_draw_from_their_own_streams_and_shift_no_other_draw():
    def sailed(breakdowns: list[dict[str, str]]) -> tuple[list[tuple[float, int, int]],
                                                          tuple[str, ...]]:
        sea = Sea({"caspian": service(sailing_time={"dist": "exponential", "mean": "20h"},
                                      breakdowns=breakdowns)}, end=1000.0)
        sea.release("baku", 100)
        sea.run()
        return sea.log, sea.streams.names

    log, names = sailed([])
    assert "caspian.sailing" in names
    assert not [n for n in names if "breakdowns" in n]
    # A failure long after the only voyage: the same sailing draws, the same delivery.
    late, late_names = sailed([{"time_between_failures": "900h", "repair_time": "1h"}])
    assert late == log
    assert set(late_names) == set(names) | {"caspian.breakdowns.failures",
                                            "caspian.breakdowns.repair"}
    assert RandomStreams(1, 0).get("caspian.sailing").random() != RandomStreams(
        1, 0).get("caspian.breakdowns.failures").random()


def test_a_dated_change_of_breakdowns_is_refused():
    sea = Sea({"caspian": service()})
    with pytest.raises(ValueError, match="the breakdowns cannot change during a run"):
        sea.services["caspian"].update(service(breakdowns=[
            {"time_between_failures": "10d", "repair_time": "1d"}]))


def test_the_share_of_vessel_time_under_repair_is_the_availability():
    # Vessels waiting for cargo that never comes fail the moment their clock runs out, so
    # each alternates up times (mean f) and repairs (mean r): an alternating renewal
    # process, down a share r / (f + r) of the time. Its time average over T hours has
    # variance 2 f^2 r^2 / ((f + r)^3 T) per vessel for exponential up and down times
    # (sigma^2 = (r^2 var_f + f^2 var_r) / (f + r)^3); n vessels are independent.
    f, r, n, end = 100.0, 25.0, 4, 200_000.0
    sea = Sea({"caspian": service(vessels=n, breakdowns=[
        {"time_between_failures": {"dist": "exponential", "mean": f"{f:g}h"},
         "repair_time": {"dist": "exponential", "mean": f"{r:g}h"}}])}, end=end)
    sea.run()
    breakdowns = sea.services["caspian"].breakdowns[None]
    # Repairs under way at the end count in full: at most one per vessel, about r each.
    share = breakdowns.repair_hours / (n * end)
    expected = r / (f + r)
    sd = math.sqrt(2 * f**2 * r**2 / ((f + r) ** 3 * end) / n)
    assert abs(share - expected) < 4 * sd + 10 * r / end
    # Failures: a renewal count, about n T / (f + r) with relative variance
    # (var_f + var_r) / ((f + r) n T).
    cycles = n * end / (f + r)
    assert breakdowns.count == pytest.approx(
        cycles, rel=4 * math.sqrt((f**2 + r**2) / ((f + r) * n * end)))
