"""Origin and destination terminals: trains are loaded or unloaded on a few tracks."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from corridorsim.consignment import Train
from corridorsim.facilities.base import NodeFacility, ServicePoint
from corridorsim.records import Activity
from corridorsim.scenario.schema import Terminal
from corridorsim.sim.sampling import Sampler


class TerminalFacility(NodeFacility):
    """A hub: one service point of ``tracks`` servers doing ``handling_time`` per train."""

    kind = "terminal"

    def __init__(self, env: simpy.Environment, name: str, config: Terminal, warmup: float,
                 handling_time: Sampler):
        super().__init__(env, name, warmup)
        self.config = config
        self.handling_time = handling_time
        self.tracks = ServicePoint(env, f"{name}.tracks", config.tracks, self.stats,
                                   self.closure, opening=config.opening_hours,
                                   queue_activity=Activity.TERMINAL)
        self.service_points.append(self.tracks)

    def process_train(self, train: Train) -> Generator[Any, Any, None]:
        arrived = self.env.now
        waited = yield from self.tracks.serve(train, ((Activity.TERMINAL, self.handling_time()),))
        self.stats.count_train(arrived, train.teu, waited)

    receive_train = process_train
