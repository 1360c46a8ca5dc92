"""Demand releases and seasonal closures follow their configured rates."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import simpy

from corridorsim.consignment import Consignment, ConsignmentPart
from corridorsim.demand import FlowReleases
from corridorsim.disruptions import ClosureState, start_closure
from corridorsim.facilities.train_formation import TrainFormationYard
from corridorsim.scenario.sections import Flow, SeasonalClosure, TrainFormation, WindowClosure
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.streams import RandomStreams

YEAR = 366 * 24.0  # 2024 is a leap year


def test_calendar_maps_hours_to_months_and_back():
    cal = Calendar(dt.date(2024, 1, 1), YEAR)
    assert cal.month_at(0) == 1
    assert cal.month_at(31 * 24 - 0.01) == 1
    assert cal.month_at(31 * 24) == 2
    assert cal.month_at(60 * 24) == 3  # 29 days of February
    assert cal.next_month_start(10.0) == 31 * 24
    assert cal.month_start(40 * 24) == 31 * 24
    assert cal.hours_since_start(dt.datetime(2024, 1, 2, 6)) == 30.0
    assert cal.timestamp(30.0) == "2024-01-02T06:00"


def released_per_month(flow: Flow, seed: int = 1) -> list[int]:
    env = simpy.Environment()
    cal = Calendar(dt.date(2024, 1, 1), YEAR)
    counts = [0] * 12

    def release(name, flow, route, teu, expected_cost):
        counts[cal.month_at(env.now) - 1] += 1

    env.process(FlowReleases(env, "f", flow, cal, RandomStreams(seed, 0), release).run())
    env.run(until=YEAR)
    return counts


def test_poisson_releases_follow_monthly_seasonality():
    season = [1.0] * 6 + [3.0] * 6
    flow = Flow(origin="a", destination="b", trains_per_week=70, consignment_teu=80,
                seasonality=season, routes={"northern_x": 1.0})
    counts = released_per_month(flow)
    first, second = sum(counts[:6]), sum(counts[6:])
    expected_first = 10 * 182  # 10 a day over Jan-Jun 2024 (182 days)
    assert first == pytest.approx(expected_first, rel=0.05)
    assert second / first == pytest.approx(3 * 184 / 182, rel=0.05)


def test_scheduled_releases_are_evenly_spaced():
    flow = Flow(origin="a", destination="b", trains_per_week=7, consignment_teu=80,
                arrivals="scheduled", routes={"northern_x": 1.0})
    counts = released_per_month(flow)
    # One a day at midnight, the first after one day (2 January) ...
    assert counts[0] == 30
    # ... and the last on 31 December: the one due at the horizon is not released.
    assert sum(counts) == 365


def fraction_closed(closure, seed: int = 1) -> tuple[float, ClosureState]:
    env = simpy.Environment()
    cal = Calendar(dt.date(2024, 1, 1), YEAR)
    state = ClosureState(env)
    streams = RandomStreams(seed, 0)
    start_closure(env, state, "c", closure, cal, streams)
    env.run(until=YEAR)
    return state.closed_hours(YEAR) / YEAR, state


def test_window_closure_closes_exactly_its_window():
    closure = WindowClosure(kind="window", at="x", start=dt.datetime(2024, 9, 12),
                            end=dt.datetime(2024, 9, 19))
    share, state = fraction_closed(closure)
    assert state.closed_hours(YEAR) == pytest.approx(7 * 24)
    assert share == pytest.approx(7 * 24 / YEAR)
    # Closed from its first hour to its last, open on either side.
    env = simpy.Environment()
    cal = Calendar(dt.date(2024, 1, 1), YEAR)
    state = ClosureState(env)
    start_closure(env, state, "works", closure, cal, RandomStreams(1, 0))
    opens, closes = (cal.hours_since_start(closure.start), cal.hours_since_start(closure.end))
    seen = {}
    for t in (opens - 0.5, opens + 0.5, closes - 0.5, closes + 0.5):
        env.run(until=t)
        seen[t] = state.closed
    assert list(seen.values()) == [False, True, True, False]


def test_seasonal_closures_close_about_their_expected_share():
    # 6 events a month of 2.5 days mean: at most 15 closed days a month, fewer where
    # events overlap (overlaps close once). Over a year, compare with an M/G/inf bound.
    closure = SeasonalClosure(kind="seasonal", at="x", events_per_month=[6.0] * 12,
                              duration={"dist": "exponential", "mean": "2.5d"})
    shares = [fraction_closed(closure, seed)[0] for seed in range(5)]
    mean_share = sum(shares) / len(shares)
    # Busy fraction of an M/G/inf system with load 6 x 2.5 / 30.5 = 0.49: 1 - exp(-0.49).
    assert mean_share == pytest.approx(1 - math.exp(-6 * 2.5 / 30.5), abs=0.04)


def test_no_closures_in_months_with_no_events():
    closure = SeasonalClosure(kind="seasonal", at="x",
                              events_per_month=[0.0] * 10 + [8.0, 8.0],
                              duration={"dist": "fixed", "value": "1d"})
    env = simpy.Environment()
    cal = Calendar(dt.date(2024, 1, 1), YEAR)
    state = ClosureState(env)
    start_closure(env, state, "c", closure, cal, RandomStreams(1, 0))
    november = cal.hours_since_start(dt.date(2024, 11, 1))
    env.run(until=november)
    assert state.closed_hours(november) == 0 and not state.closed
    env.run(until=YEAR)
    assert state.closed_hours(YEAR) > 5 * 24


def make_part(cid: int, teu: int) -> ConsignmentPart:
    c = Consignment(cid, "f", "middle_x", ("p", "q"), teu, 0.0, False, 0.0, 0.0)
    return ConsignmentPart.whole(c)


def test_train_formation_fills_trains_and_splits_the_part_that_overflows():
    env = simpy.Environment()
    trains = []
    yard = TrainFormationYard(env, TrainFormation(train_teu=80, max_consolidation_wait=48),
                              lambda t: trains.append((env.now, t)))
    path = ("p", "q")
    yard.add(make_part(1, 50), path)
    yard.add(make_part(2, 50), path)  # 100 TEU: one train of 80, 20 TEU left
    assert len(trains) == 1 and trains[0][1].teu == 80
    assert [p.teu for p in trains[0][1].parts] == [50, 30]
    env.run(until=100)
    # The remaining 20 TEU leave after the maximum wait, alone.
    assert len(trains) == 2 and trains[1][1].teu == 20 and trains[1][0] == 48


def test_train_formation_keeps_different_remaining_paths_apart():
    env = simpy.Environment()
    trains = []
    yard = TrainFormationYard(env, TrainFormation(train_teu=80, max_consolidation_wait=10),
                              lambda t: trains.append(t))
    yard.add(make_part(1, 60), ("p", "q"))
    yard.add(make_part(2, 60), ("p", "r"))
    env.run(until=20)
    assert sorted(t.path for t in trains) == [("p", "q"), ("p", "r")]
    assert all(t.teu == 60 for t in trains)
