"""Outages at a service point: servers out of service and back, with or without
interrupting the services on them (preemptive-resume), composed with dated changes, and
the hours out of service that ``nodes.csv`` reports; the regional closure that closes
several places with each event."""

from __future__ import annotations

import pytest
import simpy

from corridorsim.consignment import Train
from corridorsim.disruptions import ClosureState, RegionalClosure, window_closure
from corridorsim.facilities.base import NodeStatistics, ServicePoint
from corridorsim.facilities.interruptions import (
    InterruptibleServicePoint,
    PrioritisedInterruptibleServicePoint,
    interruptible_kind,
)
from corridorsim.records import Activity, ObservationWindow
from corridorsim.sim.scheduled_call import ScheduledCall
from tests.unit.test_service_point import make_train


def point_of(kind: type[ServicePoint], env: simpy.Environment, servers: int = 1,
             window: tuple[float, float] = (0.0, 100.0)) -> ServicePoint:
    stats = NodeStatistics(ObservationWindow(*window))
    return kind(env, "s", servers, stats, ClosureState(env, count_from=window[0]))


def serve_at(env: simpy.Environment, point: ServicePoint, at: float,
             steps: tuple[tuple[int, float], ...], done: dict[int, float], k: int) -> Train:
    """A train arriving at ``at`` for ``steps``; ``done[k]`` is when it leaves."""
    train = make_train(env, k)
    train.parts[0].mark = at  # its clock starts when it arrives
    ScheduledCall(env, at, lambda _e: point.serve(train, steps,
                                                  lambda t: done.__setitem__(k, env.now)))
    return train


def at(env: simpy.Environment, hour: float, call) -> None:
    ScheduledCall(env, hour, lambda _e: call())


# --- without interruption: the servers leave as they free up -------------------------------


def test_an_outage_that_does_not_interrupt_lets_services_finish_and_takes_servers_as_they_free():
    env = simpy.Environment()
    point = point_of(ServicePoint, env, servers=3)
    done: dict[int, float] = {}
    for k, hours in enumerate((4.0, 6.0, 8.0, 1.0)):
        serve_at(env, point, 0.0, ((Activity.GAUGE_CHANGE, hours),), done, k)
    at(env, 2.0, lambda: point.take_out(2, interrupts=False))
    at(env, 20.0, lambda: point.bring_back(2))
    env.run()
    # All three finish; the servers freed at 4 and 6 leave, the one freed at 8 takes train 3.
    assert done == {0: 4.0, 1: 6.0, 2: 8.0, 3: 9.0}
    assert (point.servers, point.configured, point.free, point.out_of_service) == (3, 3, 3, 0)
    hours, server_hours = point.outage_hours(100.0)
    assert hours == 18.0 and server_hours == 36.0


def test_hours_out_of_service_count_inside_the_window_only_and_a_running_outage_to_its_end():
    env = simpy.Environment()
    point = point_of(ServicePoint, env, servers=2, window=(10.0, 30.0))
    at(env, 5.0, lambda: point.take_out(1, interrupts=False))   # 10-15 counts
    at(env, 15.0, lambda: point.bring_back(1))
    at(env, 25.0, lambda: point.take_out(2, interrupts=False))  # 25-30, still out at the end
    env.run(until=30.0)
    assert point.outage_hours(30.0) == (10.0, 5.0 + 2 * 5.0)
    # Available server-hours: 1 x 5 + 2 x 10 + 0 x 5 of the window (utilisation's base).
    assert point.available_server_hours(30.0) == pytest.approx(25.0)
    assert point.record(0, "n", "border", 30.0).server_hours_out == 15.0
    assert point.record(0, "n", "border", 30.0).servers == 2  # as configured


def test_an_outage_and_a_dated_change_compose_and_never_go_below_zero():
    env = simpy.Environment()
    point = point_of(ServicePoint, env, servers=3)
    seen: list[tuple[float, int]] = []

    def note() -> None:
        seen.append((env.now, point.servers))

    for hour, call in ((1.0, lambda: point.take_out(2, interrupts=False)),  # 3 - 2 = 1
                       (2.0, lambda: point.set_servers(4)),                 # 4 - 2 = 2
                       (3.0, lambda: point.take_out(3, interrupts=False)),  # 4 - 5 -> 0
                       (4.0, lambda: point.bring_back(2)),                  # 4 - 3 = 1
                       (5.0, lambda: point.set_servers(2)),                 # 2 - 3 -> 0
                       (6.0, lambda: point.bring_back(3))):                 # 2 - 0 = 2
        at(env, hour, lambda call=call: (call(), note()))
    env.run()
    assert seen == [(1.0, 1), (2.0, 2), (3.0, 0), (4.0, 1), (5.0, 0), (6.0, 2)]
    assert point.configured == 2 and point.free == 2
    # Lost: 2 from 1 to 3, 4 (all configured) from 3 to 4, 3 from 4 to 5, 2 from 5 to 6.
    assert point.outage_hours(100.0) == (5.0, 2 * 2.0 + 4.0 + 3.0 + 2.0)


# --- with interruption: preemptive-resume -----------------------------------------------------


def test_an_interrupting_outage_pauses_the_service_and_resumes_it_with_the_time_left():
    env = simpy.Environment()
    point = point_of(InterruptibleServicePoint, env, servers=1)
    done: dict[int, float] = {}
    first = serve_at(env, point, 0.0, ((Activity.GAUGE_CHANGE, 5.0),), done, 0)
    second = serve_at(env, point, 1.0, ((Activity.GAUGE_CHANGE, 1.0),), done, 1)
    at(env, 2.0, lambda: point.take_out(1, interrupts=True))
    at(env, 6.0, lambda: point.bring_back(1))
    env.run()
    # 2 h done, 4 h stopped, 3 h left: the first leaves at 9; the second waited for it.
    assert done == {0: 9.0, 1: 10.0}
    hours = first.parts[0].hours
    assert hours[Activity.GAUGE_CHANGE] == 5.0 and hours[Activity.CLOSURE_HOLD] == 4.0
    assert first.waited == 0.0 and second.waited == 8.0
    assert second.parts[0].hours[Activity.BORDER_QUEUE] == 8.0
    # Busy 6 of the 96 server-hours available in the window (4 out).
    assert point.utilisation(100.0) == pytest.approx(6.0 / 96.0)
    assert point.record(0, "n", "border", 100.0).mean_service_hours == 3.0


def test_an_interruption_stops_the_latest_started_and_a_multi_step_service_keeps_its_steps():
    env = simpy.Environment()
    point = point_of(InterruptibleServicePoint, env, servers=2)
    done: dict[int, float] = {}
    serve_at(env, point, 0.0, ((Activity.CUSTOMS, 6.0),), done, 0)
    inspected = serve_at(env, point, 1.0, ((Activity.CUSTOMS, 2.0),
                                           (Activity.INSPECTION, 3.0)), done, 1)
    at(env, 4.0, lambda: point.take_out(1, interrupts=True))   # train 1 is inspected: 2 left
    at(env, 10.0, lambda: point.bring_back(1))
    env.run()
    assert done == {0: 6.0, 1: 12.0}
    hours = inspected.parts[0].hours
    assert (hours[Activity.CUSTOMS], hours[Activity.INSPECTION],
            hours[Activity.CLOSURE_HOLD]) == (2.0, 3.0, 6.0)


def test_a_repair_resumes_the_paused_before_the_queue_and_freed_servers_go_to_the_queue():
    env = simpy.Environment()
    point = point_of(InterruptibleServicePoint, env, servers=2)
    done: dict[int, float] = {}
    serve_at(env, point, 0.0, ((Activity.GAUGE_CHANGE, 3.0),), done, 0)
    serve_at(env, point, 0.0, ((Activity.GAUGE_CHANGE, 10.0),), done, 1)  # paused at 1
    serve_at(env, point, 0.5, ((Activity.GAUGE_CHANGE, 1.0),), done, 2)
    serve_at(env, point, 0.5, ((Activity.GAUGE_CHANGE, 1.0),), done, 3)
    at(env, 1.0, lambda: point.take_out(1, interrupts=True))
    at(env, 5.0, lambda: point.bring_back(1))
    env.run()
    # Train 0's server, freed at 3, goes to train 2 (the paused train waits for its own
    # repair); the repair at 5 resumes train 1 (9 h left) before train 3 gets a server.
    assert done == {0: 3.0, 2: 4.0, 1: 14.0, 3: 5.0}


def test_an_interruption_at_an_idle_server_only_takes_it_out():
    env = simpy.Environment()
    point = point_of(InterruptibleServicePoint, env, servers=1)
    done: dict[int, float] = {}
    at(env, 1.0, lambda: point.take_out(1, interrupts=True))
    at(env, 4.0, lambda: point.bring_back(1))
    train = serve_at(env, point, 2.0, ((Activity.CUSTOMS, 1.0),), done, 0)
    env.run()
    assert done == {0: 5.0} and train.waited == 2.0
    assert train.parts[0].hours[Activity.CLOSURE_HOLD] == 0.0


def test_an_interruptible_point_without_outages_serves_as_the_plain_one():
    results = []
    for kind in (ServicePoint, InterruptibleServicePoint):
        env = simpy.Environment()
        point = point_of(kind, env, servers=2, window=(3.0, 20.0))
        done: dict[int, float] = {}
        for k in range(8):
            serve_at(env, point, 0.7 * k, ((Activity.CUSTOMS, 1.5 + k % 3),
                                           (Activity.INSPECTION, 0.0 if k % 2 else 2.0)),
                     done, k)
        env.run()
        results.append((done, point.record(0, "n", "border", 20.0)))
    assert results[0] == results[1]


def test_the_kind_of_an_interruptible_point_keeps_priority_classes_when_asked():
    assert interruptible_kind(False) is InterruptibleServicePoint
    assert interruptible_kind(True) is PrioritisedInterruptibleServicePoint
    env = simpy.Environment()
    point = point_of(PrioritisedInterruptibleServicePoint, env, servers=1)
    done: dict[int, float] = {}
    serve_at(env, point, 0.0, ((Activity.CUSTOMS, 2.0),), done, 0)
    low = serve_at(env, point, 0.5, ((Activity.CUSTOMS, 1.0),), done, 1)
    high = serve_at(env, point, 0.6, ((Activity.CUSTOMS, 1.0),), done, 2)
    high.priority, low.priority = 1, 0
    at(env, 1.0, lambda: point.take_out(1, interrupts=True))
    at(env, 3.0, lambda: point.bring_back(1))
    env.run()
    assert done == {0: 4.0, 2: 5.0, 1: 6.0}


# --- regional closures -------------------------------------------------------------------------


def test_a_regional_closure_closes_and_reopens_every_place_together():
    env = simpy.Environment()
    places = [ClosureState(env) for _ in range(3)]
    places[2].close()  # already closed by another closure: they nest
    env.process(window_closure(env, RegionalClosure(places), 2.0, 5.0))
    env.run(until=3.0)
    assert all(p.closed for p in places)
    env.run(until=10.0)
    assert [p.closed for p in places] == [False, False, True]
    assert [p.closed_hours(10.0) for p in places[:2]] == [3.0, 3.0]
