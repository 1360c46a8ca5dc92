"""Cross-reference checks of a scenario: every name used is defined and every route runs.

Run from ``Scenario``'s model validator, so a route through a missing leg fails
validation before anything is simulated. Each problem is a ``KeyPathError`` that
names the key it concerns.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from corridorsim.errors import KeyPathError
from corridorsim.scenario.schema import ROUTE_FAMILIES, RailLeg, SeaLeg

if TYPE_CHECKING:
    from corridorsim.scenario.schema import Scenario

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_cross_references(s: Scenario) -> None:
    """Raise ``KeyPathError`` at the first reference that does not resolve."""
    if not _NAME.match(s.name):
        raise KeyPathError("name", "use letters, digits, '-', '_' or '.' "
                                   "(it names the results folder)")
    if s.warmup_hours >= s.horizon:
        raise KeyPathError("warmup", f"must be shorter than the horizon "
                                     f"({s.horizon / 24:g} days), got {s.warmup_hours / 24:g} days")
    seen: dict[str, str] = {}
    for section in ("terminals", "borders", "ports"):
        for name in getattr(s, section):
            if name in seen:
                raise KeyPathError(f"{section}.{name}", f"name already used under {seen[name]}")
            seen[name] = section
    kinds = s.node_kinds
    # Vessel services before legs: a sea leg is checked against its service's ports.
    for service_name, service in s.vessel_services.items():
        for i, port in enumerate(service.ports):
            if port not in s.ports:
                raise KeyPathError(f"vessel_services.{service_name}.ports.{i}",
                                   f"unknown port {port!r}; expected one of {_listing(s.ports)}")
        if service.ports[0] == service.ports[1]:
            raise KeyPathError(f"vessel_services.{service_name}.ports", "the two ports must differ")
    pairs: dict[tuple[str, str], str] = {}
    for leg_name, leg in s.legs.items():
        for end in ("from", "to"):
            node = leg.from_ if end == "from" else leg.to
            if node not in kinds:
                raise KeyPathError(f"legs.{leg_name}.{end}", f"unknown node {node!r}; "
                                   f"expected one of {_listing(kinds)}")
        if leg.from_ == leg.to:
            raise KeyPathError(f"legs.{leg_name}", "a leg must join two different nodes")
        if (leg.from_, leg.to) in pairs:
            raise KeyPathError(f"legs.{leg_name}", f"a leg from {leg.from_!r} to {leg.to!r} "
                               f"already exists ({pairs[(leg.from_, leg.to)]!r})")
        pairs[(leg.from_, leg.to)] = leg_name
        if isinstance(leg, SeaLeg):
            service = s.vessel_services.get(leg.service)
            if service is None:
                raise KeyPathError(f"legs.{leg_name}.service",
                                   f"unknown vessel service {leg.service!r}; "
                                   f"expected one of {_listing(s.vessel_services)}")
            if sorted(service.ports) != sorted([leg.from_, leg.to]):
                raise KeyPathError(f"legs.{leg_name}.service", f"vessel service {leg.service!r} "
                                   f"serves {service.ports}, not {leg.from_!r} and {leg.to!r}")
    for route_name, nodes in s.routes.items():
        for i, node in enumerate(nodes):
            if node not in kinds:
                raise KeyPathError(f"routes.{route_name}.{i}", f"unknown node {node!r}; "
                                   f"expected one of {_listing(kinds)}")
        if len(set(nodes)) != len(nodes):
            raise KeyPathError(f"routes.{route_name}", "a route may not visit a node twice")
        for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False)):
            leg_name = pairs.get((a, b))
            if leg_name is None:
                raise KeyPathError(f"routes.{route_name}.{i + 1}",
                                   f"no leg from {a!r} to {b!r}; add one under 'legs'")
            leg = s.legs[leg_name]
            if isinstance(leg, SeaLeg) and i + 2 < len(nodes):
                nxt = pairs.get((b, nodes[i + 2]))
                if nxt is not None and isinstance(s.legs[nxt], RailLeg) and (
                        s.ports[b].train_formation is None):
                    raise KeyPathError(f"ports.{b}.train_formation", f"route {route_name!r} "
                                       "leaves this port by rail after a sea leg; "
                                       "expected a 'train_formation' (train_teu, "
                                       "max_consolidation_wait)")
    for flow_name, flow in s.flows.items():
        for end in ("origin", "destination"):
            node = getattr(flow, end)
            if node not in kinds:
                raise KeyPathError(f"flows.{flow_name}.{end}", f"unknown node {node!r}; "
                                   f"expected one of {_listing(kinds)}")
        for route_name in flow.routes:
            nodes = s.routes.get(route_name)
            if nodes is None:
                raise KeyPathError(f"flows.{flow_name}.routes.{route_name}",
                                   f"unknown route; expected one of {_listing(s.routes)}")
            if nodes[0] != flow.origin or nodes[-1] != flow.destination:
                raise KeyPathError(f"flows.{flow_name}.routes.{route_name}",
                                   f"route runs {nodes[0]!r} -> {nodes[-1]!r} but the flow "
                                   f"runs {flow.origin!r} -> {flow.destination!r}")
            if not flow.background and not route_name.startswith(ROUTE_FAMILIES):
                raise KeyPathError(f"flows.{flow_name}.routes.{route_name}",
                                   "China-Europe routes are named 'northern_*' or 'middle_*' "
                                   "(or mark the flow 'background: true')")
    on_routes = {node for nodes in s.routes.values() for node in nodes}
    for section in ("terminals", "borders", "ports"):
        for name in getattr(s, section):
            if name not in on_routes:
                raise KeyPathError(f"{section}.{name}", "is not on any route; add it to a "
                                   "route or remove it (a misspelt name creates a new node)")
    for section in ("borders", "ports"):
        for name, node in getattr(s, section).items():
            partner = node.customs.joint_control_with if node.customs is not None else None
            if partner is not None:
                _check_joint_partner(s, section, name, partner, pairs)
    legs_by_name = set(s.legs)
    for closure_name, closure in s.closures.items():
        if closure.at not in kinds and closure.at not in legs_by_name:
            raise KeyPathError(f"closures.{closure_name}.at", f"unknown node or leg "
                               f"{closure.at!r}; expected a name under terminals, borders, "
                               "ports or legs")


def _check_joint_partner(s: Scenario, section: str, name: str, partner: str,
                         pairs: dict[tuple[str, str], str]) -> None:
    """A joint control across the sea: from a port's exit check to the next port's entry."""
    key = f"{section}.{name}.customs.joint_control_with"
    if section != "ports":
        raise KeyPathError(key, "only a port can check for the port across the sea; "
                                "at a border use 'joint_control: true'")
    if partner not in s.ports:
        raise KeyPathError(key, f"unknown port {partner!r}; expected one of {_listing(s.ports)}")
    leg = pairs.get((name, partner))
    if leg is None or not isinstance(s.legs[leg], SeaLeg):
        raise KeyPathError(key, f"no sea leg from {name!r} to {partner!r}; expected the port "
                                "a vessel service from here sails to")
    if s.ports[name].customs.joint_control:  # type: ignore[union-attr]
        raise KeyPathError(key, "cannot be combined with 'joint_control: true', which merges "
                                "this port's own exit and entry checks and so leaves no exit "
                                "check to clear the port across the sea; use one of the two")
    if s.ports[name].customs.exit is None:  # type: ignore[union-attr]
        raise KeyPathError(key, "this port has no exit check to do the joint control at; "
                                "expected 'customs.exit'")
    partner_customs = s.ports[partner].customs
    if partner_customs is None or partner_customs.entry is None:
        raise KeyPathError(key, f"port {partner!r} has no entry check to merge; expected "
                                f"'ports.{partner}.customs.entry'")


def _listing(names: object) -> str:
    items = sorted(names)  # type: ignore[call-overload]
    if not items:
        return "(none defined)"
    shown = ", ".join(repr(n) for n in items[:12])
    return shown + (", ..." if len(items) > 12 else "")
