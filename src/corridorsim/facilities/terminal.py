"""Origin and destination terminals: trains are loaded or unloaded on a few tracks."""

from __future__ import annotations

from corridorsim.consignment import Continuation, Train
from corridorsim.facilities.base import FacilitySetting, NodeFacility
from corridorsim.facilities.operations import rail_operations
from corridorsim.records import Activity
from corridorsim.scenario.distributions import Fixed
from corridorsim.scenario.sections import Terminal
from corridorsim.sim.sampling import Sampler


class TerminalFacility(NodeFacility):
    """A hub: one service point of ``tracks`` servers doing ``handling_time`` per train,
    and any railway operations: after loading at an origin, before unloading at a
    destination."""

    kind = "terminal"

    def __init__(self, setting: FacilitySetting, name: str, config: Terminal,
                 handling_time: Sampler):
        super().__init__(setting, name, config.country)
        self.handling_time = handling_time
        self.tracks = setting.service_point(
            f"{name}.tracks", config.tracks, self.stats, self.closure,
            opening=config.opening_hours, queue_activity=Activity.TERMINAL, place=self.place)
        self.service_points.append(self.tracks)
        self.slot = self.place + int(Activity.TERMINAL)
        operations = [op.handle for op in rail_operations(setting, self, config.operations,
                                                          setting.digitization)]
        self.stages = (self.handle, *operations)
        self.arrival_stages = (*operations, self.handle)
        self.fixed_steps = (((self.slot, config.handling_time.value),)
                            if isinstance(config.handling_time, Fixed) else None)
        """The service of every train when the handling time is fixed (no draw to make)."""

    def adopt(self, fresh: NodeFacility) -> None:
        """Take the tracks, handling time and operations' settings of ``fresh``."""
        assert isinstance(fresh, TerminalFacility)
        super().adopt(fresh)
        self.tracks.adopt(fresh.tracks)
        self.handling_time, self.fixed_steps = fresh.handling_time, fresh.fixed_steps

    def handle(self, train: Train, then: Continuation) -> None:
        """Load or unload the train on a track."""
        steps = self.fixed_steps
        if steps is None:
            steps = ((self.slot, self.handling_time()),)
        self.tracks.serve(train, steps, then)
