"""Origin and destination terminals: trains are loaded or unloaded on a few tracks."""

from __future__ import annotations

import simpy

from corridorsim.consignment import Continuation, Train
from corridorsim.facilities.base import NodeFacility, ServicePoint
from corridorsim.records import Activity, ObservationWindow
from corridorsim.scenario.schema import Terminal
from corridorsim.sim.sampling import Sampler


class TerminalFacility(NodeFacility):
    """A hub: one service point of ``tracks`` servers doing ``handling_time`` per train."""

    kind = "terminal"

    def __init__(self, env: simpy.Environment, name: str, config: Terminal,
                 window: ObservationWindow,
                 handling_time: Sampler):
        super().__init__(env, name, window)
        self.config = config
        self.handling_time = handling_time
        self.tracks = ServicePoint(env, f"{name}.tracks", config.tracks, self.stats,
                                   self.closure, opening=config.opening_hours,
                                   queue_activity=Activity.TERMINAL)
        self.service_points.append(self.tracks)
        self.stations = (self.handle,)

    def handle(self, train: Train, then: Continuation) -> None:
        """Load or unload the train on a track."""
        self.tracks.serve(train, ((Activity.TERMINAL, self.handling_time()),), then)
