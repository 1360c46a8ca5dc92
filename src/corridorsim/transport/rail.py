"""Rail legs: running time, stochastic delay, line capacity as a headway, closures."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from corridorsim.consignment import Train, charge
from corridorsim.disruptions import ClosureState
from corridorsim.records import Activity
from corridorsim.scenario.schema import RailLeg
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.streams import RandomStreams


class RailLine:
    """One directed rail leg. Trains enter no closer than ``24 / trains_per_day`` hours apart."""

    __slots__ = ("env", "name", "closure", "headway", "next_entry", "running", "delay",
                 "fixed_running")

    def __init__(self, env: simpy.Environment, name: str, config: RailLeg,
                 streams: RandomStreams, closure: ClosureState):
        self.env = env
        self.name = name
        self.closure = closure
        self.headway = 24.0 / config.trains_per_day if config.trains_per_day else None
        self.next_entry = 0.0
        self.fixed_running: float | None = None
        self.running: Sampler | None = None
        if config.speed_kmh is not None:
            self.fixed_running = config.distance_km / config.speed_kmh
        else:
            self.running = make_sampler(config.running_time, streams.get(f"{name}.running"))
        self.delay: Sampler | None = (make_sampler(config.delay, streams.get(f"{name}.delay"))
                                      if config.delay is not None else None)

    def traverse(self, train: Train) -> Generator[Any, Any, None]:
        env = self.env
        while self.closure.depth > 0:
            yield self.closure.reopened
            charge(train.parts, Activity.CLOSURE_HOLD, env.now)
        hours = self.fixed_running if self.fixed_running is not None else self.running()
        if self.delay is not None:
            hours += self.delay()
        if self.headway is not None:
            entry = max(env.now, self.next_entry)
            self.next_entry = entry + self.headway
            hours += entry - env.now
        if hours != 0.0:  # a zero-length leg (queueing-theory layouts) schedules nothing
            yield env.timeout(hours)
        charge(train.parts, Activity.RAIL_RUNNING, env.now)
