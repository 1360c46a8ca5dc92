"""The corridor network as built from a scenario: the legs along a route, what a route
costs and emits per TEU whatever the time, and its description for a reader."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from corridorsim.emissions import RouteEmissions, route_emissions
from corridorsim.scenario.distributions import mean_hours
from corridorsim.scenario.schema import Scenario
from corridorsim.scenario.sections import Leg, RailLeg, SeaLeg, VesselService


def legs_along(scenario: Scenario, path: Iterable[str]) -> list[Leg]:
    """The legs joining consecutive nodes of ``path`` (validated to exist)."""
    path = list(path)
    pairs = scenario.legs_by_pair
    return [scenario.legs[pairs[(a, b)]] for a, b in itertools.pairwise(path)]


FIXED_COST_COMPONENTS = ("rail_tariff", "sea_tariff", "handling", "customs", "platform",
                         "repositioning", "insurance")
"""The parts of a route's cost per TEU that do not depend on time, in column order."""


class RouteCosts(NamedTuple):
    """A route's fixed cost per TEU by component (``FIXED_COST_COMPONENTS``), so the
    results show what the money is paid for, not only its sum. A tuple in column order,
    so each consignment carries its route's as it is, with no copy."""

    rail_tariff: float = 0.0
    sea_tariff: float = 0.0
    handling: float = 0.0
    customs: float = 0.0
    platform: float = 0.0
    repositioning: float = 0.0
    insurance: float = 0.0
    """Insurance premium and compliance per border."""

    def as_tuple(self) -> tuple[float, ...]:
        """The components in ``FIXED_COST_COMPONENTS`` order."""
        return tuple(self)


NO_COSTS = RouteCosts()
"""A route with no fixed cost."""


@dataclass(frozen=True)
class RouteEconomics:
    """Per-TEU money and CO2 of a route that do not depend on time."""

    fixed_cost_usd_per_teu: float
    co2_kg_per_teu: float
    """Under ``costs.emissions``, the WTW kg CO2e of ``co2e``."""
    co2e: RouteEmissions | None = None
    """WTW and TTW kg CO2e by ISO 14083 / GLEC, under ``costs.emissions``; else None."""
    costs: RouteCosts = NO_COSTS
    """``fixed_cost_usd_per_teu`` by component."""


def _node_config(scenario: Scenario, node: str) -> Any:
    return (scenario.terminals.get(node) or scenario.borders.get(node)
            or scenario.ports.get(node) or scenario.stations.get(node))


def route_economics(scenario: Scenario, path: Iterable[str]) -> RouteEconomics:
    """Tariffs, handling and customs fees, platform hire, repositioning of empties,
    insurance and compliance, and CO2 along a path, per TEU."""
    path = list(path)
    costs = scenario.costs
    factors = costs.co2_kg_per_teu_km
    cost = 0.0
    co2 = 0.0
    handling = customs = rail = sea = rail_km = 0.0
    for node in path:
        config = _node_config(scenario, node)
        cost += config.handling_fee_usd_per_teu
        cost += getattr(config, "customs_fee_usd_per_teu", 0.0)
        handling += config.handling_fee_usd_per_teu
        customs += getattr(config, "customs_fee_usd_per_teu", 0.0)
    for leg in legs_along(scenario, path):
        tariff = leg.tariff_usd_per_teu + leg.tariff_usd_per_teu_km * leg.distance_km
        cost += tariff
        if isinstance(leg, RailLeg):
            rail += tariff
            rail_km += leg.distance_km
        else:
            sea += tariff
        factor = leg.co2_kg_per_teu_km
        if factor is None:
            factor = factors.rail if isinstance(leg, RailLeg) else factors.sea
        co2 += factor * leg.distance_km
    borders = sum(node in scenario.borders for node in path)
    parts = RouteCosts(
        rail_tariff=rail, sea_tariff=sea, handling=handling, customs=customs,
        platform=costs.platform_usd_per_teu_km * rail_km,
        repositioning=costs.empty_return_share * costs.empty_return_share_of_tariff
        * (rail + sea),
        insurance=insurance_usd_per_teu(scenario)
        + costs.compliance_usd_per_teu_per_border * borders)
    # The tariffs and fees are summed as before, node by node and leg by leg, so a
    # scenario without the other components keeps its costs to the last bit.
    cost += parts.platform + parts.repositioning + parts.insurance
    if costs.emissions is not None:
        co2e = route_emissions(scenario, path)
        return RouteEconomics(cost, co2e.wtw_kg_per_teu, co2e, parts)
    return RouteEconomics(cost, co2, None, parts)


def alternative_economics(scenario: Scenario, tariff_usd_per_teu: float,
                          co2_kg_per_teu: float) -> RouteEconomics:
    """An outside alternative's money and CO2 per TEU: its tariff (a sea rate, which
    carries its own repositioning) and the cargo's insurance."""
    insurance = insurance_usd_per_teu(scenario)
    # Its one CO2 figure stands for both WTW and TTW under the standard (none is split).
    co2e = (RouteEmissions(co2_kg_per_teu, co2_kg_per_teu)
            if scenario.costs.emissions is not None else None)
    return RouteEconomics(tariff_usd_per_teu + insurance, co2_kg_per_teu, co2e,
                          RouteCosts(sea_tariff=tariff_usd_per_teu, insurance=insurance))


def insurance_usd_per_teu(scenario: Scenario) -> float:
    """The cargo insurance premium of one trip per TEU, whatever the route."""
    costs = scenario.costs
    return costs.insurance_share_of_value * costs.cargo_value_usd_per_teu


def section_freight_usd_per_teu(scenario: Scenario, path: Iterable[str], start: str,
                                end: str) -> float:
    """Tariffs, platform hire and node fees per TEU of the part of ``path`` from
    ``start`` to ``end``: the legs between them and the nodes strictly between (what a
    published section rate such as ERAI's 1520 mm index covers). Raises ``ValueError``
    when the path does not pass ``start`` and then ``end``."""
    path = list(path)
    if start not in path or end not in path[path.index(start) + 1:]:
        raise ValueError(f"does not pass {start!r} and then {end!r}")
    i = path.index(start)
    j = path.index(end, i + 1)
    cost = 0.0
    for node in path[i + 1:j]:
        config = _node_config(scenario, node)
        cost += config.handling_fee_usd_per_teu + getattr(config, "customs_fee_usd_per_teu",
                                                          0.0)
    per_km = scenario.costs.platform_usd_per_teu_km
    for leg in legs_along(scenario, path[i:j + 1]):
        cost += leg.tariff_usd_per_teu + leg.tariff_usd_per_teu_km * leg.distance_km
        if isinstance(leg, RailLeg):
            cost += per_km * leg.distance_km
    return cost


def free_flow_hours(scenario: Scenario, path: Iterable[str]) -> float:
    """Mean running and sailing hours along a path, with the legs' mean delays and no
    waiting or handling at nodes: what shippers expect of a route they have not seen
    deliver yet."""
    hours = 0.0
    for leg in legs_along(scenario, path):
        if isinstance(leg, SeaLeg):
            hours += mean_sailing_hours(scenario, leg)
            continue
        if leg.running_time is not None:
            hours += mean_hours(leg.running_time)
        elif leg.speed_kmh is not None:
            hours += leg.distance_km / leg.speed_kmh
        if leg.delay is not None:
            hours += mean_hours(leg.delay)
    return hours


def mean_sailing_hours(scenario: Scenario, leg: SeaLeg) -> float:
    """The mean sailing time of the vessels that serve a sea leg, weighted by their
    number (all services and classes)."""
    means = [(c.vessels, mean_hours(service.class_sailing_time(c)))
             for service in (scenario.vessel_services[name] for name in leg.service_names)
             for c in service.classes]
    if all(m == means[0][1] for _, m in means):
        return means[0][1]  # one class, or all alike: exactly that mean
    return sum(n * m for n, m in means) / sum(n for n, _ in means)


def route_length_km(scenario: Scenario, route: str) -> tuple[float, float]:
    """Rail and sea kilometres along a route."""
    rail = sea = 0.0
    for leg in legs_along(scenario, scenario.routes[route]):
        if isinstance(leg, SeaLeg):
            sea += leg.distance_km
        else:
            rail += leg.distance_km
    return rail, sea


def describe(scenario: Scenario) -> str:
    """A paragraph describing the network, for ``corridorsim validate``."""
    rail_legs = sum(isinstance(leg, RailLeg) for leg in scenario.legs.values())
    sea_legs = len(scenario.legs) - rail_legs
    routes = []
    for name in scenario.routes:
        rail, sea = route_length_km(scenario, name)
        km = f"{rail:,.0f} km rail" + (f" + {sea:,.0f} km sea" if sea else "")
        routes.append(f"{name} ({len(scenario.routes[name])} nodes, {km})")
    china_europe = [n for n, f in scenario.flows.items() if not f.background]
    background = [n for n, f in scenario.flows.items() if f.background]
    weekly = sum(f.consignments_per_week for f in scenario.flows.values() if not f.background)
    lines = [
        f"Scenario '{scenario.name}' is valid.",
        f"Network: {len(scenario.terminals)} terminals, {len(scenario.borders)} borders, "
        f"{len(scenario.ports)} ports, {len(scenario.stations)} stations; "
        f"{len(scenario.countries)} countries; {rail_legs} rail legs, {sea_legs} sea legs; "
        f"{len(scenario.vessel_services)} vessel services "
        f"({'; '.join(_fleet(n, v) for n, v in scenario.vessel_services.items()) or 'none'}).",
        f"Routes: {'; '.join(routes)}.",
        f"Flows: {len(china_europe)} China-Europe ({', '.join(china_europe)}; "
        f"{weekly:.1f} consignments/week), {len(background)} background"
        f"{' (' + ', '.join(background) + ')' if background else ''}.",
        f"Closures: {len(scenario.closures)}"
        f"{f' ({len(scenario.outages)} outage(s))' if scenario.outages else ''}. "
        f"Horizon {scenario.horizon / 24:g} days"
        f"{f' (+ {scenario.drain / 24:g} days drain)' if scenario.drain else ''} from "
        f"{scenario.start_date.isoformat()}, warm-up {_warmup(scenario)}, "
        f"{scenario.replications} replication(s), seed {scenario.seed}.",
    ]
    if scenario.changes:
        lines.append(timeline_description(scenario))
    return "\n".join(lines)


def timeline_description(scenario: Scenario) -> str:
    """One line on the dated changes: each with its dates, and those the run does not
    reach."""
    end = dt.datetime.combine(scenario.start_date, dt.time()) + dt.timedelta(
        hours=scenario.horizon + scenario.drain)
    parts = []
    for name, change in sorted(scenario.changes.items(), key=lambda item: item[1].at):
        when = change.at.isoformat(sep=" ", timespec="minutes").removesuffix(" 00:00")
        if change.until is not None:
            when += " to " + change.until.isoformat(
                sep=" ", timespec="minutes").removesuffix(" 00:00")
        late = ", after the run: not reached" if change.at >= end else ""
        parts.append(f"{name} ({when}: {len(change.set)} key(s){late})")
    return f"Changes: {len(scenario.changes)}: " + "; ".join(parts) + "."


def _fleet(name: str, service: VesselService) -> str:
    """A vessel service and its fleet: ``caspian_feeder 4 x 205 + 2 x 630 TEU``."""
    classes = " + ".join(f"{c.vessels} x {c.capacity_teu}" for c in service.classes)
    n = len(service.drydock)
    drydock = f", {n} drydock window{'s' if n > 1 else ''}" if n else ""
    return f"{name} {classes} TEU{drydock}"


def _warmup(scenario: Scenario) -> str:
    if scenario.warmup == "auto":
        return "chosen by MSER-5"
    return f"{scenario.warmup_hours / 24:g} days"
