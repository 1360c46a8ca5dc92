"""A service point as trains (callbacks) and vessels (a process holding a server) use it:
FIFO hand-over, waits, closures, busy time cut to the observation window, and the order
of scheduled calls against SimPy's own events."""

from __future__ import annotations

import pytest
import simpy

from corridorsim.consignment import Consignment, ConsignmentPart, Train
from corridorsim.disruptions import ClosureState
from corridorsim.facilities.base import NodeStatistics, ServicePoint
from corridorsim.records import Activity, ObservationWindow
from corridorsim.sim.scheduled_call import URGENT, ScheduledCall


def make_train(env: simpy.Environment, cid: int) -> Train:
    consignment = Consignment(cid, "f", "northern_x", ("a", "b"), 1, env.now, False, 0.0, 0.0)
    return Train([ConsignmentPart.whole(consignment)], ("a", "b"))


def service_point(env: simpy.Environment, servers: int = 1,
                  window: tuple[float, float] = (0.0, 100.0)) -> ServicePoint:
    stats = NodeStatistics(ObservationWindow(*window))
    return ServicePoint(env, "s", servers, stats, ClosureState(env, count_from=window[0]))


def test_trains_are_served_first_come_first_served_and_wait_for_the_server():
    env = simpy.Environment()
    point = service_point(env)
    done: dict[int, float] = {}
    trains = [make_train(env, k) for k in range(3)]
    for k, train in enumerate(trains):
        point.serve(train, ((Activity.CUSTOMS, 2.0 + k),),
                    lambda t, k=k: done.__setitem__(k, env.now))
    env.run()
    assert done == {0: 2.0, 1: 5.0, 2: 9.0}
    assert [t.waited for t in trains] == [0.0, 2.0, 5.0]
    hours = trains[2].parts[0].hours
    assert hours[Activity.BORDER_QUEUE] == 5.0 and hours[Activity.CUSTOMS] == 4.0
    assert point.free == 1 and not point.queue
    # Two wait from 0 to 2, one from 2 to 5.
    assert point.stats.waiting.mean(9.0) == pytest.approx((2 * 2.0 + 1 * 3.0) / 9.0)


def test_busy_time_counts_only_inside_the_observation_window():
    env = simpy.Environment()
    point = service_point(env, window=(10.0, 20.0))
    ScheduledCall(env, 5.0, lambda _e: point.serve(make_train(env, 0),
                                                  ((Activity.CUSTOMS, 10.0),), lambda t: None))
    ScheduledCall(env, 18.0, lambda _e: point.serve(make_train(env, 1),
                                                   ((Activity.CUSTOMS, 5.0),), lambda t: None))
    env.run()
    # 10-15 of the first service and 18-20 of the second: 7 of 10 hours.
    assert point.utilisation(20.0) == pytest.approx(0.7)


def test_a_closure_holds_the_start_and_is_charged_as_a_closure_hold():
    env = simpy.Environment()
    point = service_point(env)
    point.closure.close()
    ScheduledCall(env, 3.0, lambda _e: point.closure.reopen())
    train = make_train(env, 0)
    point.serve(train, ((Activity.CUSTOMS, 1.0),), lambda t: None)
    env.run()
    assert train.parts[0].hours[Activity.CLOSURE_HOLD] == 3.0
    assert train.parts[0].hours[Activity.CUSTOMS] == 1.0
    assert train.waited == 3.0


def test_a_vessel_holding_a_berth_makes_a_train_wait_until_it_releases():
    env = simpy.Environment()
    point = service_point(env, window=(0.0, 10.0))
    served_at: list[float] = []

    def vessel():
        yield from point.acquire([])
        yield env.timeout(4.0)
        point.release()

    env.process(vessel())
    ScheduledCall(env, 1.0, lambda _e: point.serve(
        make_train(env, 0), ((Activity.PORT_DWELL, 1.0),), lambda t: served_at.append(env.now)))
    env.run()
    assert served_at == [5.0]
    assert point.utilisation(10.0) == pytest.approx((4.0 + 1.0) / 10.0)


def test_scheduled_calls_keep_simpys_order_of_events():
    env = simpy.Environment()
    order: list[str] = []
    env.timeout(1.0).callbacks.append(lambda _e: order.append("timeout"))
    ScheduledCall(env, 1.0, lambda _e: order.append("normal call"))
    ScheduledCall(env, 1.0, lambda _e: order.append("urgent call"), URGENT)
    ScheduledCall(env, 0.5, lambda _e: order.append("earlier"))
    env.run()
    assert order == ["earlier", "urgent call", "timeout", "normal call"]
    assert env.now == 1.0


def test_a_long_queue_at_a_zero_time_service_leaves_in_order_without_deep_recursion():
    """A zero-length service ends as it starts, so each hand-over could start the next
    one inside the last: 5,000 trains queued behind a closure must neither exhaust the
    stack nor leave in reverse order."""
    env = simpy.Environment()
    point = service_point(env)
    point.closure.close()
    ScheduledCall(env, 1.0, lambda _e: point.closure.reopen())
    left: list[int] = []
    for k in range(5000):
        point.serve(make_train(env, k), ((Activity.TERMINAL, 0.0),),
                    lambda t: left.append(t.parts[0].consignment.id))
    env.run()
    assert left == list(range(5000))
    assert point.free == 1 and not point.queue


def test_utilisation_is_only_given_at_the_end_of_the_window():
    point = service_point(simpy.Environment(), window=(0.0, 100.0))
    with pytest.raises(ValueError, match="window's end"):
        point.utilisation(10.0)


# --- dated changes: the server count changes during a run ----------------------------------


def start_times(env: simpy.Environment, point: ServicePoint, hours: list[float],
                at: float = 0.0) -> dict[int, float]:
    """Trains arriving at ``at`` with the given service hours: when each started."""
    started: dict[int, float] = {}
    for k, h in enumerate(hours):
        train = make_train(env, k)
        ScheduledCall(env, at, lambda _e, train=train, k=k, h=h: point.serve(
            train, ((Activity.CUSTOMS, h),),
            lambda t, k=k, h=h: started.__setitem__(k, env.now - h)))
    return started


def test_fewer_servers_take_effect_as_services_end_and_none_is_cut_short():
    env = simpy.Environment()
    point = service_point(env, servers=3)
    started = start_times(env, point, [4.0, 6.0, 8.0, 1.0, 1.0])
    ScheduledCall(env, 2.0, lambda _e: point.set_servers(1))
    env.run()
    # Three start at 0; at 2 two servers are withdrawn, but all three services finish.
    # The servers freed at 4 and 6 leave; the one freed at 8 takes train 3, then train 4.
    assert started == {0: 0.0, 1: 0.0, 2: 0.0, 3: 8.0, 4: 9.0}
    assert point.free == 1 and point.servers == 1


def test_more_servers_take_the_trains_waiting_at_once():
    env = simpy.Environment()
    point = service_point(env, servers=1)
    started = start_times(env, point, [10.0, 10.0, 10.0, 10.0])
    ScheduledCall(env, 3.0, lambda _e: point.set_servers(3))
    env.run()
    assert started == {0: 0.0, 1: 3.0, 2: 3.0, 3: 10.0}


def test_a_raise_cancels_a_withdrawal_not_yet_done():
    env = simpy.Environment()
    point = service_point(env, servers=2)
    started = start_times(env, point, [5.0, 5.0, 5.0])
    ScheduledCall(env, 1.0, lambda _e: point.set_servers(1))  # both busy: free = -1
    ScheduledCall(env, 2.0, lambda _e: point.set_servers(2))  # back before anyone left
    env.run()
    assert started == {0: 0.0, 1: 0.0, 2: 5.0}
    assert point.free == 2


def test_utilisation_is_busy_over_available_server_hours_when_the_count_changes():
    env = simpy.Environment()
    point = service_point(env, servers=2, window=(0.0, 20.0))
    start_times(env, point, [10.0, 10.0])
    ScheduledCall(env, 10.0, lambda _e: point.set_servers(4))
    env.run(until=20.0)
    # 20 busy server-hours over 2 x 10 + 4 x 10 = 60 available.
    assert point.utilisation(20.0) == pytest.approx(20.0 / 60.0)
