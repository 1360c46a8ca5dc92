"""The corridor network as a reader sees it: nodes, legs, routes and flows."""

from __future__ import annotations

from corridorsim.scenario.schema import RailLeg, Scenario, SeaLeg


def route_length_km(scenario: Scenario, route: str) -> tuple[float, float]:
    """Rail and sea kilometres along a route."""
    legs = {(leg.from_, leg.to): leg for leg in scenario.legs.values()}
    nodes = scenario.routes[route]
    rail = sea = 0.0
    for a, b in zip(nodes, nodes[1:], strict=False):
        leg = legs[(a, b)]
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
        f"{len(scenario.ports)} ports; {rail_legs} rail legs, {sea_legs} sea legs; "
        f"{len(scenario.vessel_services)} vessel services "
        f"({', '.join(scenario.vessel_services) or 'none'}).",
        f"Routes: {'; '.join(routes)}.",
        f"Flows: {len(china_europe)} China-Europe ({', '.join(china_europe)}; "
        f"{weekly:.1f} consignments/week), {len(background)} background"
        f"{' (' + ', '.join(background) + ')' if background else ''}.",
        f"Closures: {len(scenario.closures)}. Horizon {scenario.horizon / 24:g} days"
        f"{f' (+ {scenario.drain / 24:g} days drain)' if scenario.drain else ''} from "
        f"{scenario.start_date.isoformat()}, warm-up {_warmup(scenario)}, "
        f"{scenario.replications} replication(s), seed {scenario.seed}.",
    ]
    return "\n".join(lines)


def _warmup(scenario: Scenario) -> str:
    if scenario.warmup == "auto":
        return "chosen by MSER-5"
    return f"{scenario.warmup_hours / 24:g} days"
