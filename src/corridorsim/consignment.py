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

from corridorsim.records import N_ACTIVITIES, Activity


class Consignment:
    """A booking: flow, route, size, release time, and (once known) delivery time.

    ``background`` consignments load the network but are not reported (a background flow,
    unless it says ``report: true``)."""

    __slots__ = ("id", "flow", "route", "path", "teu", "released_at", "background",
                 "teu_outstanding", "delivered_at", "activity_hours", "cost_fixed_usd_per_teu",
                 "co2_kg_per_teu")

    def __init__(self, cid: int, flow: str, route: str, path: tuple[str, ...], teu: int,
                 released_at: float, background: bool, cost_fixed_usd_per_teu: float,
                 co2_kg_per_teu: float):
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


class ConsignmentPart:
    """Some TEU of one consignment moving together, with its own activity clock."""

    __slots__ = ("consignment", "teu", "hours", "mark", "cleared_for")

    def __init__(self, consignment: Consignment, teu: int, hours: list[float], mark: float,
                 cleared_for: str | None = None):
        self.consignment = consignment
        self.teu = teu
        self.hours = hours
        self.mark = mark
        self.cleared_for = cleared_for
        """The port whose entry check this part has already passed (a joint control at
        the departure port), or None."""

    @classmethod
    def whole(cls, consignment: Consignment) -> ConsignmentPart:
        """The whole consignment as one part, its clock starting at the release."""
        return cls(consignment, consignment.teu, [0.0] * N_ACTIVITIES, consignment.released_at)

    def split(self, teu: int) -> ConsignmentPart:
        """Detach ``teu`` TEU as a new part with a copy of this part's clock."""
        if not 0 < teu < self.teu:
            raise ValueError(f"cannot split {teu} TEU from a part of {self.teu}")
        self.teu -= teu
        return ConsignmentPart(self.consignment, teu, list(self.hours), self.mark,
                               self.cleared_for)


def charge(parts: Iterable[ConsignmentPart], activity: Activity, now: float) -> None:
    """Charge the time since each part's last mark to ``activity``."""
    a = int(activity)
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
                 "stage", "after_visit")

    def __init__(self, parts: list[ConsignmentPart], path: tuple[str, ...], index: int = 0):
        self.parts = parts
        self.teu = sum(p.teu for p in parts)
        self.path = path
        self.index = index
        """Position on ``path`` of the node the train is at (or left last)."""
        self.itinerary: tuple[Any, ...] = ()
        """The facilities and lines of ``path`` (set by the journey that moves it)."""
        self.visit_started = 0.0
        self.waited = 0.0
        self.stage = 0
        self.after_visit: Callable[[Train], None] = _outside_a_visit


Continuation = Callable[[Train], None]
"""What a train does next, called when a facility or a line is done with it."""


def _outside_a_visit(train: Train) -> None:
    raise RuntimeError("a train was handed on outside a node visit")
