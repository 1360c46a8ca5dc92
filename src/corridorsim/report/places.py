"""Time by place: days per country and activity (``countries.csv``), times over named
segments of routes (``segments.csv``) and each consignment's stops (``stops.csv``).

All three describe delivered consignments by the part that arrived last, as the
transit times do, so a country's days, a segment's time and a stop's hours are parts
of the same critical path and add up to its transit time.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from corridorsim.corridors import corridor_of
from corridorsim.countries import COUNTRY_NAMES
from corridorsim.records import ACTIVITIES, AT_SEA, N_ACTIVITIES, ShipmentRecord
from corridorsim.report.rounding import rounded
from corridorsim.scenario.schema import Scenario
from corridorsim.scenario.sections import RailLeg
from corridorsim.sim.calendar import Calendar

ACTIVITY_DAYS = tuple(a.column for a in ACTIVITIES)

COUNTRY_COLUMNS = ("replication", "scope", "name", "corridor", "country", "country_name",
                   "consignments", "mean_days", *(f"mean_{c}" for c in ACTIVITY_DAYS))
"""Columns of ``countries.csv``: per route (and corridor), country and replication."""

SEGMENT_COLUMNS = ("replication", "route", "corridor", "segment", "from_node", "to_node",
                   "consignments", "mean_days", "median_days", "p90_days")
"""Columns of ``segments.csv``: per route, segment and replication."""

STOP_COLUMNS = ("replication", "consignment_id", "flow", "route", "corridor", "stop", "node",
                "kind", "country", "arrived_at", "departed_at", "dwell_hours",
                *(f"hours_{a.name.lower()}" for a in ACTIVITIES))
"""Columns of ``stops.csv``: per delivered consignment, replication and node visited."""

SEGMENT_KPIS = ("consignments", "mean_days", "median_days", "p90_days")
COUNTRY_KPIS = ("mean_days", *(f"mean_{c}" for c in ACTIVITY_DAYS))


def node_country(scenario: Scenario, node: str) -> str | None:
    """The country a node's hours go to (its entry side, for a border)."""
    for section in (scenario.terminals, scenario.borders, scenario.ports, scenario.stations):
        config = section.get(node)
        if config is not None:
            return config.country
    return None


def route_places(scenario: Scenario, route: str) -> tuple[str, ...]:
    """The places a route's hours can go to, in the scenario's place order (only the sea
    for an outside alternative)."""
    if route in scenario.alternatives:
        return (AT_SEA,) if AT_SEA in scenario.places else ()
    nodes = scenario.routes[route]
    found: set[str] = set()
    for node in nodes:
        for section in (scenario.terminals, scenario.borders, scenario.ports,
                        scenario.stations):
            config = section.get(node)
            if config is None:
                continue
            gauge = getattr(config, "gauge_change", None)
            found.update(c for c in (config.country, getattr(config, "exit_country", None),
                                     gauge.country if gauge is not None else None,
                                     *(op.country for op in getattr(config, "operations", ())))
                         if c is not None)
    pairs = scenario.legs_by_pair
    for a, b in itertools.pairwise(nodes):
        leg = scenario.legs[pairs[(a, b)]]
        found.add(leg.country if isinstance(leg, RailLeg) and leg.country else AT_SEA)
    return tuple(p for p in scenario.places if p in found)


def country_rows(scenario: Scenario, replication: int, records: Sequence[ShipmentRecord],
                 per_route: dict[str, list[int]]) -> list[dict[str, Any]]:
    """Per route and per corridor: each country's mean days, split by activity, over the
    delivered consignments (empty without countries)."""
    places = scenario.places
    if not places:
        return []
    width = len(places) * N_ACTIVITIES
    groups: list[tuple[str, str, str, np.ndarray | None, tuple[str, ...]]] = []
    by_corridor: dict[str, tuple[list[np.ndarray], set[str]]] = {}
    for route in sorted(per_route):
        corridor = corridor_of(route)
        visited = route_places(scenario, route)
        if route in scenario.alternatives:
            days = _at_sea_days(records, per_route[route], places, width)
        else:
            clocks = [records[i].clock for i in per_route[route]
                      if records[i].clock is not None]
            days = (np.array(clocks, dtype=float).reshape(len(clocks), width) / 24.0
                    if clocks else None)
        groups.append(("route", route, corridor, days, visited))
        arrays, seen = by_corridor.setdefault(corridor, ([], set()))
        if days is not None:
            arrays.append(days)  # a corridor's rows are its routes' rows, in this order
        seen.update(visited)
    for corridor, (arrays, seen) in sorted(by_corridor.items()):
        groups.append(("corridor", corridor, corridor,
                       np.concatenate(arrays) if arrays else None,
                       tuple(p for p in places if p in seen)))
    out: list[dict[str, Any]] = []
    for scope, name, corridor, days, visited in groups:
        for place in visited:
            entry: dict[str, Any] = {
                "replication": replication, "scope": scope, "name": name,
                "corridor": corridor, "country": place,
                "country_name": COUNTRY_NAMES.get(place, "at sea"),
                "consignments": 0 if days is None else len(days)}
            if days is not None:
                first = places.index(place) * N_ACTIVITIES
                block = days[:, first:first + N_ACTIVITIES]
                entry["mean_days"] = rounded(block.sum(axis=1).mean())
                for column, values in zip(ACTIVITY_DAYS, block.T, strict=True):
                    entry[f"mean_{column}"] = rounded(values.mean())
            out.append(entry)
    return out


def _at_sea_days(records: Sequence[ShipmentRecord], rows: list[int], places: Sequence[str],
                 width: int) -> np.ndarray | None:
    """Days by place and activity of an outside alternative's delivered consignments:
    their activities, all at sea (their records keep no clock)."""
    hours = [records[i].activity_hours for i in rows if records[i].activity_hours is not None]
    if not hours:
        return None
    days = np.zeros((len(hours), width))
    first = list(places).index(AT_SEA) * N_ACTIVITIES
    days[:, first:first + N_ACTIVITIES] = np.array(hours, dtype=float) / 24.0
    return days


def segment_arrivals(record: ShipmentRecord, first: str, last: str) -> float | None:
    """Hours from arrival at ``first`` to arrival at ``last`` on a consignment's stops."""
    if record.stops is None:
        return None
    arrived = {stop.node: stop.arrived for stop in record.stops}
    if first not in arrived or last not in arrived:
        return None
    return arrived[last] - arrived[first]


def segment_rows(scenario: Scenario, replication: int, records: Sequence[ShipmentRecord],
                 per_route: dict[str, list[int]]) -> list[dict[str, Any]]:
    """Per reported route and named segment it runs through: mean, median and 90th
    percentile of the days from arrival at the first node to arrival at the last."""
    out: list[dict[str, Any]] = []
    for route in sorted(per_route):
        nodes = scenario.routes.get(route, [])
        for segment, (first, last) in scenario.segments.items():
            if not (first in nodes and last in nodes
                    and nodes.index(first) < nodes.index(last)):
                continue
            hours = [h for i in per_route[route]
                     if (h := segment_arrivals(records[i], first, last)) is not None]
            entry: dict[str, Any] = {"replication": replication, "route": route,
                                     "corridor": corridor_of(route), "segment": segment,
                                     "from_node": first, "to_node": last,
                                     "consignments": len(hours)}
            if hours:
                days = np.array(hours) / 24.0
                entry.update(mean_days=rounded(days.mean()),
                             median_days=rounded(np.percentile(days, 50)),
                             p90_days=rounded(np.percentile(days, 90)))
            out.append(entry)
    return out


def stop_rows(scenario: Scenario, replication: int, records: Sequence[ShipmentRecord],
              calendar: Calendar) -> list[dict[str, Any]]:
    """One row per delivered consignment and node it stopped at, when the run kept its
    stops' clocks (``stops=True``); empty otherwise."""
    kinds = scenario.node_kinds
    countries = {node: node_country(scenario, node) for node in kinds}
    out: list[dict[str, Any]] = []
    for r in records:
        if r.stops is None or r.delivered_at is None:
            continue
        if not r.stops or r.stops[0].activity_hours is None:
            return []  # visits traced for segments only: no stops were asked for
        corridor = corridor_of(r.route)
        times = calendar.timestamps(np.array(
            [t for stop in r.stops for t in (stop.arrived, stop.departed or stop.arrived)]))
        for k, stop in enumerate(r.stops):
            entry: dict[str, Any] = {
                "replication": replication, "consignment_id": r.consignment_id,
                "flow": r.flow, "route": r.route, "corridor": corridor, "stop": k,
                "node": stop.node, "kind": kinds.get(stop.node),
                "country": countries.get(stop.node), "arrived_at": times[2 * k],
                "departed_at": times[2 * k + 1] if stop.departed is not None else None,
                "dwell_hours": (rounded(stop.departed - stop.arrived)
                                if stop.departed is not None else None)}
            if stop.activity_hours is not None:
                for activity, hours in zip(ACTIVITIES, stop.activity_hours, strict=True):
                    entry[f"hours_{activity.name.lower()}"] = rounded(hours)
            out.append(entry)
    return out
