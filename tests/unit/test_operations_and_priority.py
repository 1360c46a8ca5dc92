"""Railway operations at borders, stations and terminals, priority classes at shared
queues, pre-arrival checks and the clock by country, built by hand with exact times."""

from __future__ import annotations

import simpy

from corridorsim.consignment import Consignment, ConsignmentPart, Train
from corridorsim.facilities.base import ClassedQueue, FacilitySetting
from corridorsim.facilities.border import BorderFacility
from corridorsim.facilities.operations import StationFacility
from corridorsim.records import N_ACTIVITIES, Activity, ObservationWindow, Places
from corridorsim.scenario.sections import (
    Border,
    Customs,
    CustomsCheck,
    CustomsRegime,
    CustomsRegimes,
    GaugeChange,
    Operation,
    Station,
)
from corridorsim.sim.scheduled_call import ScheduledCall
from corridorsim.sim.streams import RandomStreams

REGIMES = CustomsRegimes(paper=CustomsRegime(document_check="4h"),
                         digital=CustomsRegime(document_check="3h"))
PLACES = Places(("CN", "KZ"))


def setting(env: simpy.Environment, digitization: float = 0.0, prioritised: bool = False,
            places: Places | None = None) -> FacilitySetting:
    return FacilitySetting(env, ObservationWindow(0.0, 1000.0), RandomStreams(1, 0), REGIMES,
                           digitization, places, prioritised)


def train(env: simpy.Environment, cid: int = 0, priority: int = 0, draw: float = 0.5,
          slots: int = N_ACTIVITIES, left_at: float | None = None) -> Train:
    consignment = Consignment(cid, "f", "northern_x", ("a", "b"), 1, env.now, False, 0.0, 0.0,
                              priority, draw)
    return Train([ConsignmentPart.whole(consignment, slots)], ("a", "b"),
                 left_at=env.now if left_at is None else left_at)


def hours_of(t: Train, places: Places | None = None) -> dict[tuple[str, Activity] | Activity,
                                                           float]:
    """Non-zero hours of a train's only part, by activity (or by place and activity)."""
    hours = t.parts[0].hours
    if places is None:
        return {a: h for a, h in zip(Activity, hours, strict=True) if h}
    return {(places.names[i // N_ACTIVITIES], Activity(i % N_ACTIVITIES)): h
            for i, h in enumerate(hours) if h}


def run_through(env: simpy.Environment, node: BorderFacility | StationFacility,
                t: Train) -> list[float]:
    done: list[float] = []
    node.pass_train(t, lambda _t: done.append(env.now))
    env.run()
    return done


# --- operations ----------------------------------------------------------------------------


def test_operations_sit_between_the_border_steps_they_follow_and_charge_their_own_activity():
    env = simpy.Environment()
    config = Border(
        customs=Customs(exit=CustomsCheck(), entry=CustomsCheck()),
        gauge_change=GaugeChange(tracks=1, service_time="2h"),
        operations=[Operation(kind="interchange", servers=1, service_time="5h",
                              after="exit_check"),
                    Operation(kind="locomotive_change", servers=1, service_time="1h"),
                    Operation(kind="technical_inspection", servers=1, service_time="30min",
                              after="arrival")])
    border = BorderFacility(setting(env), "b", config)
    t = train(env)
    assert run_through(env, border, t) == [0.5 + 4 + 5 + 2 + 4 + 1]
    assert hours_of(t) == {Activity.TECHNICAL_INSPECTION: 0.5, Activity.CUSTOMS: 8.0,
                           Activity.INTERCHANGE: 5.0, Activity.GAUGE_CHANGE: 2.0,
                           Activity.LOCOMOTIVE_CHANGE: 1.0}
    # Service points in stage order: the rows of nodes.csv.
    assert [sp.name for sp in border.service_points] == [
        "b.technical_inspection", "b.exit_customs", "b.interchange", "b.gauge_change",
        "b.entry_customs", "b.locomotive_change"]


def test_a_wait_for_an_operation_counts_as_that_operation_and_a_train_with_data_is_faster():
    env = simpy.Environment()
    station = StationFacility(setting(env, digitization=0.5), "s", Station(operations=[
        Operation(kind="interchange", servers=1, service_time="10h",
                  digital_service_time="2h")]))
    paper, digital = train(env, 0, draw=0.9), train(env, 1, draw=0.1)
    done: dict[int, float] = {}
    station.pass_train(paper, lambda _t: done.__setitem__(0, env.now))
    station.pass_train(digital, lambda _t: done.__setitem__(1, env.now))
    env.run()
    assert done == {0: 10.0, 1: 12.0}
    assert hours_of(digital) == {Activity.INTERCHANGE: 12.0}  # 10 h waiting + 2 h service
    (record,) = [r for r in station.stage_records(0, 1000.0)]
    assert (record.stage, record.services, record.mean_wait_hours,
            record.mean_service_hours) == ("interchange", 2, 5.0, 6.0)


# --- priority ------------------------------------------------------------------------------


def test_the_line_serves_the_highest_class_first_and_first_come_first_served_within_it():
    line = ClassedQueue()
    for priority, name in ((0, "a"), (1, "b"), (0, "c"), (2, "d"), (1, "e")):
        line.push(priority, lambda name=name: name)
    assert len(line) == 5
    assert [line.popleft()() for _ in range(5)] == ["d", "b", "e", "a", "c"]


def test_a_priority_train_overtakes_waiting_trains_but_never_one_in_service():
    env = simpy.Environment()
    station = StationFacility(setting(env, prioritised=True), "s", Station(operations=[
        Operation(kind="marshalling", servers=1, service_time="3h")]))
    done: dict[int, float] = {}
    trains = {0: train(env, 0), 1: train(env, 1), 2: train(env, 2, priority=1)}
    for cid, when in ((0, 0.0), (1, 1.0), (2, 2.0)):
        def arrive(_e: object, cid: int = cid) -> None:
            station.pass_train(trains[cid], lambda _t, cid=cid: done.__setitem__(cid, env.now))
        ScheduledCall(env, when, arrive)
    env.run()
    # 0 is served 0-3 h; 2 (priority) arrived after 1 but goes first: 3-6 h; then 1: 6-9 h.
    assert done == {0: 3.0, 2: 6.0, 1: 9.0}


# --- pre-arrival checks --------------------------------------------------------------------


def test_a_pre_arrival_check_runs_while_a_digital_train_travels_and_a_paper_one_waits():
    def crossing(draw: float, travelled: float) -> tuple[float, dict]:
        env = simpy.Environment()
        env.run(until=10.0)
        config = Border(customs=Customs(entry=CustomsCheck(pre_arrival=True)))
        border = BorderFacility(setting(env, digitization=0.5), "b", config)
        t = train(env, draw=draw, left_at=10.0 - travelled)
        (end,) = run_through(env, border, t)
        return end - 10.0, hours_of(t)

    # Digital (3 h check): left 1 h ago -> 2 h left; left 5 h ago -> released on arrival.
    assert crossing(0.1, 1.0) == (2.0, {Activity.CUSTOMS: 2.0})
    assert crossing(0.1, 5.0) == (0.0, {})
    # Paper (4 h): checked on arrival, however long it travelled.
    assert crossing(0.9, 5.0) == (4.0, {Activity.CUSTOMS: 4.0})


# --- the clock by country ------------------------------------------------------------------


def test_the_exit_check_is_charged_to_the_country_left_and_the_rest_to_the_country_entered():
    env = simpy.Environment()
    config = Border(customs=Customs(exit=CustomsCheck(), entry=CustomsCheck()),
                    gauge_change=GaugeChange(tracks=1, service_time="2h"),
                    country="KZ", exit_country="CN")
    border = BorderFacility(setting(env, places=PLACES), "b", config)
    t = train(env, slots=PLACES.slots)
    run_through(env, border, t)
    assert hours_of(t, PLACES) == {("CN", Activity.CUSTOMS): 4.0,
                                   ("KZ", Activity.GAUGE_CHANGE): 2.0,
                                   ("KZ", Activity.CUSTOMS): 4.0}
    clock = tuple(t.parts[0].hours)
    assert PLACES.by_place(clock) == (4.0, 6.0)
    assert PLACES.by_activity(clock)[Activity.CUSTOMS] == 8.0
