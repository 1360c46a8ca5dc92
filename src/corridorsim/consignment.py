"""Consignments, the parts they split into, and the trains that carry them.

A consignment is what a customer books (usually one block train). It travels as
one or more parts: a vessel with less room than a consignment takes part of it,
and ports consolidate parts of several consignments into outbound trains. Each
part carries its own activity clock; the consignment is delivered when its last
TEU arrives, and its time split is that of the part that arrived last (the
critical path), so the activities always add up to the transit time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from corridorsim.emissions import RouteEmissions
from corridorsim.records import N_ACTIVITIES


class Consignment:
    """A booking: flow, route, size, release time, and (once known) delivery time.

    ``background`` consignments load the network but are not reported (a background flow,
    unless it says ``report: true``)."""

    __slots__ = ("id", "flow", "route", "path", "teu", "released_at", "background",
                 "teu_outstanding", "delivered_at", "activity_hours", "cost_fixed_usd_per_teu",
                 "co2_kg_per_teu", "priority", "data_draw", "visits",
                 "expected_cost_usd_per_teu", "co2e", "cost_components")

    def __init__(self, cid: int, flow: str, route: str, path: tuple[str, ...], teu: int,
                 released_at: float, background: bool, cost_fixed_usd_per_teu: float,
                 co2_kg_per_teu: float, priority: int = 0, data_draw: float = 0.5,
                 co2e: RouteEmissions | None = None,
                 cost_components: tuple[float, ...] = ()):
        self.id = cid
        self.flow = flow
        self.route = route
        self.path = path
        self.teu = teu
        self.released_at = released_at
        self.background = background
        self.teu_outstanding = teu
        self.delivered_at: float | None = None
        self.activity_hours: list[float] | None = None
        self.cost_fixed_usd_per_teu = cost_fixed_usd_per_teu
        self.co2_kg_per_teu = co2_kg_per_teu
        self.co2e = co2e
        """WTW and TTW kg CO2e per TEU by ISO 14083 / GLEC, under ``costs.emissions``."""
        self.priority = priority
        """Its flow's priority class at shared queues."""
        self.data_draw = data_draw
        """Uniform draw: its trains carry electronic pre-arrival data wherever the share
        of digitized trains exceeds it."""
        self.visits: list[Visit] | None = None
        """The node visits of the part that arrived last (when visits are traced)."""
        self.expected_cost_usd_per_teu: float | None = None
        """The logsum its shipper chose by (USD per TEU), where its flow chooses."""
        self.cost_components = cost_components
        """``cost_fixed_usd_per_teu`` by component (``network.FIXED_COST_COMPONENTS``
        order; empty where no breakdown is known)."""


class Visit:
    """A part's stop at a node: arrival, departure, and its clock on arrival (to tell
    the hours spent here by activity), when stops are traced."""

    __slots__ = ("node", "arrived", "departed", "clock", "clock_out")

    def __init__(self, node: str, arrived: float, clock: list[float] | None):
        self.node = node
        self.arrived = arrived
        self.departed: float | None = None
        self.clock = clock
        self.clock_out: list[float] | None = None


class VisitLog:
    """Opens and closes the node visits of parts, in a run that traces them (for
    segment times, and with ``clocks`` for ``stops.csv``: each visit keeps the part's
    clock on arrival and departure, whose difference is the hours spent there)."""

    __slots__ = ("clocks",)

    def __init__(self, clocks: bool):
        self.clocks = clocks

    def arrive(self, parts: Iterable[ConsignmentPart], node: str, now: float) -> None:
        """``parts`` reach ``node`` at ``now``."""
        clocks = self.clocks
        for part in parts:
            part.visits.append(  # type: ignore[union-attr]  # traced parts have visits
                Visit(node, now, list(part.hours) if clocks else None))

    def depart(self, parts: Iterable[ConsignmentPart], now: float) -> None:
        """``parts`` leave the node they are at (or are delivered there) at ``now``."""
        clocks = self.clocks
        for part in parts:
            visit = part.visits[-1]  # type: ignore[index]
            visit.departed = now
            if clocks:
                visit.clock_out = list(part.hours)


class ConsignmentPart:
    """Some TEU of one consignment moving together, with its own activity clock."""

    __slots__ = ("consignment", "teu", "hours", "mark", "cleared_for", "visits")

    def __init__(self, consignment: Consignment, teu: int, hours: list[float], mark: float,
                 cleared_for: str | None = None, visits: list[Visit] | None = None):
        self.consignment = consignment
        self.teu = teu
        self.hours = hours
        """Hours by (place, activity) slot: see ``records.Places``."""
        self.mark = mark
        self.cleared_for = cleared_for
        """The port whose entry check this part has already passed (a joint control at
        the departure port), or None."""
        self.visits = visits
        """Its node visits so far, when the run traces them (segments, stops), or None."""

    @classmethod
    def whole(cls, consignment: Consignment, slots: int = N_ACTIVITIES,
              traced: bool = False) -> ConsignmentPart:
        """The whole consignment as one part, its clock starting at the release."""
        return cls(consignment, consignment.teu, [0.0] * slots, consignment.released_at,
                   None, [] if traced else None)

    def split(self, teu: int) -> ConsignmentPart:
        """Detach ``teu`` TEU as a new part with a copy of this part's clock (and of its
        visits: the one under way is copied, since its departure is still to come)."""
        if not 0 < teu < self.teu:
            raise ValueError(f"cannot split {teu} TEU from a part of {self.teu}")
        self.teu -= teu
        visits = self.visits
        if visits is not None:
            visits = list(visits)
            if visits and visits[-1].departed is None:
                last = visits[-1]
                copy = Visit(last.node, last.arrived, last.clock)
                visits[-1] = copy
        return ConsignmentPart(self.consignment, teu, list(self.hours), self.mark,
                               self.cleared_for, visits)


def charge(parts: Iterable[ConsignmentPart], slot: int, now: float) -> None:
    """Charge the time since each part's last mark to clock ``slot`` (a place's offset
    plus an ``Activity``)."""
    a = int(slot)
    for part in parts:
        part.hours[a] += now - part.mark
        part.mark = now


class Train:
    """A train: parts that share the same remaining path, and where it is on that path.

    While a node handles the train it also carries that visit's bookkeeping: when it
    arrived, the hours it waited for servers, the node's stage it is at, and what to do
    when the node is done with it.
    """

    __slots__ = ("parts", "teu", "path", "index", "itinerary", "visit_started", "waited",
                 "stage", "stages", "after_visit", "priority", "data_draw", "left_at")

    def __init__(self, parts: list[ConsignmentPart], path: tuple[str, ...], index: int = 0,
                 left_at: float = 0.0):
        self.parts = parts
        self.teu = sum(p.teu for p in parts)
        self.path = path
        self.index = index
        """Position on ``path`` of the node the train is at (or left last)."""
        first = parts[0].consignment
        self.priority = (first.priority if len(parts) == 1
                         else max(p.consignment.priority for p in parts))
        """Its class at shared queues: the highest of its cargo's."""
        self.data_draw = first.data_draw
        """Whether it carries electronic data where digitization is ``d``: ``data_draw
        < d`` (its first consignment's draw: the data of a train travel with it)."""
        self.left_at = left_at
        """When it left the previous node (a pre-arrival check runs from then on)."""
        self.itinerary: tuple[Any, ...] = ()
        """The facilities and lines of ``path`` (set by the journey that moves it)."""
        self.visit_started = 0.0
        self.waited = 0.0
        self.stage = 0
        self.stages: tuple[Any, ...] = ()
        """The stages of the node visit under way."""
        self.after_visit: Callable[[Train], None] = _outside_a_visit


Continuation = Callable[[Train], None]
"""What a train does next, called when a facility or a line is done with it."""


def _outside_a_visit(train: Train) -> None:
    raise RuntimeError("a train was handed on outside a node visit")
