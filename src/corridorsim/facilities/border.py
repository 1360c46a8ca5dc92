"""Border crossings: exit customs, gauge change, entry customs (or one joint control).

Customs checks draw a documentary regime per train: ``digital`` (electronic
pre-arrival data) with probability ``digitization``, ``paper`` otherwise; then
a physical inspection with the regime's probability. Ports reuse ``CustomsCheck``
for their own exit and entry checks.
"""

from __future__ import annotations

import random

import simpy

from corridorsim.consignment import Continuation, Train
from corridorsim.disruptions import ClosureState
from corridorsim.facilities.base import NodeFacility, NodeStatistics, ServicePoint, Stage
from corridorsim.records import Activity, ObservationWindow
from corridorsim.scenario.sections import (
    Border,
    Customs,
    CustomsCheck,
    CustomsRegime,
    CustomsRegimePatch,
    CustomsRegimes,
    OpeningHours,
)
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.streams import (
    CUSTOMS_DOCUMENT_CHECK,
    CUSTOMS_INSPECTION,
    CUSTOMS_INSPECTION_TIME,
    CUSTOMS_REGIME,
    GAUGE_CHANGE,
    RandomStreams,
)

CUSTOMS = Activity.CUSTOMS
INSPECTION = Activity.INSPECTION


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

    def __init__(self, env: simpy.Environment, name: str, check: CustomsCheck,
                 regimes: CustomsRegimes, digitization: float, streams: RandomStreams,
                 stats: NodeStatistics, closure: ClosureState,
                 opening: OpeningHours | None, queue_activity: Activity):
        self.name = name
        self.digitization = digitization
        self.lanes = ServicePoint(env, name, check.lanes, stats, closure, opening=opening,
                                  queue_activity=queue_activity)
        self.paper = RegimeTimes(effective_regime(regimes.paper, check.paper), streams,
                                 name, "paper")
        self.digital = RegimeTimes(effective_regime(regimes.digital, check.digital), streams,
                                   name, "digital")
        self.regime_draw: random.Random = streams.get(CUSTOMS_REGIME.format(check=name))
        self.inspection_draw: random.Random = streams.get(
            CUSTOMS_INSPECTION.format(check=name))
        self.regime: RegimeTimes | None = (self.paper if digitization <= 0.0 else
                                           self.digital if digitization >= 1.0 else None)
        """The only regime that can occur, or None when it is drawn per train."""
        possible = [self.regime] if self.regime is not None else [self.paper, self.digital]
        self.inspections = any(r.inspection_probability > 0 for r in possible)

    def steps(self) -> tuple[tuple[Activity, float], ...]:
        """Draw the regime, document check and inspection of one train.

        A draw whose outcome is certain (digitization 0 or 1, no inspections in the
        regimes that can occur) is not made: each of these draws has its own stream, so
        skipping it changes nothing else.
        """
        regime = self.regime
        if regime is None:
            regime = self.digital if self.regime_draw.random() < self.digitization else self.paper
        check = (CUSTOMS, regime.document_check())
        if self.inspections and self.inspection_draw.random() < regime.inspection_probability:
            return check, (INSPECTION, regime.inspection_time())
        return (check,)

    def clear(self, train: Train, then: Continuation) -> None:
        """Check one train (draws its regime and times now), then call ``then``."""
        self.lanes.serve(train, self.steps(), then)


def customs_points(env: simpy.Environment, node: str, customs: Customs | None,
                   regimes: CustomsRegimes, default_digitization: float,
                   streams: RandomStreams, stats: NodeStatistics, closure: ClosureState,
                   opening: OpeningHours | None, queue_activity: Activity
                   ) -> tuple[CustomsPoint | None, CustomsPoint | None]:
    """The (exit, entry) checks of a node; with joint control only one of them runs."""
    if customs is None:
        return None, None
    digitization = (customs.digitization if customs.digitization is not None
                    else default_digitization)

    def build(which: str, check: CustomsCheck | None) -> CustomsPoint | None:
        if check is None:
            return None
        return CustomsPoint(env, f"{node}.{which}_customs", check, regimes, digitization,
                            streams, stats, closure, opening, queue_activity)

    if customs.joint_control:
        if customs.entry is not None:
            return None, build("joint", customs.entry)
        return build("joint", customs.exit), None
    return build("exit", customs.exit), build("entry", customs.entry)


class BorderFacility(NodeFacility):
    """A rail border: exit check -> gauge change -> entry check, each with its own queue."""

    kind = "border"

    def __init__(self, env: simpy.Environment, name: str, config: Border,
                 window: ObservationWindow,
                 regimes: CustomsRegimes, digitization: float, streams: RandomStreams):
        super().__init__(env, name, window)
        self.exit, self.entry = customs_points(
            env, name, config.customs, regimes, digitization, streams, self.stats,
            self.closure, config.opening_hours, Activity.BORDER_QUEUE)
        self.gauge: ServicePoint | None = None
        self.gauge_time: Sampler | None = None
        if config.gauge_change is not None:
            gc = config.gauge_change
            headway = 24.0 / gc.trains_per_day if gc.trains_per_day else None
            self.gauge = ServicePoint(env, f"{name}.gauge_change", gc.tracks, self.stats,
                                      self.closure, headway=headway,
                                      opening=config.opening_hours)
            self.gauge_time = make_sampler(gc.service_time,
                                           streams.get(GAUGE_CHANGE.format(node=name)))
        stages: list[Stage] = []
        for point in (self.exit, self.gauge, self.entry):
            if isinstance(point, CustomsPoint):
                self.service_points.append(point.lanes)
                stages.append(point.clear)
            elif point is not None:
                self.service_points.append(point)
                stages.append(self.change_gauge)
        if stages:
            self.stages = tuple(stages)

    def change_gauge(self, train: Train, then: Continuation) -> None:
        """Transship or re-bogie the train (draws its time now)."""
        assert self.gauge is not None and self.gauge_time is not None
        self.gauge.serve(train, ((Activity.GAUGE_CHANGE, self.gauge_time()),), then)
