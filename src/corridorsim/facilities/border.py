"""Border crossings: exit customs, gauge change, entry customs (or one joint control).

A train is checked in the ``digital`` regime (electronic pre-arrival data) where the
node's ``digitization`` share exceeds its consignment's draw (``Train.data_draw``), so a
train with data at one check has it at every check at least as digitized; ``paper``
otherwise. Then a physical inspection with the regime's probability. A ``pre_arrival``
check of a digital train runs while it travels from the previous node: it waits here
only for what is left. Ports reuse ``CustomsPoint`` for their own checks. Railway
operations (``operations.py``) slot in between the steps of a crossing.
"""

from __future__ import annotations

import random

from corridorsim.consignment import Continuation, Train
from corridorsim.disruptions import ClosureState
from corridorsim.facilities.base import (
    FacilitySetting,
    NodeFacility,
    NodeStatistics,
    ServicePoint,
    Stage,
)
from corridorsim.facilities.operations import RailOperation, rail_operations
from corridorsim.records import Activity
from corridorsim.scenario.sections import (
    Border,
    Customs,
    CustomsCheck,
    CustomsRegime,
    CustomsRegimePatch,
    OpeningHours,
)
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.streams import (
    CUSTOMS_DOCUMENT_CHECK,
    CUSTOMS_INSPECTION,
    CUSTOMS_INSPECTION_TIME,
    GAUGE_CHANGE,
    RandomStreams,
)

CUSTOMS = int(Activity.CUSTOMS)
INSPECTION = int(Activity.INSPECTION)


def effective_regime(default: CustomsRegime, patch: CustomsRegimePatch | None) -> CustomsRegime:
    """The scenario-wide regime with the keys a check overrides replaced."""
    if patch is None:
        return default
    update = {k: v for k, v in patch if v is not None}
    return default.model_copy(update=update)


class RegimeTimes:
    """Samplers of one regime at one check."""

    __slots__ = ("document_check", "inspection_probability", "inspection_time")

    def __init__(self, regime: CustomsRegime, streams: RandomStreams, check: str,
                 kind: str):
        self.document_check: Sampler = make_sampler(
            regime.document_check,
            streams.get(CUSTOMS_DOCUMENT_CHECK.format(check=check, regime=kind)))
        self.inspection_probability = regime.inspection_probability
        self.inspection_time: Sampler = make_sampler(
            regime.inspection_time,
            streams.get(CUSTOMS_INSPECTION_TIME.format(check=check, regime=kind)))


class CustomsPoint:
    """One customs check (lanes and two regimes) at a node."""

    def __init__(self, setting: FacilitySetting, name: str, check: CustomsCheck,
                 digitization: float, stats: NodeStatistics, closure: ClosureState,
                 opening: OpeningHours | None, queue_activity: Activity, place: int):
        regimes, streams = setting.regimes, setting.streams
        self.env = setting.env
        self.name = name
        self.digitization = digitization
        self.threshold = data_threshold(digitization)
        self.pre_arrival = check.pre_arrival
        self.lanes = setting.service_point(name, check.lanes, stats, closure, opening=opening,
                                           queue_activity=queue_activity, place=place)
        self.customs = place + CUSTOMS
        self.inspection = place + INSPECTION
        self.paper = RegimeTimes(effective_regime(regimes.paper, check.paper), streams,
                                 name, "paper")
        self.digital = RegimeTimes(effective_regime(regimes.digital, check.digital), streams,
                                   name, "digital")
        self.inspection_draw: random.Random = streams.get(
            CUSTOMS_INSPECTION.format(check=name))
        self.inspections = any(r.inspection_probability > 0 for r in (self.paper, self.digital)
                               if (r is self.paper and digitization < 1.0)
                               or (r is self.digital and digitization > 0.0))
        """Whether any train can be inspected here (else the draw is not made: each draw
        has its own stream, so skipping it changes nothing else)."""

    def adopt(self, fresh: CustomsPoint) -> None:
        """Take the lanes, regimes and digitization of ``fresh`` (built from the
        configuration now in force): each train is checked in the regime in force when
        its check starts."""
        self.lanes.adopt(fresh.lanes)
        self.digitization, self.threshold = fresh.digitization, fresh.threshold
        self.pre_arrival = fresh.pre_arrival
        self.paper, self.digital = fresh.paper, fresh.digital
        self.inspections = fresh.inspections

    def clear(self, train: Train, then: Continuation) -> None:
        """Check one train (its times drawn now), then call ``then``."""
        digital = train.data_draw < self.threshold
        regime = self.digital if digital else self.paper
        hours = regime.document_check()
        if digital and self.pre_arrival:
            hours -= self.env.now - train.left_at  # checked while it travelled
            if hours < 0.0:
                hours = 0.0
        inspected = (self.inspections
                     and self.inspection_draw.random() < regime.inspection_probability)
        if inspected:
            steps: tuple[tuple[int, float], ...] = ((self.customs, hours),
                                                    (self.inspection, regime.inspection_time()))
        elif hours == 0.0 and digital and self.pre_arrival:
            then(train)  # released before it arrived: it does not stop
            return
        else:
            steps = ((self.customs, hours),)
        self.lanes.serve(train, steps, then)


def data_threshold(digitization: float) -> float:
    """The draw below which a train carries electronic data where the digitized share is
    ``digitization``: every train at 1, none at 0, whatever its draw."""
    return 2.0 if digitization >= 1.0 else -1.0 if digitization <= 0.0 else digitization


def adopt_checks(check: CustomsPoint | None, fresh: CustomsPoint | None) -> None:
    """``check`` takes the settings of ``fresh`` (a node has a check before and after a
    change, or neither)."""
    if check is not None and fresh is not None:
        check.adopt(fresh)


def customs_points(setting: FacilitySetting, node: str, customs: Customs | None,
                   stats: NodeStatistics, closure: ClosureState,
                   opening: OpeningHours | None, queue_activity: Activity,
                   place: int, exit_place: int | None = None
                   ) -> tuple[CustomsPoint | None, CustomsPoint | None]:
    """The (exit, entry) checks of a node; with joint control only one of them runs.
    The exit check's hours go to ``exit_place`` (the country left), if given."""
    if customs is None:
        return None, None
    digitization = (customs.digitization if customs.digitization is not None
                    else setting.digitization)

    def build(which: str, check: CustomsCheck | None, at: int) -> CustomsPoint | None:
        if check is None:
            return None
        return CustomsPoint(setting, f"{node}.{which}_customs", check, digitization, stats,
                            closure, opening, queue_activity, at)

    exit_at = exit_place if exit_place is not None else place
    if customs.joint_control:
        if customs.entry is not None:
            return None, build("joint", customs.entry, place)
        return build("joint", customs.exit, exit_at), None
    return build("exit", customs.exit, exit_at), build("entry", customs.entry, place)


class BorderFacility(NodeFacility):
    """A rail border: exit check -> gauge change -> entry check, each with its own queue,
    and railway operations placed after any of these steps (or on arrival)."""

    kind = "border"

    def __init__(self, setting: FacilitySetting, name: str, config: Border):
        super().__init__(setting, name, config.country)
        exit_place = (setting.places.offset(config.exit_country)
                      if config.exit_country is not None else None)
        self.exit, self.entry = customs_points(
            setting, name, config.customs, self.stats, self.closure, config.opening_hours,
            Activity.BORDER_QUEUE, self.place, exit_place)
        self.gauge: ServicePoint | None = None
        self.gauge_time: Sampler | None = None
        self.gauge_slot = self.place + int(Activity.GAUGE_CHANGE)
        if config.gauge_change is not None:
            gc = config.gauge_change
            headway = 24.0 / gc.trains_per_day if gc.trains_per_day else None
            place = (setting.places.offset(gc.country) if gc.country is not None
                     else self.place)
            self.gauge_slot = place + int(Activity.GAUGE_CHANGE)
            self.gauge = setting.service_point(
                f"{name}.gauge_change", gc.tracks, self.stats, self.closure,
                headway=headway, opening=config.opening_hours, place=place)
            self.gauge_time = make_sampler(
                gc.service_time, setting.streams.get(GAUGE_CHANGE.format(node=name)))
        digitization = (config.customs.digitization if config.customs is not None
                        and config.customs.digitization is not None
                        else setting.digitization)
        operations = rail_operations(setting, self, config.operations, digitization)
        placed: dict[str, list[RailOperation]] = {}
        for op_config, op in zip(config.operations, operations, strict=True):
            placed.setdefault(op_config.after or "entry_check", []).append(op)
        self.service_points = []  # rebuilt in stage order (the rows of nodes.csv)
        stages: list[Stage] = []

        def operations_after(step: str) -> None:
            for op in placed.get(step, ()):
                self.service_points.append(op.point)
                stages.append(op.handle)

        operations_after("arrival")
        steps: tuple[tuple[str, CustomsPoint | ServicePoint | None], ...] = (
            ("exit_check", self.exit), ("gauge_change", self.gauge),
            ("entry_check", self.entry))
        for step, point in steps:
            if isinstance(point, CustomsPoint):
                self.service_points.append(point.lanes)
                stages.append(point.clear)
            elif point is not None:
                self.service_points.append(point)
                stages.append(self.change_gauge)
            operations_after(step)
        if stages:
            self.stages = tuple(stages)

    def adopt(self, fresh: NodeFacility) -> None:
        """Take the checks', gauge change's and operations' settings of ``fresh``."""
        assert isinstance(fresh, BorderFacility)
        super().adopt(fresh)
        adopt_checks(self.exit, fresh.exit)
        adopt_checks(self.entry, fresh.entry)
        if self.gauge is not None and fresh.gauge is not None:
            self.gauge.adopt(fresh.gauge)
            self.gauge_time = fresh.gauge_time

    def change_gauge(self, train: Train, then: Continuation) -> None:
        """Transship or re-bogie the train (draws its time now)."""
        assert self.gauge is not None and self.gauge_time is not None
        self.gauge.serve(train, ((self.gauge_slot, self.gauge_time()),), then)
