"""Closures of nodes and legs (dated windows and seasonal random events: Caspian storms)
and outages of a stage's servers (breakdowns).

While a closure is in force nothing starts service at the place it closes; queues build
and drain afterwards. Overlapping closures nest: the place reopens when the last one
ends. A regional closure closes all its places with each event, so they share every
closed hour. An outage takes servers of one stage out of service and brings them back
after the repair; the stage (``OutOfService``) decides what happens to the services on
them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Sequence
from typing import Any, Protocol

import simpy

from corridorsim.scenario.sections import OutageClosure, SeasonalClosure, WindowClosure
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.streams import (
    CLOSURE_DURATION,
    CLOSURE_STARTS,
    OUTAGE_FAILURES,
    OUTAGE_REPAIR,
    RandomStreams,
)


class ClosureState:
    """Whether a node or leg is closed now, the event of its reopening, and closed hours.

    ``when_open`` is the one way to wait for a reopening for callbacks (service points,
    node holds, rail lines); a process (a vessel) yields ``reopened`` instead. Both wait
    on the same event, so they resume in the order they began to wait.
    """

    __slots__ = ("env", "depth", "closed", "reopened", "closed_since", "hours_closed",
                 "count_from")

    def __init__(self, env: simpy.Environment, count_from: float = 0.0):
        self.env = env
        self.depth = 0
        """Closures in force (they nest: the place reopens when the last one ends)."""
        self.closed = False
        """Whether any closure is in force (read on the hot path: a plain attribute)."""
        self.reopened = env.event()
        self.closed_since = 0.0
        self.hours_closed = 0.0
        self.count_from = count_from

    def close(self) -> None:
        """One more closure starts."""
        if self.depth == 0:
            self.closed_since = self.env.now
            self.closed = True
        self.depth += 1

    def reopen(self) -> None:
        """One closure ends; the place reopens when it was the last."""
        self.depth -= 1
        if self.depth == 0:
            self.closed = False
            self._count(self.env.now)
            event, self.reopened = self.reopened, self.env.event()
            event.succeed()

    def when_open(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when the place reopens (it is closed now)."""
        self.reopened.callbacks.append(lambda _event: callback())

    def _count(self, now: float) -> None:
        start = max(self.closed_since, self.count_from)
        if now > start:
            self.hours_closed += now - start

    def closed_hours(self, end: float) -> float:
        """Hours closed after ``count_from`` up to ``end``, including a closure still running."""
        extra = 0.0
        if self.depth > 0:
            start = max(self.closed_since, self.count_from)
            extra = max(0.0, end - start)
        return self.hours_closed + extra


class WatchedClosure:
    """A closure shippers react to: it closes the place and, beside it, the state they
    watch there, which only the closures they react to close (a storm at the same port
    closes the place but not what shippers watch)."""

    __slots__ = ("place", "watched")

    def __init__(self, place: ClosureState, watched: ClosureState):
        self.place = place
        self.watched = watched

    def close(self) -> None:
        """One more closure starts at the place, known to shippers."""
        self.place.close()
        self.watched.close()

    def reopen(self) -> None:
        """It ends."""
        self.place.reopen()
        self.watched.reopen()


class RegionalClosure:
    """Several places closed and reopened together by one closure's events (a storm over
    the Caspian shuts Aktau, Kuryk and Alat at once)."""

    __slots__ = ("places",)

    def __init__(self, places: Sequence[Closable]):
        self.places = tuple(places)

    def close(self) -> None:
        """One more closure starts at every place."""
        for place in self.places:
            place.close()

    def reopen(self) -> None:
        """It ends at every place."""
        for place in self.places:
            place.reopen()


Closable = ClosureState | WatchedClosure | RegionalClosure
"""What a closure process closes and reopens."""


def window_closure(env: simpy.Environment, state: Closable, start: float,
                   end: float) -> Generator[Any, Any, None]:
    """Close ``state`` from ``start`` to ``end`` (simulation hours)."""
    if end <= 0:
        return
    if start > env.now:
        yield env.timeout(start - env.now)
    state.close()
    yield env.timeout(end - env.now)
    state.reopen()


def seasonal_closures(env: simpy.Environment, state: Closable, closure: SeasonalClosure,
                      calendar: Calendar, rng: random.Random,
                      duration_rng: random.Random) -> Generator[Any, Any, None]:
    """Start closure events as a Poisson process whose rate changes by calendar month."""
    duration: Sampler = make_sampler(closure.duration, duration_rng)
    rates = closure.events_per_month
    while True:
        now = env.now
        month = calendar.month_at(now)
        month_end = calendar.next_month_start(now)
        month_hours = month_end - calendar.month_start(now)
        rate = rates[month - 1] / month_hours if month_hours > 0 else 0.0
        gap = rng.expovariate(rate) if rate > 0 else float("inf")
        if now + gap >= month_end:
            # Memoryless: restart the draw at the month boundary with the new rate.
            if month_end == float("inf"):
                return
            yield env.timeout(month_end - now)
            continue
        yield env.timeout(gap)
        env.process(_one_closure(env, state, duration()))


def _one_closure(env: simpy.Environment, state: Closable,
                 hours: float) -> Generator[Any, Any, None]:
    state.close()
    yield env.timeout(hours)
    state.reopen()


def start_closure(env: simpy.Environment, state: Closable, name: str,
                  closure: SeasonalClosure | WindowClosure, calendar: Calendar,
                  streams: RandomStreams) -> None:
    """Start the process that drives the closure called ``name``."""
    if isinstance(closure, WindowClosure):
        start = calendar.hours_since_start(closure.start)
        end = calendar.hours_since_start(closure.end)
        env.process(window_closure(env, state, max(start, 0.0), end))
    else:
        env.process(seasonal_closures(env, state, closure, calendar,
                                      streams.get(CLOSURE_STARTS.format(closure=name)),
                                      streams.get(CLOSURE_DURATION.format(closure=name))))


class OutOfService(Protocol):
    """A stage whose servers an outage takes out of service (``ServicePoint``)."""

    def take_out(self, servers: int, interrupts: bool) -> None:
        """``servers`` fail now; with ``interrupts`` the services on them pause."""

    def bring_back(self, servers: int) -> None:
        """``servers`` are repaired now."""


def random_outages(env: simpy.Environment, stage: OutOfService, servers: int,
                   interrupts: bool, up: Sampler,
                   repair: Sampler) -> Generator[Any, Any, None]:
    """Alternate up times and repairs from the start: the servers fail after each up time
    whether busy or idle (independent breakdowns), and are back after the repair."""
    while True:
        yield env.timeout(up())
        stage.take_out(servers, interrupts)
        yield env.timeout(repair())
        stage.bring_back(servers)


def window_outage(env: simpy.Environment, stage: OutOfService, servers: int, interrupts: bool,
                  start: float, end: float) -> Generator[Any, Any, None]:
    """Take ``servers`` out of service from ``start`` to ``end`` (simulation hours)."""
    if end <= 0:
        return
    if start > env.now:
        yield env.timeout(start - env.now)
    stage.take_out(servers, interrupts)
    yield env.timeout(end - env.now)
    stage.bring_back(servers)


def start_outage(env: simpy.Environment, stage: OutOfService, name: str,
                 outage: OutageClosure, calendar: Calendar, streams: RandomStreams) -> None:
    """Start the process that drives the outage called ``name``; random outages draw from
    their own streams (failures and repairs), so they shift no other draw."""
    if outage.start is not None and outage.end is not None:
        start = calendar.hours_since_start(outage.start)
        end = calendar.hours_since_start(outage.end)
        env.process(window_outage(env, stage, outage.servers, outage.interrupts,
                                  max(start, 0.0), end))
        return
    assert outage.time_between_failures is not None and outage.repair_time is not None
    up = make_sampler(outage.time_between_failures,
                      streams.get(OUTAGE_FAILURES.format(closure=name)))
    repair = make_sampler(outage.repair_time, streams.get(OUTAGE_REPAIR.format(closure=name)))
    env.process(random_outages(env, stage, outage.servers, outage.interrupts, up, repair))
