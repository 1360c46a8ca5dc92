"""Rail legs: running time, stochastic delay, line capacity as a headway, closures."""

from __future__ import annotations

import simpy

from corridorsim.consignment import Continuation, Train, charge
from corridorsim.disruptions import ClosureState
from corridorsim.records import Activity
from corridorsim.scenario.distributions import Fixed
from corridorsim.scenario.sections import RailLeg
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.scheduled_call import ScheduledCall
from corridorsim.sim.streams import LEG_DELAY, LEG_RUNNING, RandomStreams

RAIL_RUNNING = int(Activity.RAIL_RUNNING)


class RailLine:
    """One directed rail leg. Trains enter no closer than ``24 / trains_per_day`` hours apart."""

    __slots__ = ("env", "name", "closure", "headway", "next_entry", "running", "delay",
                 "fixed_running", "instant", "running_slot", "closure_slot")

    def __init__(self, env: simpy.Environment, name: str, config: RailLeg,
                 streams: RandomStreams, closure: ClosureState, place: int = 0):
        self.env = env
        self.running_slot = place + RAIL_RUNNING
        """The clock slot of hours on this leg (its country's offset + rail running)."""
        self.closure_slot = place + int(Activity.CLOSURE_HOLD)
        self.name = name
        self.closure = closure
        self.headway = 24.0 / config.trains_per_day if config.trains_per_day else None
        self.next_entry = 0.0
        self.fixed_running: float | None = None
        self.running: Sampler | None = None
        if config.speed_kmh is not None:
            self.fixed_running = config.distance_km / config.speed_kmh
        elif isinstance(config.running_time, Fixed):
            self.fixed_running = config.running_time.value
        else:
            self.running = make_sampler(config.running_time,
                                        streams.get(LEG_RUNNING.format(leg=name)))
        self.delay: Sampler | None = (
            make_sampler(config.delay, streams.get(LEG_DELAY.format(leg=name)))
            if config.delay is not None else None)
        self.instant = (self.fixed_running == 0.0 and self.delay is None
                        and self.headway is None)
        """A leg that takes no time (queueing-theory layouts): no event, no draw."""

    def adopt(self, fresh: RailLine) -> None:
        """Take the headway, running time and delay of ``fresh``, this leg built again
        from the configuration now in force (a dated change); trains on the line keep
        the times they were given, and the next entry keeps the old headway's spacing."""
        self.headway = fresh.headway
        self.fixed_running, self.running = fresh.fixed_running, fresh.running
        self.delay, self.instant = fresh.delay, fresh.instant

    def traverse(self, train: Train, then: Continuation) -> None:
        """Run ``train`` over the leg (after any closure of it), then call ``then``."""
        env = self.env
        if self.instant and not self.closure.closed:
            now = env.now
            slot = self.running_slot
            for part in train.parts:
                part.hours[slot] += now - part.mark
                part.mark = now
            then(train)
            return
        if self.closure.closed:
            def reopened() -> None:
                charge(train.parts, self.closure_slot, env.now)
                self.traverse(train, then)

            self.closure.when_open(reopened)
            return
        hours = (self.fixed_running if self.fixed_running is not None
                 else self.running())  # type: ignore[misc]  # one of the two is set
        if self.delay is not None:
            hours += self.delay()
        if self.headway is not None:
            entry = max(env.now, self.next_entry)
            self.next_entry = entry + self.headway
            hours += entry - env.now
        if hours != 0.0:  # a zero-length leg (queueing-theory layouts) schedules nothing
            ScheduledCall(env, hours, lambda _e: self._arrived(train, then))
            return
        self._arrived(train, then)

    def _arrived(self, train: Train, then: Continuation) -> None:
        charge(train.parts, self.running_slot, self.env.now)
        then(train)
