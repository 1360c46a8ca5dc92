"""Demand flows: consignments released at their origin, by Poisson process or timetable,
with monthly seasonality and yearly growth, on a route drawn by fixed shares or chosen
by shippers (``route_choice.py``)."""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Sequence
from typing import Any

import simpy

from corridorsim.route_choice import MAX_VOLUME_FACTOR, FlowChoice
from corridorsim.scenario.sections import Flow
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.streams import FLOW_ARRIVALS, FLOW_ROUTE, FLOW_SIZE, RandomStreams

HOURS_PER_WEEK = 168.0

Release = Callable[[str, Flow, str, int, float | None], None]
"""Receives each new consignment: flow name, flow, route, TEU, and the expected cost per
TEU its shipper chose by (None for a flow with fixed shares)."""


class FlowReleases:
    """Releases one flow's consignments: when, how big, and on which route.

    A choosing flow's route is its shippers' choice (``choice``); a cost-responsive one
    draws candidates at ``MAX_VOLUME_FACTOR`` times its rate and sends those the choice
    accepts, so its volume follows its expected cost.

    A flow changed by dated changes (``changes``: its configuration from each hour on)
    takes each at its hour: the rate is piecewise constant between month starts and
    those hours, and a Poisson flow draws afresh at each boundary (memoryless), so the
    releases stay an exact non-homogeneous Poisson process."""

    def __init__(self, env: simpy.Environment, name: str, flow: Flow, calendar: Calendar,
                 streams: RandomStreams, release: Release, choice: FlowChoice | None = None,
                 changes: Sequence[tuple[float, Flow]] = ()):
        self.env = env
        self.name = name
        self.calendar = calendar
        self.release = release
        self.arrivals: random.Random = streams.get(FLOW_ARRIVALS.format(flow=name))
        self.sizes: random.Random = streams.get(FLOW_SIZE.format(flow=name))
        self.route_draw: random.Random = streams.get(FLOW_ROUTE.format(flow=name))
        self.choice = choice
        self.changes = list(changes)
        """The flow's configurations still to come, each from its hour."""
        self.adopt(flow)

    def adopt(self, flow: Flow) -> None:
        """Release by ``flow`` from now: its rate, seasonality and route shares."""
        self.flow = flow
        choice = self.choice
        self.route_names = list(flow.routes or ())
        cumulative, total = [], 0.0
        for share in (flow.routes or {}).values():
            total += share
            cumulative.append(total)
        self.cumulative = cumulative
        self.responsive = choice is not None and flow.volume_response_per_usd is not None
        self.thinned = self.responsive and flow.arrivals == "poisson"
        """Poisson candidates at the largest rate, thinned; a timetable is respaced."""
        self.base_rate = flow.consignments_per_week / HOURS_PER_WEEK * (
            MAX_VOLUME_FACTOR if self.thinned else 1.0)

    def _follow_changes(self, now: float) -> float:
        """Adopt the configurations due by ``now``; the hour of the next, or infinity."""
        changes = self.changes
        while changes and changes[0][0] <= now + 1e-9:  # reached by a timeout, rounded
            self.adopt(changes.pop(0)[1])
        return changes[0][0] if changes else float("inf")

    def rate_at(self, t: float) -> float:
        """Consignments per hour at time ``t``: constant within a calendar month, so that
        the release loop below draws an exact Poisson process month by month."""
        season = self.flow.seasonality
        rate = self.base_rate * (season[self.calendar.month_at(t) - 1] if season else 1.0)
        growth = self.flow.growth_per_year
        if growth:  # a step each 1 January (a month boundary): the rate stays constant
            rate *= (1.0 + growth) ** self.calendar.years_since_start(t)
        return rate

    def size(self) -> int:
        """The size of the next consignment in TEU."""
        size = self.flow.consignment_teu
        if isinstance(size, int):
            return size
        return self.sizes.randint(size.low, size.high)

    def route(self) -> str:
        """The route of the next consignment, drawn by the flow's shares."""
        if len(self.route_names) == 1:
            return self.route_names[0]
        u = self.route_draw.random() * self.cumulative[-1]
        for name, bound in zip(self.route_names, self.cumulative, strict=True):
            if u < bound:
                return name
        return self.route_names[-1]

    def run(self) -> Generator[Any, Any, None]:
        """The release process: consignments at the month's rate, month after month."""
        env = self.env
        poisson = self.flow.arrivals == "poisson"
        inf = float("inf")
        choice, thinned = self.choice, self.thinned
        respaced = self.responsive and not thinned
        while True:
            now = env.now
            next_change = self._follow_changes(now) if self.changes else inf
            rate = self.rate_at(now)
            month_end = self.calendar.next_month_start(now)
            if next_change < month_end:  # the rate changes then: a boundary like a month's
                month_end = next_change
            if rate <= 0:
                if month_end == inf:
                    return
                yield env.timeout(month_end - now)
                continue
            # Arrivals at this month's rate until the month ends.
            while now < month_end:
                if poisson:
                    gap = self.arrivals.expovariate(rate)
                elif respaced:
                    assert choice is not None
                    gap = 1.0 / (rate * choice.volume_factor(now))
                else:
                    gap = 1.0 / rate
                if poisson and now + gap >= month_end:
                    # Memoryless: redraw from the month boundary with that month's rate.
                    if month_end == inf:
                        return
                    yield env.timeout(month_end - now)
                    break
                yield env.timeout(gap)
                now = env.now
                if choice is None:
                    self.release(self.name, self.flow, self.route(), self.size(), None)
                elif not thinned or choice.sends(now):
                    route = choice.choose(now)
                    self.release(self.name, self.flow, route, self.size(),
                                 choice.last_expected_cost)
