"""Origin and destination terminals: trains are loaded or unloaded on a few tracks."""

from __future__ import annotations

import simpy

from corridorsim.consignment import Continuation, Train
from corridorsim.facilities.base import NodeFacility, ServicePoint
from corridorsim.records import Activity, ObservationWindow
from corridorsim.scenario.distributions import Fixed
from corridorsim.scenario.sections import Terminal
from corridorsim.sim.sampling import Sampler


class TerminalFacility(NodeFacility):
    """A hub: one service point of ``tracks`` servers doing ``handling_time`` per train."""

    kind = "terminal"

    def __init__(self, env: simpy.Environment, name: str, config: Terminal,
                 window: ObservationWindow,
                 handling_time: Sampler):
        super().__init__(env, name, window)
        self.handling_time = handling_time
        self.tracks = ServicePoint(env, f"{name}.tracks", config.tracks, self.stats,
                                   self.closure, opening=config.opening_hours,
                                   queue_activity=Activity.TERMINAL)
        self.service_points.append(self.tracks)
        self.stages = (self.handle,)
        self.fixed_steps = (((Activity.TERMINAL, config.handling_time.value),)
                            if isinstance(config.handling_time, Fixed) else None)
        """The service of every train when the handling time is fixed (no draw to make)."""

    def handle(self, train: Train, then: Continuation) -> None:
        """Load or unload the train on a track."""
        steps = self.fixed_steps
        if steps is None:
            steps = ((Activity.TERMINAL, self.handling_time()),)
        self.tracks.serve(train, steps, then)
