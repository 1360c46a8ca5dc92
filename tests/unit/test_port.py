"""A port on its own, with fake vessel services: yard gate and back-pressure, exit and entry
checks, train handling, landing (delivery, transshipment, train formation), joint control."""

from __future__ import annotations

import pytest
import simpy

from corridorsim.consignment import Consignment, ConsignmentPart, Train
from corridorsim.facilities.base import FacilitySetting
from corridorsim.facilities.port import PortFacility
from corridorsim.records import Activity, ObservationWindow
from corridorsim.scenario.sections import (
    Customs,
    CustomsCheck,
    CustomsRegime,
    CustomsRegimes,
    Port,
    TrainFormation,
)
from corridorsim.sim.scheduled_call import ScheduledCall
from corridorsim.sim.streams import RandomStreams

# Paper documents take 2 h, digital ones 1 h; no inspections.
REGIMES = CustomsRegimes(paper=CustomsRegime(document_check="2h"),
                         digital=CustomsRegime(document_check="1h"))
END = 100.0
SEA_PATH = ("xian", "baku", "aktau", "almaty")


class FakeService:
    """An outbound vessel service that only records what it is given, and when."""

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.received: list[tuple[float, str, list[ConsignmentPart]]] = []

    def enqueue(self, port: str, parts: list[ConsignmentPart]) -> None:
        self.received.append((self.env.now, port, list(parts)))


class Sink:
    """Records calls of ``deliver`` or ``start_train`` with the time."""

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.calls: list[tuple[float, object]] = []

    def __call__(self, what: object) -> None:
        self.calls.append((self.env.now, what))


def make_port(env: simpy.Environment, name: str = "baku", digitization: float = 0.0,
              **config: object) -> PortFacility:
    settings: dict[str, object] = {"berths": 1, "handling_teu_per_hour": 10,
                                   "train_handling_time": "3h"}
    settings.update(config)
    setting = FacilitySetting(env, ObservationWindow(0.0, END), RandomStreams(1, 0), REGIMES,
                              digitization)
    return PortFacility(setting, name, Port(**settings))


def make_part(env: simpy.Environment, cid: int, teu: int,
              path: tuple[str, ...] = SEA_PATH) -> ConsignmentPart:
    consignment = Consignment(cid, "f", "r", path, teu, env.now, False, 0.0, 0.0)
    return ConsignmentPart.whole(consignment)


def make_train(env: simpy.Environment, cid: int, teu: int,
               path: tuple[str, ...] = SEA_PATH) -> Train:
    return Train([make_part(env, cid, teu, path)], path, 1)


def connected(port: PortFacility, outbound: dict[str, FakeService] | None = None
              ) -> tuple[Sink, Sink]:
    env = port.env
    deliver, start_train = Sink(env), Sink(env)
    port.connect(outbound or {}, deliver, start_train)
    return deliver, start_train


def at(env: simpy.Environment, time: float, action) -> None:
    ScheduledCall(env, time, lambda _e: action())


EXIT = Customs(exit=CustomsCheck())
ENTRY = Customs(entry=CustomsCheck())
FORMATION = TrainFormation(train_teu=60, max_consolidation_wait="24h")


# --- ship_out: rail in, sea out -------------------------------------------------------------


def test_a_train_for_a_vessel_passes_gate_exit_check_and_unloading_then_joins_the_service():
    env = simpy.Environment()
    port = make_port(env, customs=EXIT)
    service = FakeService(env)
    connected(port, {"aktau": service})
    train = make_train(env, 0, 40)
    port.ship_out(train, service)
    assert port.yard.level == 40  # admitted whole at the gate, at once
    env.run(until=END)
    # Exit check (paper) 0-2, unloading on the train track 2-5.
    assert [(t, p) for t, p, _ in service.received] == [(5.0, "baku")]
    assert service.received[0][2] == train.parts
    hours = train.parts[0].hours
    assert hours[Activity.CUSTOMS] == 2.0 and hours[Activity.PORT_DWELL] == 3.0
    record = port.record(0, END)
    assert record.throughput_trains == 1
    assert record.throughput_teu == 0.0  # a port's throughput is what crosses its quay
    assert record.vessel_calls == 0
    # 40 TEU in the yard for the whole window (nobody loads them onto a vessel).
    assert record.mean_yard_teu == pytest.approx(40.0) and record.max_yard_teu == 40.0
    # The track was busy 2-5: 3 of 100 hours; the berth never.
    assert record.utilisation == pytest.approx(0.03)


@pytest.mark.parametrize(("digitization", "released_at"), [(0.0, 5.0), (1.0, 4.0)])
def test_the_exit_check_takes_the_paper_or_the_digital_document_check(digitization,
                                                                       released_at):
    env = simpy.Environment()
    port = make_port(env, digitization=digitization, customs=EXIT)
    service = FakeService(env)
    connected(port, {"aktau": service})
    port.ship_out(make_train(env, 0, 10), service)
    env.run(until=END)
    # Paper 2 h (or digital 1 h) + 3 h unloading.
    assert [t for t, _, _ in service.received] == [released_at]


def test_the_ports_own_digitization_overrides_the_scenario_wide_one():
    env = simpy.Environment()
    port = make_port(env, digitization=0.0, customs=Customs(exit=CustomsCheck(), digitization=1))
    service = FakeService(env)
    connected(port, {"aktau": service})
    port.ship_out(make_train(env, 0, 10), service)
    env.run(until=END)
    assert [t for t, _, _ in service.received] == [4.0]  # digital 1 h + 3 h unloading


def test_without_customs_a_shipped_train_is_only_unloaded():
    env = simpy.Environment()
    port = make_port(env)
    service = FakeService(env)
    connected(port, {"aktau": service})
    at(env, 7.0, lambda: port.ship_out(make_train(env, 0, 10), service))
    env.run(until=END)
    assert [t for t, _, _ in service.received] == [10.0]  # 7 + 3 h unloading


def test_trains_share_the_train_track_first_come_first_served():
    env = simpy.Environment()
    port = make_port(env, customs=EXIT)
    service = FakeService(env)
    connected(port, {"aktau": service})
    trains = [make_train(env, k, 10) for k in range(3)]
    for train in trains:
        port.ship_out(train, service)
    env.run(until=END)
    # One customs lane: checks 0-2, 2-4, 4-6; one track: unloading 2-5, 5-8, 8-11.
    assert [(t, parts[0].consignment.id) for t, _, parts in service.received] == [
        (5.0, 0), (8.0, 1), (11.0, 2)]
    # The last train queued 4 h for the lane (0-4) and 2 h for the track (6-8).
    hours = trains[2].parts[0].hours
    assert hours[Activity.PORT_DWELL] == 4.0 + 2.0 + 3.0 and hours[Activity.CUSTOMS] == 2.0
    assert port.yard.level == 30
    assert port.record(0, END).throughput_trains == 3


def test_a_storm_closing_the_port_does_not_stop_rail_handling_or_customs():
    env = simpy.Environment()
    port = make_port(env, customs=EXIT)
    service = FakeService(env)
    connected(port, {"aktau": service})
    port.closure.close()
    port.ship_out(make_train(env, 0, 10), service)
    env.run(until=END)
    assert [t for t, _, _ in service.received] == [5.0]  # as if open: 2 h + 3 h
    assert port.record(0, END).hours_closed == END


# --- the yard gate ---------------------------------------------------------------------------


def test_a_train_waits_at_the_gate_until_a_vessel_frees_room_and_the_wait_is_port_dwell():
    env = simpy.Environment()
    port = make_port(env, yard_capacity_teu=50)
    service = FakeService(env)
    connected(port, {"aktau": service})
    second: list[Train] = []
    port.ship_out(make_train(env, 0, 40), service)

    def second_train() -> None:
        second.append(make_train(env, 1, 30))
        port.ship_out(second[0], service)
        assert port.yard.level == 40  # 40 + 30 > 50: not admitted

    at(env, 1.0, second_train)
    at(env, 10.0, lambda: port.loaded_onto_vessel(40))
    env.run(until=END)
    # The first train is unloaded 0-3; the second waits at the gate 1-10, is unloaded 10-13.
    assert [t for t, _, _ in service.received] == [3.0, 13.0]
    assert second[0].parts[0].hours[Activity.PORT_DWELL] == 9.0 + 3.0
    assert port.yard.level == 30
    # Yard: 40 TEU 0-10, 30 TEU 10-100.
    record = port.record(0, END)
    assert record.mean_yard_teu == pytest.approx((40 * 10 + 30 * 90) / END)
    assert record.max_yard_teu == 40.0


def test_a_small_train_does_not_overtake_a_large_one_waiting_at_the_gate():
    env = simpy.Environment()
    port = make_port(env, yard_capacity_teu=50)
    service = FakeService(env)
    connected(port, {"aktau": service})
    port.ship_out(make_train(env, 0, 40), service)
    at(env, 1.0, lambda: port.ship_out(make_train(env, 1, 30), service))
    # 40 + 5 would fit, but the 30 TEU train is first in line.
    at(env, 2.0, lambda: port.ship_out(make_train(env, 2, 5), service))
    at(env, 2.5, lambda: assert_level(port, 40))
    at(env, 10.0, lambda: port.loaded_onto_vessel(40))
    env.run(until=END)
    # At 10 both are let in (30 + 5 <= 50), in order: unloaded 10-13 and 13-16.
    assert [(t, parts[0].consignment.id) for t, _, parts in service.received] == [
        (3.0, 0), (13.0, 1), (16.0, 2)]
    assert port.yard.level == 35


def assert_level(port: PortFacility, teu: int) -> None:
    assert port.yard.level == teu


def test_an_empty_yard_admits_a_train_larger_than_its_capacity():
    env = simpy.Environment()
    port = make_port(env, yard_capacity_teu=50)
    service = FakeService(env)
    connected(port, {"aktau": service})
    port.ship_out(make_train(env, 0, 80), service)
    assert port.yard.level == 80
    env.run(until=END)
    assert [t for t, _, _ in service.received] == [3.0]


def test_a_train_ending_its_journey_at_the_port_is_unloaded_without_entering_the_yard():
    env = simpy.Environment()
    port = make_port(env, customs=EXIT)
    connected(port)
    done: list[float] = []
    train = make_train(env, 0, 20, path=("xian", "baku"))
    port.receive_train(train, lambda t: done.append(env.now))
    env.run(until=END)
    assert done == [3.0]  # no exit check: only 3 h on the track
    assert port.yard.level == 0 and port.record(0, END).throughput_trains == 1


# --- land: sea in ----------------------------------------------------------------------------


def test_landed_cargo_for_this_port_is_delivered_and_never_enters_the_yard():
    env = simpy.Environment()
    port = make_port(env, name="aktau")
    deliver, start_train = connected(port)
    part = make_part(env, 0, 25, path=("baku", "aktau"))
    port.land([part])
    assert deliver.calls == [(0.0, (part,))]
    assert port.yard.level == 0 and not start_train.calls


def test_landed_cargo_for_another_port_is_transhipped_and_its_joint_clearance_dropped():
    env = simpy.Environment()
    port = make_port(env, name="aktau")
    onward = FakeService(env)
    deliver, _ = connected(port, {"turkmenbashi": onward})
    part = make_part(env, 0, 25, path=("baku", "aktau", "turkmenbashi"))
    part.cleared_for = "aktau"
    port.land([part])
    assert onward.received == [(0.0, "aktau", [part])]
    assert part.cleared_for is None
    assert port.yard.level == 25  # waits in the yard for the next vessel
    assert not deliver.calls


def test_landed_cargo_leaving_by_rail_is_formed_into_full_trains_and_the_rest_leaves_later():
    env = simpy.Environment()
    port = make_port(env, name="aktau", customs=ENTRY, train_formation=FORMATION)
    _, start_train = connected(port)
    first, second = make_part(env, 0, 30), make_part(env, 1, 40)
    port.land([first, second])
    assert port.yard.level == 70
    env.run(until=END)
    # 30 + 40 >= 60: a train of 30 + 30 (split) forms at 0, entry check 0-2, loading 2-5;
    # the remaining 10 TEU leave after the 24 h wait: check 24-26, loading 26-29.
    assert [(t, train.teu) for t, train in start_train.calls] == [(5.0, 60), (29.0, 10)]
    trains = [train for _, train in start_train.calls]
    assert trains[0].path == ("aktau", "almaty") and trains[0].index == 0
    assert [(p.consignment.id, p.teu) for p in trains[0].parts] == [(0, 30), (1, 30)]
    assert trains[1].parts == [second] and second.teu == 10
    assert second.hours[Activity.CONSOLIDATION] == 24.0
    assert second.hours[Activity.CUSTOMS] == 2.0 and second.hours[Activity.PORT_DWELL] == 3.0
    assert port.yard.level == 0
    record = port.record(0, END)
    assert record.throughput_trains == 2
    # Yard: 70 TEU 0-5, 10 TEU 5-29.
    assert record.mean_yard_teu == pytest.approx((70 * 5 + 10 * 24) / END)
    assert record.max_yard_teu == 70.0


def test_a_landed_part_of_exactly_a_train_leaves_at_once_and_no_later_timer_forms_another():
    env = simpy.Environment()
    port = make_port(env, name="aktau", train_formation=FORMATION)
    _, start_train = connected(port)
    port.land([make_part(env, 0, 60)])
    at(env, 10.0, lambda: port.land([make_part(env, 1, 5)]))
    env.run(until=END)
    # 60 TEU: loaded 0-3. 5 TEU landed at 10 wait 24 h: loaded 34-37 (the first batch's
    # timer, due at 24, must not send them at 24).
    assert [(t, train.teu) for t, train in start_train.calls] == [(3.0, 60), (37.0, 5)]


# --- joint control across the sea ------------------------------------------------------------


def test_a_joint_control_at_the_departure_port_clears_its_cargo_for_the_arrival_port():
    env = simpy.Environment()
    port = make_port(env, customs=Customs(exit=CustomsCheck(), joint_control_with="aktau"))
    service = FakeService(env)
    connected(port, {"aktau": service})
    train = make_train(env, 0, 10)
    port.ship_out(train, service)
    env.run(until=END)
    assert [t for t, _, _ in service.received] == [5.0]  # the same exit check: 2 h + 3 h
    assert [p.cleared_for for p in train.parts] == ["aktau"]


@pytest.mark.parametrize(("cleared", "left_at"), [
    (("aktau", "aktau"), 3.0),  # all cleared: loading 0-3 only
    (("aktau", None), 5.0),     # one part not cleared: entry check 0-2, loading 2-5
    ((None, None), 5.0),
    (("poti", "poti"), 5.0),    # cleared for another port does not count here
])
def test_a_formed_train_skips_the_entry_check_only_when_all_its_cargo_was_cleared_for_it(
        cleared, left_at):
    env = simpy.Environment()
    port = make_port(env, name="aktau", customs=ENTRY, train_formation=FORMATION)
    _, start_train = connected(port)
    parts = [make_part(env, 0, 30), make_part(env, 1, 30)]
    for part, port_name in zip(parts, cleared, strict=True):
        part.cleared_for = port_name
    port.land(parts)
    env.run(until=END)
    assert [(t, train.teu) for t, train in start_train.calls] == [(left_at, 60)]
    assert all(part.cleared_for is None for part in parts)


# --- connect ---------------------------------------------------------------------------------


def test_a_port_landing_cargo_before_it_was_connected_raises():
    env = simpy.Environment()
    port = make_port(env, name="aktau")
    with pytest.raises(RuntimeError, match="before it was connected"):
        port.land([make_part(env, 0, 10, path=("baku", "aktau"))])


def test_a_port_starting_a_formed_train_before_it_was_connected_raises():
    env = simpy.Environment()
    port = make_port(env, name="aktau", train_formation=FORMATION)
    port.land([make_part(env, 0, 60)])  # into formation: nothing handed on yet
    with pytest.raises(RuntimeError, match="before it was connected"):
        env.run(until=END)  # the train is loaded at 3 and has nowhere to go
