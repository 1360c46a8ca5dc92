"""Fleets as they are, without a model: classes of vessels, sea legs served by several
services from one cargo queue, drydock windows, and dated changes of a running fleet
(``VesselServiceOperator.update``). Every expected time is worked out by hand in the
comments: ports handle 10 TEU/h at a berth unless a test says otherwise."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import simpy

from corridorsim.consignment import Consignment, ConsignmentPart
from corridorsim.facilities.base import FacilitySetting
from corridorsim.facilities.port import PortFacility
from corridorsim.records import Activity, ObservationWindow
from corridorsim.scenario.sections import (
    Port,
    VesselService,
)
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.scheduled_call import ScheduledCall
from corridorsim.sim.streams import RandomStreams
from corridorsim.transport.vessels import CargoQueue, VesselServiceOperator
from tests.unit.test_vessel_service import REGIMES

START = dt.date(2025, 1, 1)
WHEN_FULL = {"policy": "when_full"}


def service(**fields: Any) -> VesselService:
    """A service between baku and aktau: one vessel of 100 TEU sailing 20 h unless given."""
    config: dict[str, Any] = {"ports": ["baku", "aktau"], "departure": WHEN_FULL,
                              "sailing_time": "20h"}
    if "fleet" not in fields:
        config |= {"vessels": 1, "capacity_teu": 100}
    return VesselService(**(config | fields))


class Sea:
    """Ports baku and aktau and vessel services between them, all drawing from one cargo
    queue per direction (as the services of one sea leg do)."""

    def __init__(self, services: dict[str, VesselService], end: float = 100.0,
                 berths: int = 4, rate: float = 10.0):
        env = self.env = simpy.Environment()
        self.end = end
        self.streams = RandomStreams(1, 0)
        window = ObservationWindow(0.0, end)
        self.ports = {name: PortFacility(FacilitySetting(env, window, self.streams, REGIMES, 0.0),
                                         name, Port(berths=berths, handling_teu_per_hour=rate))
                      for name in ("baku", "aktau")}
        self.queues = {name: CargoQueue(env) for name in self.ports}
        calendar = Calendar(START, end)
        self.services = {name: VesselServiceOperator(env, name, config, self.ports, {},
                                                     self.streams, window,
                                                     queues=self.queues, calendar=calendar)
                         for name, config in services.items()}
        self.log: list[tuple[float, int, int]] = []
        for here, there in (("baku", "aktau"), ("aktau", "baku")):
            self.ports[here].connect({there: self.queues[here]}, self._deliver,
                                     lambda train: None)
        self.consignments: list[Consignment] = []

    def _deliver(self, parts) -> None:
        for part in parts:
            consignment = part.consignment
            consignment.teu_outstanding -= part.teu
            self.log.append((self.env.now, consignment.id, part.teu))
            if consignment.teu_outstanding == 0:
                consignment.delivered_at = self.env.now
                consignment.activity_hours = part.hours

    def release(self, at: str, teu: int, when: float = 0.0) -> Consignment:
        """Cargo for the other port, put into ``at``'s yard at ``when``."""
        to = "aktau" if at == "baku" else "baku"
        consignment = Consignment(len(self.consignments), "f", "r", (at, to), teu, when,
                                  False, 0.0, 0.0)
        self.consignments.append(consignment)

        def put() -> None:
            self.ports[at].release_to_sea([ConsignmentPart.whole(consignment)],
                                          self.queues[at])

        if when == 0.0:
            put()
        else:
            ScheduledCall(self.env, when, lambda _e: put())
        return consignment

    def at(self, when: float, action) -> None:
        ScheduledCall(self.env, when, lambda _e: action())

    def run(self) -> None:
        for operator in self.services.values():
            operator.start()
        self.env.run(until=self.end)

    def sailings(self, name: str, port: str = "baku") -> tuple[int, int, int]:
        """Sailings, TEU and capacity TEU of service ``name`` from ``port``."""
        (record,) = [r for r in self.services[name].records(0) if r.from_port == port]
        return record.sailings, record.teu, record.capacity_teu


def hours(consignment: Consignment, activity: Activity) -> float:
    assert consignment.activity_hours is not None
    return consignment.activity_hours[activity]


# --- classes ---------------------------------------------------------------------------------


def test_vessels_are_numbered_class_by_class_alternating_ports_each_with_its_capacity():
    fleet = [{"name": "small", "vessels": 1, "capacity_teu": 50},
             {"name": "big", "vessels": 2, "capacity_teu": 100}]
    sea = Sea({"caspian": service(fleet=fleet)}, berths=3)
    cargo = sea.release("baku", 150)
    sea.run()
    # Vessel 0 (small) and vessel 2 (big) start at baku, vessel 1 (big) at aktau. Small
    # takes 50 TEU (split off), loads 0-5, sails 5-25, unloads 25-30; big takes the other
    # 100, loads 0-10, sails 10-30, unloads 30-40.
    assert sea.log == [(30.0, 0, 50), (40.0, 0, 100)]
    assert cargo.delivered_at == 40.0
    assert sea.sailings("caspian") == (2, 150, 150)
    assert sea.sailings("caspian", "aktau") == (0, 0, 0)  # vessel 1 waits for a full load
    assert [v.fleet_class.name for v in sea.services["caspian"].fleet] == ["small", "big",
                                                                             "big"]


def test_a_class_with_its_own_sailing_time_sails_it_and_draws_from_its_own_stream():
    fleet = [{"name": "slow", "vessels": 1, "capacity_teu": 100},
             {"name": "fast", "vessels": 1, "capacity_teu": 100, "sailing_time": "10h"}]
    sea = Sea({"caspian": service(fleet=fleet)})
    westbound = sea.release("baku", 100)
    eastbound = sea.release("aktau", 100)
    sea.run()
    # slow (vessel 0, baku): loads 0-10, sails 20 h 10-30, unloads 30-40 at aktau.
    # fast (vessel 1, aktau): loads 0-10, sails 10 h 10-20, unloads 20-30 at baku.
    assert (westbound.delivered_at, eastbound.delivered_at) == (40.0, 30.0)
    assert {"caspian.sailing", "caspian.fast.sailing"} <= set(sea.streams.names)


# --- one sea leg, several services -----------------------------------------------------------


def test_two_timetables_on_one_leg_share_its_cargo_by_who_sails_first():
    # Service a leaves each port every 24 h from 0, service b every 36 h from 6 (two
    # vessels each, one starting at each port, so every slot is sailed: sailing 1 h and
    # loading at 100 TEU/h bring a vessel back well before its next slot). One TEU
    # arrives at baku every hour at k + 0.5 h. Each departure takes all that has arrived
    # since the previous departure of either service:
    #   a at 0: 0, b at 6: 6, a at 24: 18, b at 42: 18, a at 48: 6, a at 72: 24,
    #   b at 78: 6, a at 96: 18, b at 114: 18, a at 120: 6, a at 144: 24.
    # a: 7 sailings, 96 TEU; b: 4 sailings, 48 TEU (2/3 and 1/3 of the 144 TEU).
    a = service(vessels=2, sailing_time="1h",
                departure={"policy": "timetable", "headway": "24h"})
    b = service(vessels=2, sailing_time="1h",
                departure={"policy": "timetable", "headway": "36h", "first_departure": "6h"})
    sea = Sea({"a": a, "b": b}, end=150.0, rate=100.0)
    for k in range(144):
        sea.release("baku", 1, when=k + 0.5)
    sea.run()
    assert sea.sailings("a") == (7, 96, 700)
    assert sea.sailings("b") == (4, 48, 400)
    assert sum(teu for _, _, teu in sea.log) == 144  # all delivered
    # The TEU released at 24.5 waits for b's 42 h departure, not a's at 48.
    assert hours(sea.consignments[24], Activity.VESSEL_WAIT) == 42.0 - 24.5


def test_the_first_vessel_ready_to_leave_takes_the_cargo_not_the_first_to_wait():
    # Both vessels wait at baku from 0. 40 TEU at 1 fill the small one (the big one,
    # waiting first, is not full): loading 1-5, sailing 5-25, unloading 25-29. 100 TEU at
    # 2 fill the big one: loading 2-12, sailing 12-32, unloading 32-42.
    sea = Sea({"big": service(capacity_teu=100), "small": service(capacity_teu=40)})
    sea.release("baku", 40, when=1.0)
    sea.release("baku", 100, when=2.0)
    sea.run()
    assert sea.log == [(29.0, 0, 40), (42.0, 1, 100)]
    assert sea.sailings("big") == (1, 100, 100)
    assert sea.sailings("small") == (1, 40, 40)


# --- drydock ---------------------------------------------------------------------------------


def shuttle(**fields: Any) -> VesselService:
    """Two empty vessels shuttling: 1 h at berth waiting for cargo, 11 h at sea, so each
    leaves a port at 1 + 12 k h (vessel 0 from baku first, vessel 1 from aktau)."""
    return service(**({"vessels": 2, "sailing_time": "11h",
                       "departure": {"policy": "when_full_or_after", "max_wait": "1h"}}
                      | fields))


def total_sailings(sea: Sea, name: str = "caspian") -> tuple[int, int]:
    records = sea.services[name].records(0)
    return sum(r.sailings for r in records), sum(r.capacity_teu for r in records)


def test_a_drydock_window_takes_out_the_sailings_worked_out_by_hand():
    # Without it: each vessel sails at 1, 13, ..., 229 in 240 h: 20 sailings, 40 in all.
    # From 54 h (2025-01-03 06:00) one vessel is wanted; both are at sea and arrive at 60,
    # the first to finish unloading (nothing) goes out. Back at 126 h (2025-01-06 06:00),
    # it waits 1 h and sails at 127, ..., 235: 10 sailings after 5 before the window, 15
    # instead of 20 (the 6 at 61..121 are lost, and its phase moves so that it sails once
    # more before the end).
    plain = Sea({"caspian": shuttle()}, end=240.0)
    plain.run()
    assert total_sailings(plain) == (40, 4000)
    window = {"vessels": 1, "start": "2025-01-03T06:00", "end": "2025-01-06T06:00"}
    docked = Sea({"caspian": shuttle(drydock=[window])}, end=240.0)
    docked.run()
    assert total_sailings(docked) == (35, 3500)
    assert not docked.services["caspian"].withdrawals  # taken up, nothing pending


def test_a_drydock_window_of_a_class_takes_out_only_vessels_of_that_class():
    # As above, with vessel 0 small (50 TEU) and vessel 1 big (100 TEU): only the big one
    # goes out, so it sails 15 times and the small one 20: 50 x 20 + 100 x 15 = 2,500 TEU.
    fleet = [{"name": "small", "vessels": 1, "capacity_teu": 50},
             {"name": "big", "vessels": 1, "capacity_teu": 100}]
    window = {"class": "big", "start": "2025-01-03T06:00", "end": "2025-01-06T06:00"}
    sea = Sea({"caspian": shuttle(vessels=None, capacity_teu=None, fleet=fleet,
                                  drydock=[window])}, end=240.0)
    sea.run()
    assert total_sailings(sea) == (35, 2500)


def test_a_vessel_waiting_for_cargo_goes_into_drydock_at_once_and_comes_back_there():
    # The vessel waits at baku for a full load; drydock 10-20 h. The cargo that arrives at
    # 12 waits for it: it is back at 20, loads 20-30, sails 30-50, unloads 50-60.
    window = {"vessels": 1, "start": "2025-01-01T10:00", "end": "2025-01-01T20:00"}
    sea = Sea({"caspian": service(drydock=[window])})
    cargo = sea.release("baku", 100, when=12.0)
    sea.run()
    assert cargo.delivered_at == 60.0
    assert hours(cargo, Activity.VESSEL_WAIT) == 20.0 - 12.0
    record = sea.ports["baku"].record(0, sea.end)
    assert record.vessel_calls == 2  # 0-10 (withdrawn), 20-30 (loaded and sailed)


def test_a_vessel_at_sea_finishes_its_voyage_before_it_goes_into_drydock():
    # Loading 0-10, sailing 10-30, unloading 30-40 at aktau although the window starts at
    # 15; out at aktau until 100. Cargo there from 41 leaves at 100: loading 100-110,
    # sailing 110-130, unloading 130-140 at baku.
    window = {"vessels": 1, "start": "2025-01-01T15:00", "end": "2025-01-05T04:00"}
    sea = Sea({"caspian": service(drydock=[window])}, end=150.0)
    westbound = sea.release("baku", 100)
    eastbound = sea.release("aktau", 100, when=41.0)
    sea.run()
    assert (westbound.delivered_at, eastbound.delivered_at) == (40.0, 140.0)
    assert hours(westbound, Activity.CLOSURE_HOLD) == 0.0


def test_a_drydock_window_that_finds_no_vessel_free_lapses_at_its_end():
    # The only vessel sails 10-30 (loaded at 0-10); a window 12-25 h finds it at sea
    # throughout and lapses: the vessel stays in service.
    window = {"vessels": 1, "start": "2025-01-01T12:00", "end": "2025-01-02T01:00"}
    sea = Sea({"caspian": service(drydock=[window])})
    sea.release("baku", 100)
    eastbound = sea.release("aktau", 100, when=20.0)
    sea.run()
    # At aktau: unloading 30-40, loading 40-50, sailing 50-70, unloading 70-80.
    assert eastbound.delivered_at == 80.0
    assert not sea.services["caspian"].withdrawals


# --- dated changes ---------------------------------------------------------------------------


def test_a_vessel_joining_by_update_starts_at_the_port_its_number_gives():
    # Vessel 0 waits at baku for a full load. At 5 a second vessel joins: vessel 1, at
    # aktau, where 100 TEU wait: loading 5-15, sailing 15-35, unloading 35-45 at baku.
    sea = Sea({"caspian": service()})
    cargo = sea.release("aktau", 100)
    operator = sea.services["caspian"]
    sea.at(5.0, lambda: operator.update(service(vessels=2)))
    sea.run()
    assert cargo.delivered_at == 45.0
    assert hours(cargo, Activity.VESSEL_WAIT) == 5.0
    assert [v.number for v in operator.fleet] == [0, 1]


def test_a_vessel_leaving_by_update_finishes_its_voyage_and_the_first_free_one_retires():
    # Vessel 1 takes 100 TEU at aktau (loading 0-10, sailing 10-30, unloading 30-40 at
    # baku), vessel 0 100 TEU at baku from 2 (loading 2-12, sailing 12-32, unloading 32-42
    # at aktau). At 20 the fleet shrinks to one: both are at sea; vessel 1 finishes
    # unloading first and retires at 40. Vessel 0 stays: cargo at aktau from 50 leaves at
    # once (loading 50-60, sailing 60-80, unloading 80-90).
    sea = Sea({"caspian": service(vessels=2)})
    eastbound = sea.release("aktau", 100)
    westbound = sea.release("baku", 100, when=2.0)
    later = sea.release("aktau", 100, when=50.0)
    operator = sea.services["caspian"]
    sea.at(20.0, lambda: operator.update(service(vessels=1)))
    sea.run()
    assert (eastbound.delivered_at, westbound.delivered_at, later.delivered_at) == (
        40.0, 42.0, 90.0)
    assert [v.process.is_alive for v in operator.fleet] == [True, False]
    assert operator.classes["class_1"].vessels == 1


def test_a_vessel_waiting_for_cargo_retires_at_once_when_its_class_is_dropped():
    fleet = [{"name": "old", "vessels": 1, "capacity_teu": 100}]
    sea = Sea({"caspian": service(fleet=fleet)})
    operator = sea.services["caspian"]
    # At 5 the class 'old' gives way to one vessel of 'new' (vessel 1: starts at aktau).
    renewed = [{"name": "new", "vessels": 1, "capacity_teu": 60}]
    sea.at(5.0, lambda: operator.update(service(fleet=renewed)))
    cargo = sea.release("aktau", 60, when=6.0)
    sea.run()
    # Vessel 1 takes the 60 TEU at 6: loading 6-12, sailing 12-32, unloading 32-38.
    assert cargo.delivered_at == 38.0
    assert [(v.fleet_class.name, v.process.is_alive) for v in operator.fleet] == [
        ("old", False), ("new", True)]


def test_a_new_capacity_wakes_a_waiting_vessel_that_it_makes_full():
    # 60 TEU wait for a 100-TEU vessel; at 5 its class becomes 50 TEU: it leaves with 50
    # (loading 5-10, sailing 10-30, unloading 30-35); 10 TEU stay at baku.
    sea = Sea({"caspian": service()})
    sea.release("baku", 60)
    operator = sea.services["caspian"]
    sea.at(5.0, lambda: operator.update(service(capacity_teu=50)))
    sea.run()
    assert sea.log == [(35.0, 0, 50)]
    assert sea.queues["baku"].teu == 10


def test_a_new_departure_policy_applies_at_once_from_when_the_vessel_was_ready():
    # when_full with 60 of 100 TEU: it would wait for ever. At 5 the policy becomes
    # when_full_or_after 8 h, counted from when it was ready for cargo (0): it leaves at 8
    # (loading 8-14, sailing 14-34, unloading 34-40).
    sea = Sea({"caspian": service()})
    cargo = sea.release("baku", 60)
    operator = sea.services["caspian"]
    relaxed = {"policy": "when_full_or_after", "max_wait": "8h"}
    sea.at(5.0, lambda: operator.update(service(departure=relaxed)))
    sea.run()
    assert cargo.delivered_at == 40.0


def test_a_new_sailing_time_applies_from_the_next_sailing():
    # At 5 the sailing time becomes 10 h; 100 TEU at 6: loading 6-16, sailing 16-26,
    # unloading 26-36.
    sea = Sea({"caspian": service()})
    cargo = sea.release("baku", 100, when=6.0)
    operator = sea.services["caspian"]
    sea.at(5.0, lambda: operator.update(service(sailing_time="10h")))
    sea.run()
    assert cargo.delivered_at == 36.0


def test_an_update_that_repeats_the_configuration_changes_nothing():
    def run(update: bool) -> list[tuple[float, int, int]]:
        sea = Sea({"caspian": service(vessels=2,
                                      sailing_time={"dist": "exponential", "mean": "20h"})},
                  end=500.0)
        for k in range(40):
            sea.release("baku" if k % 2 else "aktau", 30, when=10.0 * k + 1)
        operator = sea.services["caspian"]
        if update:
            sea.at(100.0, lambda: operator.update(operator.config.model_copy()))
        sea.run()
        return sea.log
    assert run(update=True) == run(update=False)


def test_an_update_cannot_change_the_ports():
    sea = Sea({"caspian": service()})
    with pytest.raises(ValueError, match=r"^vessel service 'caspian': the ports cannot "
                       r"change during a run \(\['baku', 'aktau'\] -> \['aktau', 'baku'\]\)$"):
        sea.services["caspian"].update(service(ports=["aktau", "baku"]))


def test_an_update_before_the_start_sets_the_fleet_the_start_commissions():
    sea = Sea({"caspian": service()})
    operator = sea.services["caspian"]
    operator.update(service(vessels=3, capacity_teu=40))
    sea.release("aktau", 40)
    sea.run()
    # Three vessels, once each (vessel 1 at aktau takes the 40 TEU: loading 0-4, sailing
    # 4-24, unloading 24-28 at baku).
    assert [v.number for v in operator.fleet] == [0, 1, 2]
    assert sea.log == [(28.0, 0, 40)]


def test_a_vessel_retired_while_in_drydock_does_not_come_back():
    # The vessel of class 'old' waits at baku and goes into drydock at 10 (until 20). At
    # 15 its class gives way to 'new' (vessel 1, joining at aktau): at 20 the old vessel
    # takes up the retirement instead of berthing again, so baku saw one call (0-10).
    window = {"class": "old", "start": "2025-01-01T10:00", "end": "2025-01-01T20:00"}
    sea = Sea({"caspian": service(fleet=[{"name": "old", "vessels": 1, "capacity_teu": 100}],
                                  drydock=[window])})
    operator = sea.services["caspian"]
    renewed = service(fleet=[{"name": "new", "vessels": 1, "capacity_teu": 60}],
                      drydock=[window])
    sea.at(15.0, lambda: operator.update(renewed))
    sea.run()
    old, new = operator.fleet
    assert (old.fleet_class.name, old.process.is_alive) == ("old", False)
    assert (new.fleet_class.name, new.process.is_alive) == ("new", True)
    assert sea.ports["baku"].record(0, sea.end).vessel_calls == 1
    assert not operator.withdrawals
