"""A vessel service between two real ports, without a model: departure policies, berths,
splitting of large consignments, closures of ports and sea legs, and the cargo queue."""

from __future__ import annotations

import pytest
import simpy

from corridorsim.consignment import Consignment, ConsignmentPart, Train
from corridorsim.disruptions import ClosureState
from corridorsim.facilities.base import FacilitySetting
from corridorsim.facilities.port import PortFacility
from corridorsim.records import Activity, ObservationWindow
from corridorsim.scenario.sections import (
    Customs,
    CustomsCheck,
    CustomsRegime,
    CustomsRegimes,
    DeparturePolicy,
    Port,
    TrainFormation,
    VesselService,
)
from corridorsim.sim.scheduled_call import ScheduledCall
from corridorsim.sim.streams import RandomStreams
from corridorsim.transport.vessels import CargoQueue, VesselServiceOperator

# Every port handles 10 TEU/h at a berth and a train in 3 h; every crossing takes 20 h.
REGIMES = CustomsRegimes(paper=CustomsRegime(document_check="2h"),
                         digital=CustomsRegime(document_check="1h"))
END = 100.0
WHEN_FULL = DeparturePolicy(policy="when_full")


class Deliveries:
    """``deliver`` as the journeys do it: a consignment is delivered with its last TEU."""

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.log: list[tuple[float, int, int]] = []
        self.teu = 0

    def __call__(self, parts) -> None:
        for part in parts:
            consignment = part.consignment
            consignment.teu_outstanding -= part.teu
            self.teu += part.teu
            self.log.append((self.env.now, consignment.id, part.teu))
            if consignment.teu_outstanding == 0:
                consignment.delivered_at = self.env.now
                consignment.activity_hours = part.hours


class Corridor:
    """Ports baku and aktau joined by the vessel service caspian."""

    def __init__(self, departure: DeparturePolicy, vessels: int = 1, capacity: int = 100,
                 end: float = END, baku: dict[str, object] | None = None,
                 aktau: dict[str, object] | None = None):
        env = self.env = simpy.Environment()
        window = ObservationWindow(0.0, end)
        self.end = end
        streams = RandomStreams(1, 0)
        self.ports: dict[str, PortFacility] = {}
        for name, extra in (("baku", baku), ("aktau", aktau)):
            config = Port(**({"berths": 1, "handling_teu_per_hour": 10,
                              "train_handling_time": "3h"} | (extra or {})))
            setting = FacilitySetting(env, window, streams, REGIMES, 0.0)
            self.ports[name] = PortFacility(setting, name, config)
        service = VesselService(ports=["baku", "aktau"], vessels=vessels,
                                capacity_teu=capacity, departure=departure, sailing_time="20h")
        # The sea legs' closures, by the port they leave from (as the model keys them).
        self.legs = {name: ClosureState(env) for name in self.ports}
        self.service = VesselServiceOperator(env, "caspian", service, self.ports, self.legs,
                                             streams)
        self.deliveries = Deliveries(env)
        self.trains: list[tuple[float, Train]] = []
        for here, there in (("baku", "aktau"), ("aktau", "baku")):
            self.ports[here].connect({there: self.service}, self.deliveries,
                                     lambda train: self.trains.append((env.now, train)))
        self.consignments: list[Consignment] = []

    def release(self, at: str, teu: int, when: float = 0.0) -> Consignment:
        """Cargo for the other port, put into ``at``'s yard at ``when``."""
        to = "aktau" if at == "baku" else "baku"
        consignment = Consignment(len(self.consignments), "f", "r", (at, to), teu, when, False,
                                  0.0, 0.0)
        self.consignments.append(consignment)

        def put() -> None:
            self.ports[at].release_to_sea([ConsignmentPart.whole(consignment)], self.service)

        if when == 0.0:
            put()
        else:
            ScheduledCall(self.env, when, lambda _e: put())
        return consignment

    def at(self, when: float, action) -> None:
        ScheduledCall(self.env, when, lambda _e: action())

    def run(self) -> None:
        self.service.start()
        self.env.run(until=self.end)

    def record(self, port: str):
        return self.ports[port].record(0, self.end)


def hours(consignment: Consignment, activity: Activity) -> float:
    assert consignment.activity_hours is not None
    return consignment.activity_hours[activity]


# --- departure policies ----------------------------------------------------------------------


def test_when_full_a_vessel_waits_for_a_full_load_then_loads_sails_and_unloads():
    c = Corridor(WHEN_FULL)
    first = c.release("baku", 60)
    second = c.release("baku", 40, when=5.0)
    levels: list[int] = []
    c.at(4.0, lambda: levels.append(c.ports["baku"].yard.level))
    c.at(6.0, lambda: levels.append(c.ports["baku"].yard.level))
    c.run()
    # Full at 5: loading 100 TEU 5-15, sailing 15-35, unloading 35-45.
    assert c.deliveries.log == [(45.0, 0, 60), (45.0, 1, 40)]
    assert first.delivered_at == second.delivered_at == 45.0
    assert hours(first, Activity.VESSEL_WAIT) == 5.0
    assert hours(first, Activity.PORT_DWELL) == 10.0 + 10.0
    assert hours(first, Activity.SAILING) == 20.0
    assert sum(first.activity_hours) == 45.0  # every hour charged once
    assert hours(second, Activity.VESSEL_WAIT) == 0.0
    assert levels == [60, 0]  # the yard empties when loading starts
    baku = c.record("baku")
    assert baku.vessel_calls == 1 and baku.throughput_teu == 100.0


def test_two_vessels_start_at_alternate_ports():
    c = Corridor(WHEN_FULL, vessels=2, capacity=50)
    c.release("baku", 50)
    c.release("aktau", 50)
    c.run()
    # Both load 0-5, sail 5-25 and unload 25-30 at the other port.
    assert sorted(c.deliveries.log) == [(30.0, 0, 50), (30.0, 1, 50)]



def test_a_timetabled_vessel_leaves_at_its_slot_with_what_it_has_and_skips_missed_slots():
    c = Corridor(DeparturePolicy(policy="timetable", headway="24h", first_departure="6h"),
                 end=110.0)
    early = c.release("baku", 30)
    late = c.release("baku", 20, when=7.0)
    c.run()
    # Slot 6: loading 30 TEU 6-9, sailing 9-29, unloading 29-32. At aktau from 32 the next
    # slot is 54 (30 has passed): empty to baku 54-74, where the next slot is 78 (6 + 3 * 24).
    # Loading 20 TEU 78-80, sailing 80-100, unloading 100-102.
    assert early.delivered_at == 32.0
    assert late.delivered_at == 102.0
    assert hours(late, Activity.VESSEL_WAIT) == 78.0 - 7.0
    # Calls at aktau 29-54 and 100-102: arriving at 102 = 6 + 4 * 24, it sails at once.
    aktau = c.record("aktau")
    assert aktau.vessel_calls == 2 and aktau.throughput_teu == 30.0 + 20.0


def test_two_vessels_waiting_at_one_port_take_successive_timetable_slots():
    c = Corridor(DeparturePolicy(policy="timetable", headway="24h", first_departure="6h"),
                 vessels=3, baku={"berths": 2}, aktau={"berths": 2})
    big = c.release("baku", 150)
    c.run()
    # Vessels 0 and 2 start at baku: slots 6 and 30 (not both 6). Vessel 0 loads 100 TEU
    # 6-16, sails 16-36, unloads 36-46. Vessel 2 loads the other 50 at 30-35, sails 35-55,
    # unloads 55-60 (vessel 0 has left aktau at its slot 54).
    assert c.deliveries.log == [(46.0, 0, 100), (60.0, 0, 50)]
    assert big.delivered_at == 60.0


@pytest.mark.parametrize(("extra_teu", "delivered_at"), [
    (0, 38.0),   # 30 TEU leave at 12: loading 12-15, sailing 15-35, unloading 35-38
    (10, 40.0),  # 10 more at 4 do not restart the wait: 40 TEU load 12-16, ... 36-40
    (70, 44.0),  # 70 more at 4 fill it: loading 4-14, sailing 14-34, unloading 34-44
])
def test_when_full_or_after_a_vessel_leaves_when_full_or_after_its_longest_wait(
        extra_teu, delivered_at):
    c = Corridor(DeparturePolicy(policy="when_full_or_after", max_wait="12h"))
    first = c.release("baku", 30)
    if extra_teu:
        c.release("baku", extra_teu, when=4.0)
    c.run()
    assert first.delivered_at == delivered_at
    assert c.deliveries.teu == 30 + extra_teu


# --- a consignment larger than a vessel ------------------------------------------------------


def test_a_consignment_larger_than_the_vessel_is_split_and_delivered_with_its_last_teu():
    c = Corridor(DeparturePolicy(policy="when_full_or_after", max_wait="2h"), capacity=60,
                 end=140.0)
    big = c.release("baku", 150)
    baku = c.ports["baku"]
    seen: list[tuple[int, int, int]] = []

    def conserved() -> None:  # between sailings: nothing is on board
        queued = c.service.queues["baku"].teu
        seen.append((c.deliveries.teu, queued, baku.yard.level))
        assert c.deliveries.teu + queued == 150

    c.at(40.0, conserved)
    c.at(100.0, conserved)
    c.run()
    # 60 TEU: loading 0-6, sailing 6-26, unloading 26-32; back empty 34-54 (2 h wait at
    # aktau); 60 TEU: 54-60, 60-80, 80-86; back 88-108; the last 30 TEU wait the 2 h,
    # load 110-113, sail 113-133, unload 133-136.
    assert c.deliveries.log == [(32.0, 0, 60), (86.0, 0, 60), (136.0, 0, 30)]
    assert seen == [(60, 90, 90), (120, 30, 30)]
    assert big.delivered_at == 136.0 and big.teu_outstanding == 0
    # The time split is that of the last 30 TEU, in the yard from 0 to 110.
    assert hours(big, Activity.VESSEL_WAIT) == 110.0
    assert hours(big, Activity.PORT_DWELL) == 3.0 + 3.0
    assert sum(big.activity_hours) == 136.0
    assert baku.yard.level == 0
    # Calls (all counted when the vessel left): baku 0-6, 54-60, 108-113; aktau 26-34,
    # 80-88, 133-138. Berths busy 17 h and 21 h of 140.
    for name, busy in (("baku", 17.0), ("aktau", 21.0)):
        record = c.record(name)
        assert record.vessel_calls == 3 and record.throughput_teu == 150.0
        assert record.mean_wait_hours == 0.0
        assert record.utilisation == pytest.approx(busy / 140.0)


# --- berths ----------------------------------------------------------------------------------


def test_a_loaded_vessel_waits_for_a_berth_at_port_dwell_and_the_wait_shows_in_the_queue():
    c = Corridor(WHEN_FULL, vessels=2)
    westbound = c.release("baku", 100)
    c.release("aktau", 50)
    eastbound = c.release("aktau", 50, when=35.0)
    c.run()
    # Vessel 0 loads at baku 0-10 and arrives at aktau at 30, where vessel 1 holds the only
    # berth until it is full (35) and loaded (45): vessel 0 waits 30-45, unloads 45-55.
    assert westbound.delivered_at == 55.0
    assert hours(westbound, Activity.PORT_DWELL) == 10.0 + 15.0 + 10.0
    # Vessel 1: loading 35-45, sailing 45-65, unloading 65-75 at baku.
    assert eastbound.delivered_at == 75.0
    aktau = c.record("aktau")
    assert aktau.max_queue == 1 and aktau.mean_queue == pytest.approx(15.0 / END)
    # Only vessel 1's call has ended (vessel 0 waits at aktau for a full load).
    assert aktau.vessel_calls == 1 and aktau.throughput_teu == 100.0


# --- closures --------------------------------------------------------------------------------


def test_a_storm_at_the_departure_port_holds_a_loaded_vessel_at_its_berth():
    c = Corridor(WHEN_FULL)
    cargo = c.release("baku", 100)
    baku = c.ports["baku"]
    c.at(5.0, baku.closure.close)
    c.at(30.0, baku.closure.reopen)
    c.run()
    # Loading goes on in the storm (0-10); held 10-30; sailing 30-50, unloading 50-60.
    assert cargo.delivered_at == 60.0
    assert hours(cargo, Activity.CLOSURE_HOLD) == 20.0
    assert hours(cargo, Activity.PORT_DWELL) == 20.0 and hours(cargo, Activity.SAILING) == 20.0
    record = c.record("baku")
    assert record.hours_closed == 25.0
    assert record.utilisation == pytest.approx(30.0 / END)  # the berth is held 0-30


def test_a_storm_at_the_arrival_port_keeps_the_vessel_from_berthing_until_it_reopens():
    c = Corridor(DeparturePolicy(policy="when_full_or_after", max_wait="1h"), end=80.0)
    cargo = c.release("baku", 100)
    aktau = c.ports["aktau"]
    aktau.closure.close()
    c.at(40.0, aktau.closure.reopen)
    c.run()
    # Loading 0-10, sailing 10-30, held 30-40, unloading 40-50.
    assert cargo.delivered_at == 50.0
    assert hours(cargo, Activity.CLOSURE_HOLD) == 10.0
    record = c.record("aktau")
    # One call at aktau (30-51), its 10 h wait counted; the next starts at 92.
    assert record.vessel_calls == 1 and record.mean_wait_hours == 10.0
    assert record.hours_closed == 40.0


@pytest.mark.parametrize(("closed_leg", "delivered_at", "held"), [
    ("baku", 55.0, 15.0),   # loading 0-10, held 10-25, sailing 25-45, unloading 45-55
    ("aktau", 40.0, 0.0),   # the leg from aktau: baku's departures sail at 10
])
def test_a_closed_sea_leg_holds_only_the_vessels_departing_onto_it(closed_leg, delivered_at,
                                                                  held):
    c = Corridor(WHEN_FULL)
    leg = c.legs[closed_leg]
    leg.close()
    c.at(25.0, leg.reopen)
    cargo = c.release("baku", 100)
    c.run()
    assert cargo.delivered_at == delivered_at
    assert hours(cargo, Activity.CLOSURE_HOLD) == held


# --- rail to sea to rail ---------------------------------------------------------------------


@pytest.mark.parametrize(("joint", "left_at"), [(True, 48.0), (False, 50.0)])
def test_a_train_crosses_by_vessel_and_leaves_by_rail_skipping_a_jointly_cleared_entry_check(
        joint, left_at):
    exit_customs = Customs(exit=CustomsCheck(), joint_control_with="aktau" if joint else None)
    c = Corridor(WHEN_FULL,
                 baku={"customs": exit_customs},
                 aktau={"customs": Customs(entry=CustomsCheck()),
                        "train_formation": TrainFormation(train_teu=100,
                                                          max_consolidation_wait="24h")})
    path = ("xian", "baku", "aktau", "almaty")
    consignment = Consignment(0, "f", "r", path, 100, 0.0, False, 0.0, 0.0)
    part = ConsignmentPart.whole(consignment)
    c.ports["baku"].ship_out(Train([part], path, 1), c.service)
    c.run()
    # Exit check 0-2, unloading 2-5, loading onto the vessel 5-15, sailing 15-35, unloading
    # 35-45; a full train forms at 45: [entry check 45-47,] loading on the track 3 h.
    assert [(t, train.path, train.teu) for t, train in c.trains] == [
        (left_at, ("aktau", "almaty"), 100)]
    (train,) = [train for _, train in c.trains]
    moved = train.parts[0]
    assert moved.cleared_for is None
    assert moved.hours[Activity.CUSTOMS] == (2.0 if joint else 4.0)
    assert moved.hours[Activity.PORT_DWELL] == 3.0 + 10.0 + 10.0 + 3.0
    assert moved.hours[Activity.SAILING] == 20.0
    assert sum(moved.hours) == left_at
    assert c.ports["baku"].yard.level == 0 and c.ports["aktau"].yard.level == 0
    assert not c.deliveries.log


# --- the cargo queue -------------------------------------------------------------------------


def test_the_cargo_queue_hands_out_its_head_first_and_splits_the_last_part_taken():
    env = simpy.Environment()
    queue = CargoQueue(env)
    parts = [ConsignmentPart.whole(Consignment(k, "f", "r", ("a", "b"), teu, 0.0, False,
                                               0.0, 0.0))
             for k, teu in enumerate((30, 50))]
    woken = queue.changed
    queue.put(parts)
    assert woken.triggered and not queue.changed.triggered  # a new event for the next wait
    taken = queue.take(40)
    # 30 whole, 10 split off the 50, which stays at the head with 40.
    assert [(p.consignment.id, p.teu) for p in taken] == [(0, 30), (1, 10)]
    assert queue.teu == 40 and list(queue.parts) == [parts[1]] and parts[1].teu == 40
    assert queue.take(100) == [parts[1]] and queue.teu == 0
    assert queue.take(100) == []


def test_a_service_reports_its_sailings_per_direction():
    c = Corridor(WHEN_FULL)
    c.release("baku", 60)
    c.release("baku", 40, when=5.0)
    c.run()
    # The vessel starts at baku: full at 5, loads 5-15 and sails at 15. At aktau it unloads
    # 35-45 and waits for a full load that never comes (no cargo there).
    baku, aktau = c.service.records(0)
    assert (baku.from_port, baku.to_port, aktau.from_port) == ("baku", "aktau", "aktau")
    assert (baku.sailings, baku.teu, baku.capacity_teu) == (1, 100, 100)
    assert baku.handling_hours == 10.0  # nothing to unload at baku, 10 h loading
    assert baku.cargo_wait_hours == 5.0 and baku.closure_hours == 0.0
    assert (aktau.sailings, aktau.teu) == (0, 0)  # still waiting for cargo at the end


def test_sailings_outside_the_observation_window_are_not_counted():
    c = Corridor(WHEN_FULL)
    c.service.window = ObservationWindow(20.0, END)  # a warm-up ending after the sailing
    c.release("baku", 100)
    c.run()
    assert c.deliveries.teu == 100
    assert c.service.records(0)[0].sailings == 0


def test_a_port_splits_its_quay_throughput_into_landed_and_loaded():
    c = Corridor(WHEN_FULL)
    c.release("baku", 100)
    c.release("aktau", 60, when=50.0)  # the vessel, unloaded at aktau by 45, waits for it
    c.release("aktau", 40, when=52.0)
    c.run()
    baku, aktau = c.record("baku"), c.record("aktau")
    assert (baku.landed_teu, baku.loaded_teu, baku.throughput_teu) == (0.0, 100.0, 100.0)
    assert (aktau.landed_teu, aktau.loaded_teu, aktau.throughput_teu) == (100.0, 100.0, 200.0)
