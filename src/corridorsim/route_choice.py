"""Route and mode choice: which option a choosing flow's consignment takes when it is
released, from what shippers know at that moment.

Each option (a route, a fixed mix of routes of one corridor, or an outside alternative
such as the sea) has a generalized cost per TEU::

    tariff and fees + value of time x expected transit + value of reliability x expected
    spread + risk premium + constant

The expected transit and spread are the mean and the p90 minus median of the transit
times of the option's deliveries in the last ``memory`` hours (``DeliveryMemory``);
before any delivery, the free-flow time. A closure in progress on an option's route
(known to everyone while it lasts) adds what shippers expect of its remaining length.
The option is drawn by multinomial logit on the costs, with the flow's own stream, so
common random numbers hold across scenarios. The flow's volume may respond to the
expected cost (the logsum) through a semi-elasticity, by thinning candidate releases.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections import deque
from collections.abc import Sequence
from typing import Protocol

from corridorsim.disruptions import ClosureState
from corridorsim.scenario.shipper_choice import ShipperChoice

MAX_VOLUME_FACTOR = 2.0
"""A cost-responsive flow sends at most this multiple of its stated volume (candidates are
released at this multiple of the rate and thinned)."""



class DeliveryMemory:
    """The transit times of an option's deliveries that shippers remember: those of the
    last ``span`` hours, and at least the last ``at_least`` whatever their age; and,
    where ``overdue`` is on, the option's consignments still travelling that are already
    later than the remembered p90, counted at their age so far (a lower bound: shippers
    know their trains are stuck before they arrive).

    Deliveries on the network arrive in time order (``delivered``); those of an outside
    alternative are known at release and become visible when they happen
    (``will_deliver``). The remembered times are also kept sorted, with their sum, so
    that an estimate costs a few look-ups however many deliveries are remembered.
    """

    __slots__ = ("span", "at_least", "entries", "pending", "ordered", "total",
                 "prior_hours", "_sequence", "travelling", "overdue", "_known", "_last",
                 "_until")

    def __init__(self, span: float, at_least: int, prior_hours: float,
                 overdue: bool = False):
        self.span = span
        self.at_least = at_least
        self.prior_hours = prior_hours
        self.overdue = overdue
        self.entries: deque[tuple[float, float]] = deque()
        """(delivered at, transit hours), oldest first."""
        self.pending: list[tuple[float, int, float]] = []
        self.ordered: list[float] = []
        """The remembered transit hours, sorted."""
        self.total = 0.0
        self._sequence = 0
        self.travelling: deque[Travelling] = deque()
        """The option's consignments sent on the network, oldest first (delivered ones
        are dropped from the front as they are met)."""
        self._known: tuple[float, float, float] | None = None
        """Mean, spread and p90 of the remembered deliveries, until they change."""
        self._last = (prior_hours, 0.0)
        self._until = -math.inf
        """The last estimate holds until then: no outside delivery falls due, no
        remembered one expires and no consignment turns overdue before it."""

    def delivered(self, at: float, transit_hours: float) -> None:
        """A delivery at ``at`` (now) after ``transit_hours``."""
        self._flush(at)
        self._add(at, transit_hours)

    def _add(self, at: float, transit_hours: float) -> None:
        self.entries.append((at, transit_hours))
        bisect.insort(self.ordered, transit_hours)
        self.total += transit_hours
        self._known = None
        self._until = -math.inf

    def will_deliver(self, at: float, transit_hours: float) -> None:
        """A delivery that will happen at ``at`` (an outside alternative's)."""
        self._sequence += 1
        heapq.heappush(self.pending, (at, self._sequence, transit_hours))
        self._until = min(self._until, at)

    def sent(self, consignment: Travelling) -> None:
        """A consignment of the option leaves on the network (watched while overdue)."""
        if self.overdue:
            self.travelling.append(consignment)
            if len(self.travelling) == 1:
                self._until = -math.inf

    def _flush(self, now: float) -> None:
        """Outside deliveries due by ``now`` join the remembered ones, in time order."""
        pending = self.pending
        while pending and pending[0][0] <= now:
            at, _, transit = heapq.heappop(pending)
            self._add(at, transit)

    def estimate(self, now: float) -> tuple[float, float]:
        """Expected transit and spread (p90 minus median) in hours, as known at ``now``."""
        if now < self._until:
            return self._last
        self._flush(now)
        entries, ordered = self.entries, self.ordered
        oldest = now - self.span
        while len(entries) > self.at_least and entries[0][0] < oldest:
            transit = entries.popleft()[1]
            del ordered[bisect.bisect_left(ordered, transit)]
            self.total -= transit
            self._known = None
        known = self._known
        if known is None:
            if ordered:
                p90 = percentile(ordered, 0.9)
                known = (self.total / len(ordered), p90 - percentile(ordered, 0.5), p90)
            else:
                known = (self.prior_hours, 0.0, self.prior_hours)
            self._known = known
        late = self._overdue_ages(now, known[2]) if self.travelling else ()
        if late:
            self._until = now  # the ages grow: again at the next look
            self._last = self._with_overdue(late, known[2])
            return self._last
        pending, travelling = self.pending, self.travelling
        self._until = min(pending[0][0] if pending else math.inf,
                          entries[0][0] + self.span if len(entries) > self.at_least
                          else math.inf,
                          travelling[0].released_at + known[2] if travelling else math.inf)
        self._last = (known[0], known[1])
        return self._last

    def _with_overdue(self, late: list[float], threshold: float) -> tuple[float, float]:
        """Mean and spread of the remembered transits with the overdue ages among them.
        The ages all exceed ``threshold``, so only the remembered values above it are
        merged with them; those below keep their places."""
        ordered = self.ordered if self.ordered else [self.prior_hours]
        total = self.total if self.ordered else self.prior_hours
        split = bisect.bisect_right(ordered, threshold)
        tail = sorted([*ordered[split:], *late])
        n = len(ordered) + len(late)

        def value(i: int) -> float:
            return ordered[i] if i < split else tail[i - split]

        def quantile(q: float) -> float:
            position = q * (n - 1)
            low = math.floor(position)
            high = min(low + 1, n - 1)
            return value(low) + (value(high) - value(low)) * (position - low)

        return (total + sum(late)) / n, quantile(0.9) - quantile(0.5)

    def _overdue_ages(self, now: float, threshold: float) -> list[float]:
        """Ages of the consignments still travelling that are older than ``threshold``
        (the remembered p90, or the prior before any delivery)."""
        travelling = self.travelling
        while travelling and travelling[0].delivered_at is not None:
            travelling.popleft()
        if not travelling or now - travelling[0].released_at <= threshold:
            return []
        ages = []
        for consignment in travelling:
            age = now - consignment.released_at
            if age <= threshold:
                break  # the rest were sent later
            if consignment.delivered_at is None:
                ages.append(age)
        return ages


class Travelling(Protocol):
    """What a memory reads of a consignment on its way."""

    released_at: float
    delivered_at: float | None


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted values, interpolated linearly (numpy's default)."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class ChoiceOption:
    """One option of a choosing flow: its routes (or alternatives) with their shares
    within it, its fixed cost, what shippers remember of it, and the closures they
    watch on its routes."""

    __slots__ = ("name", "corridor", "members", "cumulative", "fixed_usd_per_teu", "memory",
                 "closures")

    def __init__(self, name: str, corridor: str, shares: dict[str, float],
                 fixed_usd_per_teu: float, memory: DeliveryMemory,
                 closures: Sequence[tuple[float, Sequence[ClosureState]]]):
        self.name = name
        self.corridor = corridor
        self.members = list(shares)
        total, cumulative = 0.0, []
        for share in shares.values():
            total += share
            cumulative.append(total)
        self.cumulative = cumulative
        self.fixed_usd_per_teu = fixed_usd_per_teu
        """Tariffs, fees, risk premium and constant: the part of the cost that does not
        depend on time."""
        self.memory = memory
        self.closures = closures
        """Per member route with a watched closure: its share and the closure states on
        its path."""

    def closure_hours(self, now: float, outlook: float | None) -> float:
        """Expected hours of closure still ahead on the option (share-weighted over its
        routes; on a route the longest of its closures in progress)."""
        extra = 0.0
        for share, states in self.closures:
            longest = 0.0
            for state in states:
                if state.closed:
                    remaining = now - state.closed_since if outlook is None else outlook
                    longest = max(longest, remaining)
            extra += share * longest
        return extra

    def member(self, u: float) -> str:
        """The route of the option for a uniform draw ``u`` (its shares)."""
        if len(self.members) == 1:
            return self.members[0]
        u *= self.cumulative[-1]
        for name, bound in zip(self.members, self.cumulative, strict=True):
            if u < bound:
                return name
        return self.members[-1]


class FlowChoice:
    """How one flow's shippers choose among its options, and how much they send."""

    __slots__ = ("options", "scale", "time_value", "reliability_value", "outlook", "draws",
                 "route_draws", "volume_draws", "response", "reference_cost",
                 "last_expected_cost")

    def __init__(self, options: Sequence[ChoiceOption], choice: ShipperChoice,
                 time_value_usd_per_teu_day: float, draws: random.Random,
                 route_draws: random.Random, volume_draws: random.Random | None = None,
                 response_per_usd: float | None = None,
                 reference_cost_usd_per_teu: float | None = None):
        self.options = list(options)
        self.scale = choice.logit_scale_per_usd
        self.time_value = time_value_usd_per_teu_day / 24.0
        """USD per TEU-hour."""
        self.reliability_value = choice.reliability_usd_per_teu_day / 24.0
        outlook = choice.closure_outlook
        self.outlook = None if outlook == "elapsed" else float(outlook)
        self.draws = draws
        self.route_draws = route_draws
        self.volume_draws = volume_draws
        self.response = response_per_usd
        self.reference_cost = (self.expected_cost(self.costs(0.0))
                               if reference_cost_usd_per_teu is None and response_per_usd
                               else reference_cost_usd_per_teu or 0.0)
        """By default the expected cost at the options' priors (before any delivery)."""
        self.last_expected_cost = 0.0
        """The logsum (expected generalized cost per TEU) at the last ``choose``: what the
        choice was worth to the shipper, for the consumer surplus of an appraisal."""

    def costs(self, now: float) -> list[float]:
        """Each option's generalized cost per TEU as shippers see it at ``now``."""
        out = []
        tv, rv, outlook = self.time_value, self.reliability_value, self.outlook
        for option in self.options:
            transit, spread = option.memory.estimate(now)
            if option.closures:
                transit += option.closure_hours(now, outlook)
            out.append(option.fixed_usd_per_teu + tv * transit + rv * spread)
        return out

    def weights(self, costs: Sequence[float]) -> list[float]:
        """The options' logit weights at these costs, relative to the cheapest (which
        has weight 1), so that no exponent overflows."""
        scale = self.scale
        cheapest = min(costs)
        return [math.exp(-scale * (c - cheapest)) for c in costs]

    def probabilities(self, costs: Sequence[float]) -> list[float]:
        """Logit shares of the options at these costs."""
        weights = self.weights(costs)
        total = sum(weights)
        return [w / total for w in weights]

    def expected_cost(self, costs: Sequence[float]) -> float:
        """The logsum: the expected generalized cost of the flow's choice."""
        return min(costs) - math.log(sum(self.weights(costs))) / self.scale

    def volume_factor(self, now: float) -> float:
        """The multiple of its stated volume a cost-responsive flow sends now:
        exp(response x (expected cost - reference cost)), at most ``MAX_VOLUME_FACTOR``."""
        assert self.response is not None
        gap = self.expected_cost(self.costs(now)) - self.reference_cost
        return min(math.exp(min(self.response * gap, 1.0)), MAX_VOLUME_FACTOR)

    def sends(self, now: float) -> bool:
        """Whether a candidate release of a cost-responsive flow is sent (candidates come
        at ``MAX_VOLUME_FACTOR`` times the stated rate)."""
        assert self.volume_draws is not None
        return self.volume_draws.random() * MAX_VOLUME_FACTOR < self.volume_factor(now)

    def choose(self, now: float) -> str:
        """The route or alternative of a consignment released now."""
        options = self.options
        if len(options) == 1:
            option = options[0]
            self.last_expected_cost = self.costs(now)[0]
        else:
            costs = self.costs(now)
            weights = self.weights(costs)
            total = sum(weights)
            self.last_expected_cost = min(costs) - math.log(total) / self.scale
            u = self.draws.random() * total
            option = options[-1]
            for candidate, w in zip(options, weights, strict=True):
                if u < w:
                    option = candidate
                    break
                u -= w
        return option.member(self.route_draws.random()) if len(option.members) > 1 \
            else option.members[0]
