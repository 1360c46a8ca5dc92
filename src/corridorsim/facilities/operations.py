"""Railway operations at a node: interchange between railways, technical inspection,
locomotive change, marshalling. Each is a stage with its own servers and queue, and
its hours (the wait for it included) go to the activity of its kind, so the days a
train loses at a junction are named where they are lost instead of hidden in a leg's
delay. A train with electronic pre-arrival data may be handled faster (pre-planned
acceptance): ``digital_service_time``.
"""

from __future__ import annotations

from corridorsim.consignment import Continuation, Train
from corridorsim.disruptions import ClosureState
from corridorsim.facilities.base import (
    FacilitySetting,
    NodeFacility,
    NodeStatistics,
    ServicePoint,
    Stage,
)
from corridorsim.records import Activity
from corridorsim.scenario.sections import Operation, Station
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.streams import OPERATION_TIME

OPERATION_ACTIVITY = {
    "interchange": Activity.INTERCHANGE,
    "technical_inspection": Activity.TECHNICAL_INSPECTION,
    "locomotive_change": Activity.LOCOMOTIVE_CHANGE,
    "marshalling": Activity.MARSHALLING,
}
"""The activity each kind of operation is charged to."""


class RailOperation:
    """One operation at one node: its servers, and its times without and with
    electronic data."""

    __slots__ = ("point", "slot", "paper_time", "digital_time", "threshold")

    def __init__(self, setting: FacilitySetting, node: str, config: Operation,
                 stats: NodeStatistics, closure: ClosureState, place: int,
                 digitization: float):
        activity = OPERATION_ACTIVITY[config.kind]
        if config.country is not None:
            place = setting.places.offset(config.country)
        headway = 24.0 / config.trains_per_day if config.trains_per_day else None
        self.point: ServicePoint = setting.service_point(
            f"{node}.{config.kind}", config.servers, stats, closure, headway=headway,
            opening=config.opening_hours, queue_activity=activity, place=place)
        self.slot = place + int(activity)
        streams = setting.streams
        self.paper_time: Sampler = make_sampler(config.service_time, streams.get(
            OPERATION_TIME.format(node=node, operation=config.kind, regime="paper")))
        self.digital_time: Sampler | None = (
            make_sampler(config.digital_service_time, streams.get(
                OPERATION_TIME.format(node=node, operation=config.kind, regime="digital")))
            if config.digital_service_time is not None else None)
        self.threshold = 2.0 if digitization >= 1.0 else digitization
        """Trains whose data draw is below this carry electronic data (all at 1)."""

    def adopt(self, fresh: RailOperation) -> None:
        """Take the servers, headway, opening hours and times of ``fresh`` (built from the
        configuration now in force)."""
        self.point.adopt(fresh.point)
        self.paper_time, self.digital_time = fresh.paper_time, fresh.digital_time
        self.threshold = fresh.threshold

    def handle(self, train: Train, then: Continuation) -> None:
        """Handle the train (its time drawn now, by whether it carries electronic data)."""
        digital = self.digital_time
        hours = (digital() if digital is not None and train.data_draw < self.threshold
                 else self.paper_time())
        self.point.serve(train, ((self.slot, hours),), then)


def rail_operations(setting: FacilitySetting, node: NodeFacility,
                    operations: list[Operation], digitization: float) -> list[RailOperation]:
    """A node's operations, in the order listed, their servers among its service points."""
    built = [RailOperation(setting, node.name, op, node.stats, node.closure, node.place,
                           digitization) for op in operations]
    node.service_points.extend(op.point for op in built)
    node.operations = built
    return built


class StationFacility(NodeFacility):
    """An operational stop on a line: its operations in order, no customs."""

    kind = "station"

    def __init__(self, setting: FacilitySetting, name: str, config: Station):
        super().__init__(setting, name, config.country)
        operations = rail_operations(setting, self, config.operations, setting.digitization)
        stages: list[Stage] = [op.handle for op in operations]
        self.stages = tuple(stages)
