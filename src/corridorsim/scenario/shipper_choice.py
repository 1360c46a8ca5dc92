"""How shippers choose between the corridors and the sea: the scenario's ``choice:``
section and its outside alternatives.

A flow that says ``choice:`` instead of ``routes:`` lets each consignment pick an
option by multinomial logit on its generalized cost per TEU when it is released (the
model is in ``route_choice.py``). The values here are the shippers' valuations; the
network's tariffs, fees and transit times come from the rest of the scenario.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from corridorsim.scenario.distributions import (
    Distribution,
    Model,
    Number,
    PositiveHours,
    Usd,
    Whole,
)

CHOICE_CORRIDORS = ("northern", "middle", "sea")
"""The corridors a choice can value: the two rail corridors and the sea."""

Corridor = Literal["northern", "middle", "sea"]

SignedUsd = Annotated[Number, Field(ge=-10_000_000, le=10_000_000)]
"""Money per TEU that may be negative (an alternative-specific constant): -10 to 10 million
USD."""


class OutsideAlternative(Model):
    """An option outside the simulated network (the sea via Suez or the Cape): each
    consignment that takes it draws its transit time and is reported, with its cost and
    CO2, as corridor ``sea``; it loads no node of the network."""

    corridor: Literal["sea"] = "sea"
    """The corridor it is reported as (the name must start with ``sea_``)."""
    transit_time: Distribution
    """Door-to-door transit time of one consignment."""
    tariff_usd_per_teu: Usd
    """Freight rate and fees per TEU, door to door (0 to 10 million USD)."""
    co2_kg_per_teu: Annotated[Number, Field(ge=0, le=1_000_000)] = 0.0
    """CO2 per TEU, door to door (0 to 1 million kg)."""


class ShipperChoice(Model):
    """How shippers value the options of a choosing flow: a multinomial logit on the
    generalized cost per TEU, ``tariff and fees + value of time x expected transit +
    value of reliability x expected spread + risk premium + constant``, where the
    expected transit and spread are those of the deliveries shippers have seen."""

    logit_scale_per_usd: Annotated[Number, Field(gt=0, le=1)]
    """Logit scale per USD of generalized cost per TEU: the share of an option falls by
    a factor e for each 1/scale USD it costs more (more than 0, at most 1)."""
    time_value_usd_per_teu_day: Usd | None = None
    """What a shipper pays to save a day in transit, per TEU (0 to 10 million USD); by
    default ``costs.time_value_usd_per_teu_day``. The shipper's value of time is more than
    the inventory cost of the cargo: it includes the stock held against delays and the
    sales lost to them."""
    reliability_usd_per_teu_day: Usd = 0.0
    """Value per TEU of a day of spread (p90 minus median of the remembered transit
    times), on top of the value of time (0 to 10 million USD)."""
    risk_premium_usd_per_teu: dict[Corridor, Usd] = {}
    """Compliance, insurance and seizure risk per TEU, by corridor (``northern``,
    ``middle``, ``sea``)."""
    constants_usd_per_teu: dict[Corridor, SignedUsd] = {}
    """Alternative-specific constants per TEU by corridor: what shippers value in an
    option beyond its measured costs (fitted by ``corridorsim calibrate``); a corridor
    left out has 0."""
    memory: PositiveHours = 720.0
    """What shippers know: the deliveries of this many last hours on each option
    (default 30 days)."""
    memory_at_least: Annotated[Whole, Field(ge=1, le=10_000)] = 10
    """Deliveries remembered whatever their age, so that a little-used option is judged
    by its last deliveries and not by nothing (1 to 10,000)."""
    overdue_known: bool = True
    """Whether shippers also count the option's consignments still travelling that are
    already later than its remembered p90, at their age so far (a lower bound): a queue
    that grows is seen before its trains arrive, so a corridor that wins traffic loses
    it again in time, and a stuck train is known to be stuck."""
    prior_transit: dict[Corridor, PositiveHours] = {}
    """What shippers expect of an option's transit time before it has delivered
    anything, by corridor (published typical times, say); a corridor left out is
    expected at its routes' free-flow time (running and sailing, no waiting)."""
    closure_outlook: Literal["elapsed"] | PositiveHours = "elapsed"
    """What shippers assume about a closure in progress on an option's route, which
    everyone knows of while it lasts: ``elapsed``, that it will last as long again as it
    has so far (the median remaining time of an event of unknown length, Gott, Nature
    363, 1993), or a fixed remaining duration."""
    ignored_closure_causes: list[str] = ["weather"]
    """Causes of closures that shippers do not react to at booking: storms are short
    and seasonal, and the remembered deliveries already show what they cost."""
    alternatives: dict[str, OutsideAlternative] = {}
    """Options outside the simulated network, by name (``sea_*``)."""

    def constant(self, corridor: str) -> float:
        """The constant of ``corridor`` in USD per TEU (0 when not given)."""
        return self.constants_usd_per_teu.get(corridor, 0.0)  # type: ignore[call-overload]

    def risk_premium(self, corridor: str) -> float:
        """The risk premium of ``corridor`` in USD per TEU (0 when not given)."""
        return self.risk_premium_usd_per_teu.get(corridor, 0.0)  # type: ignore[call-overload]
