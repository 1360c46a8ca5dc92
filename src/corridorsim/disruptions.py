"""Closures of nodes and legs: dated windows and seasonal random events (Caspian storms).

While a closure is in force nothing starts service at the place it closes;
queues build and drain afterwards. Overlapping closures nest: the place reopens
when the last one ends.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy

from corridorsim.scenario.sections import SeasonalClosure, WindowClosure
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.streams import CLOSURE_DURATION, CLOSURE_STARTS, RandomStreams


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


Closable = ClosureState | WatchedClosure
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
