"""Closures of nodes and legs: dated windows and seasonal random events (Caspian storms).

While a closure is in force nothing starts service at the place it closes;
queues build and drain afterwards. Overlapping closures nest: the place reopens
when the last one ends.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import simpy

from corridorsim.scenario.schema import SeasonalClosure, WindowClosure
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.sampling import Sampler, make_sampler


class ClosureState:
    """Whether a node or leg is closed now, the event of its reopening, and closed hours."""

    __slots__ = ("env", "depth", "reopened", "closed_since", "hours_closed", "count_from")

    def __init__(self, env: simpy.Environment, count_from: float = 0.0):
        self.env = env
        self.depth = 0
        self.reopened = env.event()
        self.closed_since = 0.0
        self.hours_closed = 0.0
        self.count_from = count_from

    @property
    def closed(self) -> bool:
        return self.depth > 0

    def close(self) -> None:
        if self.depth == 0:
            self.closed_since = self.env.now
        self.depth += 1

    def reopen(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            self._count(self.env.now)
            event, self.reopened = self.reopened, self.env.event()
            event.succeed()

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


def window_closure(env: simpy.Environment, state: ClosureState, start: float,
                   end: float) -> Generator[Any, Any, None]:
    """Close ``state`` from ``start`` to ``end`` (simulation hours)."""
    if end <= 0:
        return
    if start > env.now:
        yield env.timeout(start - env.now)
    state.close()
    yield env.timeout(end - env.now)
    state.reopen()


def seasonal_closures(env: simpy.Environment, state: ClosureState, closure: SeasonalClosure,
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


def _one_closure(env: simpy.Environment, state: ClosureState,
                 hours: float) -> Generator[Any, Any, None]:
    state.close()
    yield env.timeout(hours)
    state.reopen()


def start_closure(env: simpy.Environment, state: ClosureState,
                  closure: SeasonalClosure | WindowClosure, calendar: Calendar,
                  rng: random.Random, duration_rng: random.Random) -> None:
    """Start the process that drives one configured closure."""
    if isinstance(closure, WindowClosure):
        start = calendar.hours_since_start(closure.start)
        end = calendar.hours_since_start(closure.end)
        env.process(window_closure(env, state, max(start, 0.0), end))
    else:
        env.process(seasonal_closures(env, state, closure, calendar, rng, duration_rng))
