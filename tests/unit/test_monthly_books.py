"""The monthly books of a service point (``periods.csv``): services, waits, busy and
available server-hours and queue area given to the months they fall in, services that
straddle a closing of the books split between months, and months that add up to the
window's figures of ``nodes.csv``."""

from __future__ import annotations

import pytest
import simpy

from corridorsim.disruptions import ClosureState
from corridorsim.facilities.base import NodeStatistics, ServicePoint
from corridorsim.records import (
    MONTHLY_QUANTITIES,
    Activity,
    LevelMonitor,
    MonthlyLedger,
    ObservationWindow,
)
from corridorsim.sim.scheduled_call import URGENT, ScheduledCall
from tests.unit.test_service_point import make_train

Q = {name: i for i, name in enumerate(MONTHLY_QUANTITIES)}


def booked_point(env: simpy.Environment, starts: list[float], end: float, servers: int = 1,
                 kind: type[ServicePoint] = ServicePoint) -> tuple[ServicePoint, MonthlyLedger]:
    """A service point (of ``kind``) whose books close at each of ``starts`` after the
    first and at ``end`` (the window is ``starts[0]`` to ``end``), as the model closes
    them."""
    stats = NodeStatistics(ObservationWindow(starts[0], end))
    point = kind(env, "s", servers, stats, ClosureState(env, count_from=starts[0]))
    ledger = MonthlyLedger([("n", "border", "s", point.close_month)], starts, end)
    point.month_end = ledger.next_close

    def close(_event: object) -> None:
        ledger.close_month(env.now)
        if ledger.next_close < end:
            ScheduledCall(env, ledger.next_close - env.now, close, URGENT)

    ScheduledCall(env, ledger.next_close, close, URGENT)
    return point, ledger


def serve_at(env: simpy.Environment, point: ServicePoint, at: float, hours: float,
             cid: int) -> None:
    ScheduledCall(env, at, lambda _e: point.serve(make_train(env, cid),
                                                  ((Activity.CUSTOMS, hours),), lambda t: None))


def finish(env: simpy.Environment, ledger: MonthlyLedger, end: float) -> list[list[float]]:
    env.run(until=end)
    ledger.close_month(end)
    return [list(values) for values in ledger.record().totals[0]]


def test_a_service_across_a_closing_gives_each_month_its_own_hours():
    """Months 0-10, 10-20, 20-30 (window 0-30), one server. A service 8-13 is 2 hours in
    the first month and 3 in the second; one 15-27 is 5 in the second and 7 in the third;
    one 28-35 runs past the window: 2 hours in it."""
    env = simpy.Environment()
    point, ledger = booked_point(env, [0.0, 10.0, 20.0], 30.0)
    serve_at(env, point, 8.0, 5.0, 0)
    serve_at(env, point, 15.0, 12.0, 1)
    serve_at(env, point, 28.0, 7.0, 2)
    totals = finish(env, ledger, 30.0)
    assert totals[Q["busy_hours"]] == pytest.approx([2.0, 8.0, 9.0])
    assert totals[Q["server_hours"]] == pytest.approx([10.0, 10.0, 10.0])
    assert totals[Q["services"]] == [1, 1, 1]  # by the month each started in
    assert sum(totals[Q["busy_hours"]]) == pytest.approx(point.utilisation(30.0) * 30.0)


def test_a_service_longer_than_a_month_spreads_over_the_months_it_covers():
    env = simpy.Environment()
    point, ledger = booked_point(env, [0.0, 10.0, 20.0, 30.0], 40.0)
    serve_at(env, point, 5.0, 30.0, 0)  # 5-35: 5, 10, 10, 5 hours
    totals = finish(env, ledger, 40.0)
    assert totals[Q["busy_hours"]] == pytest.approx([5.0, 10.0, 10.0, 5.0])


def test_a_service_begun_in_the_warm_up_counts_from_its_end():
    """Window 10-30 (warm-up to 10), months 10-20 and 20-30: a service 6-24 is 10 hours in
    the first month and 4 in the second, and is not a service started in the window."""
    env = simpy.Environment()
    point, ledger = booked_point(env, [10.0, 20.0], 30.0)
    serve_at(env, point, 6.0, 18.0, 0)
    totals = finish(env, ledger, 30.0)
    assert totals[Q["busy_hours"]] == pytest.approx([10.0, 4.0])
    assert totals[Q["services"]] == [0, 0]


def test_waits_and_the_queue_go_to_the_month_the_service_starts_and_the_wait_falls_in():
    """One server busy 5-15; a second train arrives at 7 and waits until 15: its 8 hours of
    wait belong to the month it starts in (10-20), the queue area of 3 and 5 hours to the
    months it waited in."""
    env = simpy.Environment()
    point, ledger = booked_point(env, [0.0, 10.0, 20.0], 30.0)
    serve_at(env, point, 5.0, 10.0, 0)
    serve_at(env, point, 7.0, 1.0, 1)
    totals = finish(env, ledger, 30.0)
    assert totals[Q["services"]] == [1, 1, 0]
    assert totals[Q["wait_hours"]] == pytest.approx([0.0, 8.0, 0.0])
    assert totals[Q["queue_hours"]] == pytest.approx([3.0, 5.0, 0.0])
    assert totals[Q["busy_hours"]] == pytest.approx([5.0, 6.0, 0.0])


def test_a_vessel_holding_a_berth_is_busy_in_each_month_it_holds_it():
    env = simpy.Environment()
    point, ledger = booked_point(env, [0.0, 10.0], 20.0, servers=2)

    def vessel():
        yield env.timeout(6.0)
        yield from point.acquire([])
        yield env.timeout(9.0)  # 6-15
        point.release()

    env.process(vessel())
    totals = finish(env, ledger, 20.0)
    assert totals[Q["busy_hours"]] == pytest.approx([4.0, 5.0])
    assert totals[Q["server_hours"]] == pytest.approx([20.0, 20.0])


def test_available_server_hours_follow_a_change_in_the_number_of_servers():
    """What changes ``servers`` during a run changes ``capacity`` with it: 2 servers to
    hour 15, then 3: the months 0-10 and 10-20 have 20 and 25 server-hours."""
    env = simpy.Environment()
    point, ledger = booked_point(env, [0.0, 10.0], 20.0, servers=2)

    def add_a_server(_event: object) -> None:
        point.capacity.change(env.now, 1)
        point.servers += 1
        point.free += 1

    ScheduledCall(env, 15.0, add_a_server)
    totals = finish(env, ledger, 20.0)
    assert totals[Q["server_hours"]] == pytest.approx([20.0, 25.0])


def test_a_level_monitors_area_to_a_time_counts_only_after_its_start():
    monitor = LevelMonitor(start=10.0)
    monitor.change(4.0, 2)
    assert monitor.area_to(8.0) == 0.0
    assert monitor.area_to(12.0) == pytest.approx(4.0)
    monitor.change(13.0, 1)  # 3 from 13
    assert monitor.area_to(20.0) == pytest.approx(2 * 3.0 + 3 * 7.0)
    assert monitor.area_to(20.0) == pytest.approx(monitor.mean(20.0) * 10.0)


def test_a_service_paused_by_an_outage_is_busy_only_while_it_runs():
    """Months 0-10, 10-20, 20-30, one server that may be interrupted. A service of 20 h
    starts at 5 (it would end at 25, past the second closing); the server fails at 12
    (7 h done: 5 in the first month, 2 in the second) and is repaired at 22, when the
    service resumes for its 13 h left, 22-35, 8 of them in the window. So 5, 2 and 8 busy
    hours, and the second and third months lose 8 and 2 server-hours."""
    from corridorsim.facilities.interruptions import InterruptibleServicePoint

    env = simpy.Environment()
    end = 30.0
    point, ledger = booked_point(env, [0.0, 10.0, 20.0], end, kind=InterruptibleServicePoint)
    serve_at(env, point, 5.0, 20.0, 0)
    ScheduledCall(env, 12.0, lambda _e: point.take_out(1, interrupts=True))
    ScheduledCall(env, 22.0, lambda _e: point.bring_back(1))
    totals = finish(env, ledger, end)
    assert totals[Q["busy_hours"]] == pytest.approx([5.0, 2.0, 8.0])
    assert totals[Q["server_hours"]] == pytest.approx([10.0, 2.0, 8.0])
