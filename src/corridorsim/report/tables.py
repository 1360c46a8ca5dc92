"""Tables built from replication records, in a fixed column order.

Numbers are rounded to fixed decimals here, once, so CSV files are byte-identical
for the same scenario, seed and version wherever they are produced.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from corridorsim.corridors import corridor_of
from corridorsim.network import FIXED_COST_COMPONENTS
from corridorsim.records import (
    ACTIVITIES,
    AT_SEA,
    NodeRecord,
    ReplicationOutcome,
    SailingRecord,
    StageRecord,
)
from corridorsim.report.periods import DEFAULT_PERIOD, period_spans, replication_period_rows
from corridorsim.report.places import country_rows, segment_rows, stop_rows
from corridorsim.report.rounding import rounded, rounded_array
from corridorsim.report.shares import share_rows
from corridorsim.report.timeseries import daily_rows
from corridorsim.scenario.schema import Scenario
from corridorsim.sim.calendar import Calendar

Tables = dict[str, list[dict[str, Any]]]
"""Rows by table name (``shipments``, ``routes``, ``nodes``, ``groups``, and after the
merge ``summary`` and ``comparison``)."""

ACTIVITY_COLUMNS = tuple(a.column for a in ACTIVITIES)

COST_COMPONENTS = (*FIXED_COST_COMPONENTS, "inventory")
"""The components of a consignment's ``cost_usd_per_teu``: the fixed ones (whose sum is
``freight_usd_per_teu``) and the inventory cost of its transit time."""

COST_COLUMNS = tuple(f"cost_{c}_usd_per_teu" for c in COST_COMPONENTS)
"""Columns of ``shipments.csv`` with ``cost_usd_per_teu`` by component."""

SHIPMENT_COLUMNS = ("replication", "consignment_id", "flow", "route", "corridor", "teu",
                    "released_at", "delivered_at", "transit_days", *ACTIVITY_COLUMNS,
                    "cost_usd_per_teu", "freight_usd_per_teu", "co2_kg_per_teu",
                    "co2e_wtw_kg_per_teu", "co2e_ttw_kg_per_teu",
                    "expected_cost_usd_per_teu", *COST_COLUMNS)

NODE_COLUMNS = ("replication", "node", "kind", "stage", "utilisation", "mean_queue",
                "max_queue", "mean_wait_hours", "throughput_teu", "throughput_trains",
                "vessel_calls", "hours_closed", "mean_yard_teu", "max_yard_teu", "landed_teu",
                "loaded_teu", "servers", "services", "mean_service_hours")
"""Columns of ``nodes.csv``: a row per node (``stage`` empty), then one per stage of it."""

OUTAGE_COLUMNS = ("hours_out", "server_hours_out")
"""The stage columns of ``nodes.csv`` in a scenario with outages (``kind: outage``)."""


def node_columns(outages: bool = False) -> tuple[str, ...]:
    """Columns of ``nodes.csv``: the fixed ones, then the hours out of service of each
    stage when the scenario has outages."""
    return (*NODE_COLUMNS, *OUTAGE_COLUMNS) if outages else NODE_COLUMNS

ROUTE_COLUMNS = ("replication", "route", "corridor", "consignments_released", "teu_released",
                 "consignments_delivered", "teu_delivered", "mean_transit_days",
                 "std_transit_days", "median_transit_days", "p90_transit_days",
                 "p95_transit_days", "share_within_promise", "mean_cost_usd_per_teu",
                 "mean_co2_kg_per_teu",
                 "mean_co2e_wtw_kg_per_teu", "mean_co2e_ttw_kg_per_teu",
                 *(f"mean_{c}" for c in ACTIVITY_COLUMNS),
                 "backlog_consignments", "backlog_teu", "median_at_least", "p90_at_least",
                 "p95_at_least", *(f"mean_{c}" for c in COST_COLUMNS),
                 "cost_safety_stock_usd_per_teu")


CORRIDOR_COLUMNS = ("replication", "corridor", "consignments_released", "teu_released",
                    "consignments_delivered", "teu_delivered", "mean_transit_days",
                    "std_transit_days", "median_transit_days", "p90_transit_days",
                    "p95_transit_days", "share_within_promise", "mean_cost_usd_per_teu",
                    "mean_co2_kg_per_teu",
                    "mean_co2e_wtw_kg_per_teu", "mean_co2e_ttw_kg_per_teu",
                    *(f"mean_{c}" for c in ACTIVITY_COLUMNS),
                    "backlog_consignments", "median_at_least", "p90_at_least",
                    "p95_at_least")
"""Columns of ``corridors.csv``: each corridor's routes pooled, per replication."""


SERVICE_COLUMNS = ("replication", "service", "from_port", "to_port", "sailings",
                   "teu_carried", "load_factor", "mean_handling_hours",
                   "mean_cargo_wait_hours", "mean_closure_hours")
"""Columns of ``services.csv``: one row per vessel service, direction and replication."""


def place_column(place: str) -> str:
    """The column of a place's days: ``days_in_KZ``, or ``days_at_sea``."""
    return "days_at_sea" if place == AT_SEA else f"days_in_{place}"


def shipment_columns(places: Sequence[str]) -> tuple[str, ...]:
    """Columns of ``shipments.csv``: the fixed ones, then one per place of the scenario."""
    return (*SHIPMENT_COLUMNS, *(place_column(p) for p in places))


def route_columns(places: Sequence[str]) -> tuple[str, ...]:
    """Columns of ``routes.csv``: the fixed ones, then the mean days of each place."""
    return (*ROUTE_COLUMNS, *(f"mean_{place_column(p)}" for p in places))


def corridor_columns(places: Sequence[str]) -> tuple[str, ...]:
    """Columns of ``corridors.csv``: the fixed ones, then the mean days of each place."""
    return (*CORRIDOR_COLUMNS, *(f"mean_{place_column(p)}" for p in places))


TABLES = ("shipments", "routes", "nodes", "groups", "corridors", "services", "countries",
          "segments", "shares", "stops", "route_means", "daily", "period_rows")
"""Per-replication tables; ``route_means`` (each route's mean transit days, for the
precision rule of ``--target-halfwidth``), ``daily`` (the day-by-day levels that
``timeseries.csv`` adds up across replications) and ``period_rows`` (what
``periods.csv`` estimates across replications) are not written to a file."""


def merge_tables(pieces: Iterable[Tables]) -> Tables:
    """Concatenate per-replication tables (given in replication order)."""
    merged: Tables = {name: [] for name in TABLES}
    for piece in pieces:
        for name in TABLES:
            merged[name].extend(piece[name])
    return merged


def _column(values: np.ndarray, present: np.ndarray) -> list[Any]:
    """A numpy column as a list of Python floats, None where not ``present``."""
    out: list[Any] = values.tolist()
    if not present.all():
        for i in np.flatnonzero(~present):
            out[i] = None
    return out


def replication_tables(scenario: Scenario, outcome: ReplicationOutcome,
                       period: str = DEFAULT_PERIOD) -> Tables:
    """Rows of shipments, routes, nodes and groups of one replication, and its rows of
    each calendar ``period`` (year, quarter or month).

    Built where the replication ran (a worker process), so that table building runs in
    parallel with the simulation instead of after it in the parent. Columns are
    computed with numpy and rounded once (``rounded_array``); KPIs are taken from the
    rounded columns, as a reader of ``shipments.csv`` would compute them.
    """
    end = scenario.horizon + scenario.drain
    calendar = Calendar(scenario.start_date, end)
    records = outcome.shipments
    n = len(records)
    delivered_mask = np.fromiter((r.delivered_at is not None for r in records), bool, n)
    released = np.fromiter((r.released_at for r in records), float, n)
    delivered = np.fromiter((r.delivered_at if r.delivered_at is not None else np.nan
                             for r in records), float, n)
    empty = (np.nan,) * len(ACTIVITY_COLUMNS)
    activity_days = rounded_array(np.array(
        [r.activity_hours if r.activity_hours is not None else empty for r in records],
        dtype=float).reshape(n, len(ACTIVITY_COLUMNS)).T / 24.0, 4)
    transit_days = rounded_array((delivered - released) / 24.0, 4)
    cost = rounded_array(np.fromiter((r.cost_usd_per_teu if r.cost_usd_per_teu is not None
                                      else np.nan for r in records), float, n), 2)
    freight = rounded_array(np.fromiter((r.freight_usd_per_teu for r in records), float, n), 2)
    co2 = rounded_array(np.fromiter((r.co2_kg_per_teu for r in records), float, n), 2)
    co2e = _co2e_columns(records) if scenario.costs.emissions is not None else None
    chose = np.fromiter((r.expected_cost_usd_per_teu is not None for r in records), bool, n)
    expected = rounded_array(np.fromiter((r.expected_cost_usd_per_teu
                                          if r.expected_cost_usd_per_teu is not None
                                          else np.nan for r in records), float, n), 2)
    fixed_parts = len(FIXED_COST_COMPONENTS)
    no_parts = (0.0,) * fixed_parts
    components = rounded_array(np.array(
        [(*(r.cost_components or no_parts),
          r.inventory_usd_per_teu if r.inventory_usd_per_teu is not None else np.nan)
         for r in records], dtype=float).reshape(n, fixed_parts + 1).T, 2)
    teu = np.fromiter((r.teu for r in records), np.int64, n)
    places = scenario.places
    no_places = (np.nan,) * len(places)
    place_days = rounded_array(np.array(
        [r.place_hours if r.place_hours is not None else no_places for r in records],
        dtype=float).reshape(n, len(places)).T / 24.0, 4)

    released_at = calendar.timestamps(released)
    delivered_at = calendar.timestamps(np.where(delivered_mask, delivered, 0.0))
    corridors = {route: corridor_of(route) for route in {r.route for r in records}}
    columns: list[list[Any]] = [
        [r.replication for r in records], [r.consignment_id for r in records],
        [r.flow for r in records], [r.route for r in records],
        [corridors[r.route] for r in records], teu.tolist(), released_at,
        [t if d else None for t, d in zip(delivered_at, delivered_mask.tolist(), strict=True)],
        _column(transit_days, delivered_mask),
        *(_column(days, delivered_mask) for days in activity_days),
        _column(cost, delivered_mask), freight.tolist(), co2.tolist(),
        *([c.tolist() for c in co2e] if co2e is not None else ([None] * n, [None] * n)),
        _column(expected, chose),
        *(part.tolist() for part in components[:-1]), _column(components[-1], delivered_mask),
        *(_column(days, delivered_mask) for days in place_days)]
    names = shipment_columns(places)
    shipments = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]

    shipment_table = ShipmentColumns(
        flows=columns[2], released_hours=released, delivered=delivered_mask,
        transit_days=transit_days, activity_days=activity_days, cost=cost, co2=co2, teu=teu,
        place_days=place_days, places=tuple(places), co2e=co2e, cost_components=components,
        safety_stock_usd_per_teu_day=scenario.costs.safety_stock_usd_per_teu_day)
    china_europe_routes = sorted({r for f in scenario.flows.values() if f.reported
                                  for r in f.route_shares})
    promise = scenario.promised_transit
    per_route: dict[str, list[int]] = {r: [] for r in china_europe_routes}
    for i, rec in enumerate(records):
        per_route.setdefault(rec.route, []).append(i)
    routes: list[dict[str, Any]] = []
    for route in sorted(per_route):
        backlog = outcome.backlog.get(route, (0, 0))
        entry: dict[str, Any] = {"replication": outcome.replication, "route": route,
                                 "corridor": corridor_of(route)}
        entry.update(transit_kpis(shipment_table, np.array(per_route[route], dtype=np.int64),
                                  promise, end))
        entry["backlog_consignments"] = backlog[0]
        entry["backlog_teu"] = backlog[1]
        routes.append({c: entry.get(c) for c in route_columns(places)})
    groups = _group_rows(outcome.replication, shipment_table, per_route, outcome.backlog,
                         promise, end)
    stages: dict[str, list[StageRecord]] = {}
    for stage in outcome.stages:
        stages.setdefault(stage.node, []).append(stage)
    nodes = []
    outages = bool(scenario.outages)
    for node in outcome.nodes:
        nodes.append(_node_row(node))
        nodes.extend(_stage_row(stage, outages) for stage in stages.get(node.node, ()))
    corridor_rows = [{"replication": g["replication"], "corridor": g["name"],
                      **{k: g.get(k) for k in corridor_columns(places)[2:]}}
                     for g in groups if g["scope"] == "corridor"]
    return {"shipments": shipments, "routes": routes, "nodes": nodes, "groups": groups,
            "corridors": corridor_rows, "services": [_service_row(s) for s in outcome.sailings],
            "countries": country_rows(scenario, outcome.replication, records, per_route),
            "segments": segment_rows(scenario, outcome.replication, records, per_route),
            "shares": share_rows(scenario, outcome.replication, records, calendar),
            "stops": stop_rows(scenario, outcome.replication, records, calendar),
            "route_means": route_means(shipments), "daily": daily_rows(outcome.daily),
            "period_rows": replication_period_rows(
                outcome.replication,
                period_spans(calendar, scenario.warmup_hours, scenario.horizon, period),
                calendar, released, per_route,
                lambda rows: transit_kpis(shipment_table, rows, promise, end), outcome.months)}


def _service_row(s: SailingRecord) -> dict[str, Any]:
    """A row of ``services.csv``; means are per sailing, empty without one."""
    n = s.sailings

    def per_sailing(hours: float) -> float | None:
        return rounded(hours / n) if n else None

    return {"replication": s.replication, "service": s.service, "from_port": s.from_port,
            "to_port": s.to_port, "sailings": n, "teu_carried": s.teu,
            "load_factor": rounded(s.teu / s.capacity_teu) if s.capacity_teu else None,
            "mean_handling_hours": per_sailing(s.handling_hours),
            "mean_cargo_wait_hours": per_sailing(s.cargo_wait_hours),
            "mean_closure_hours": per_sailing(s.closure_hours)}


def _co2e_columns(records: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """WTW and TTW kg CO2e per TEU of each shipment, rounded as ``co2_kg_per_teu``."""
    n = len(records)
    return (rounded_array(np.fromiter((r.co2e_wtw_kg_per_teu for r in records), float, n), 2),
            rounded_array(np.fromiter((r.co2e_ttw_kg_per_teu for r in records), float, n), 2))


def route_means(shipments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per route and replication: the mean of the ``transit_days`` written in
    ``shipments.csv`` (unrounded), so precision needs no shipment rows kept."""
    days: dict[tuple[int, str], list[float]] = {}
    for row in shipments:
        if row["transit_days"] is not None:
            days.setdefault((row["replication"], row["route"]), []).append(row["transit_days"])
    return [{"replication": rep, "route": route, "mean_transit_days": sum(d) / len(d)}
            for (rep, route), d in days.items()]


class ShipmentColumns:
    """One replication's shipments as columns (rounded as in ``shipments.csv``), for KPIs
    over any subset of rows given as an index array."""

    __slots__ = ("flows", "released_hours", "delivered", "transit_days", "activity_days",
                 "cost", "co2", "teu", "place_days", "places", "co2e", "cost_components",
                 "safety_stock_usd_per_teu_day")

    def __init__(self, flows: list[str], released_hours: np.ndarray, delivered: np.ndarray,
                 transit_days: np.ndarray, activity_days: np.ndarray, cost: np.ndarray,
                 co2: np.ndarray, teu: np.ndarray, place_days: np.ndarray | None = None,
                 places: tuple[str, ...] = (),
                 co2e: tuple[np.ndarray, np.ndarray] | None = None,
                 cost_components: np.ndarray | None = None,
                 safety_stock_usd_per_teu_day: float = 0.0):
        self.cost_components = cost_components
        """``cost_usd_per_teu`` by component (``COST_COMPONENTS``), one row each."""
        self.safety_stock_usd_per_teu_day = safety_stock_usd_per_teu_day
        self.place_days = place_days
        self.places = places
        self.flows = flows
        self.released_hours = released_hours
        self.delivered = delivered
        self.transit_days = transit_days
        self.activity_days = activity_days
        self.cost = cost
        self.co2 = co2
        self.teu = teu
        self.co2e = co2e
        """WTW and TTW kg CO2e per TEU, under ``costs.emissions``; else None."""


EMISSION_KPIS = ("mean_co2e_wtw_kg_per_teu", "mean_co2e_ttw_kg_per_teu")
"""The ISO 14083 / GLEC means, in the tables of a scenario with ``costs.emissions`` only
(``summary.csv`` and ``comparison.csv`` list them only then)."""

TRANSIT_KPIS = ("consignments_released", "teu_released", "consignments_delivered",
                "teu_delivered",
                "mean_transit_days", "std_transit_days", "median_transit_days",
                "p90_transit_days", "p95_transit_days", "share_within_promise",
                "mean_cost_usd_per_teu", "mean_co2_kg_per_teu",
                *(f"mean_{c}" for c in ACTIVITY_COLUMNS))


def transit_kpis(table: ShipmentColumns, rows: np.ndarray, promise: float | None,
                 end: float) -> dict[str, Any]:
    """Transit-time, cost and CO2 figures of the shipments ``rows`` (one replication)."""
    done = rows[table.delivered[rows]]
    kpis: dict[str, Any] = {"consignments_released": len(rows),
                            "teu_released": int(table.teu[rows].sum()),
                            "consignments_delivered": len(done),
                            "teu_delivered": int(table.teu[done].sum())}
    if not len(done):
        return kpis
    days = table.transit_days[done]
    kpis.update({
        "mean_transit_days": rounded(days.mean()),
        "std_transit_days": rounded(days.std(ddof=1)) if len(done) > 1 else None,
        **censored_percentiles(days, (end - table.released_hours[rows[~table.delivered[rows]]])
                               / 24.0),
        "share_within_promise": _share_within_promise(table, rows, promise, end),
        "mean_cost_usd_per_teu": rounded(np.mean(table.cost[done]), 2),
        "mean_co2_kg_per_teu": rounded(np.mean(table.co2[done]), 2),
    })
    if table.co2e is not None:
        for kpi, values in zip(EMISSION_KPIS, table.co2e, strict=True):
            kpis[kpi] = rounded(np.mean(values[done]), 2)
    if table.cost_components is not None:
        for column, values in zip(COST_COLUMNS, table.cost_components, strict=True):
            kpis[f"mean_{column}"] = rounded(np.mean(values[done]), 2)
        safety = table.safety_stock_usd_per_teu_day * (kpis["p90_transit_days"]
                                                       - kpis["median_transit_days"])
        kpis["cost_safety_stock_usd_per_teu"] = rounded(safety, 2)
        if safety:  # the spread's cost is the route's, so it is in its mean cost
            kpis["mean_cost_usd_per_teu"] = rounded(np.mean(table.cost[done]) + safety, 2)
    for column, values in zip(ACTIVITY_COLUMNS, table.activity_days, strict=True):
        kpis[f"mean_{column}"] = rounded(np.mean(values[done]))
    if table.place_days is not None:
        for place, values in zip(table.places, table.place_days, strict=True):
            kpis[f"mean_{place_column(place)}"] = rounded(np.mean(values[done]))
    return kpis


PERCENTILES = ((50, "median"), (90, "p90"), (95, "p95"))
"""The transit-time percentiles reported, and their column prefixes."""


def censored_percentiles(days: np.ndarray, censored: np.ndarray) -> dict[str, Any]:
    """Percentiles of the transit days of every consignment released, delivered
    (``days``) or still travelling at the end, each of these counted at its lower bound,
    the days it has travelled so far (``censored``). A percentile whose order statistics
    (the two values it interpolates between) may hold such a bound is itself only a
    lower bound: ``<kpi>_at_least`` says so. With nothing still travelling these are the
    percentiles of the delivered."""
    values = np.concatenate([days, censored]) if len(censored) else days
    ordered = np.sort(values)
    out: dict[str, Any] = {}
    for q, name in PERCENTILES:
        out[f"{name}_transit_days"] = rounded(np.percentile(values, q))
        above = ordered[math.ceil(q / 100.0 * (len(ordered) - 1))]
        out[f"{name}_at_least"] = "yes" if len(censored) and (censored <= above).any() else "no"
    return out


def _group_rows(replication: int, table: ShipmentColumns, per_route: dict[str, list[int]],
                backlog: dict[str, tuple[int, int]], promise: float | None,
                end: float) -> list[dict[str, Any]]:
    """Per replication: KPIs of each corridor, and of each flow on each corridor.

    Flow-level groups make route comparisons like for like (same origin and
    destination); corridor groups pool every route of a corridor.
    """
    buckets: dict[tuple[str, str, str], tuple[list[int], int]] = {}
    flows = table.flows
    for route, rows in per_route.items():
        corridor = corridor_of(route)
        key = ("corridor", corridor, corridor)
        members, stuck = buckets.setdefault(key, ([], 0))
        members.extend(rows)
        buckets[key] = (members, stuck + backlog.get(route, (0, 0))[0])
        for i in rows:
            buckets.setdefault(("flow", flows[i], corridor), ([], 0))[0].append(i)
    out = []
    for (scope, name, corridor), (rows, stuck) in sorted(buckets.items()):
        entry = {"replication": replication, "scope": scope, "name": name,
                 "corridor": corridor,
                 **transit_kpis(table, np.array(rows, dtype=np.int64), promise, end)}
        if scope == "corridor":
            entry["backlog_consignments"] = stuck
        out.append(entry)
    return out


def _share_within_promise(table: ShipmentColumns, rows: np.ndarray,
                          promise_hours: float | None, end: float) -> float | None:
    """Share of consignments whose promise fell due by the end that were delivered in time.

    Consignments still travelling past their promise count as late; those whose promise
    had not fallen due at the end are left out (their outcome is not known yet).
    """
    if promise_hours is None:
        return None
    due = table.released_hours[rows] + promise_hours <= end
    n_due = int(due.sum())
    if not n_due:
        return None
    in_time = due & table.delivered[rows] & (table.transit_days[rows] * 24.0 <= promise_hours)
    return rounded(int(in_time.sum()) / n_due)


def _stage_row(stage: StageRecord, outages: bool = False) -> dict[str, Any]:
    """A stage row of ``nodes.csv``: the node-level columns are empty; with ``outages``
    (the scenario has some) its hours out of service."""
    row = {
        **dict.fromkeys(NODE_COLUMNS),
        "replication": stage.replication, "node": stage.node, "kind": stage.kind,
        "stage": stage.stage, "utilisation": rounded(stage.utilisation),
        "mean_queue": rounded(stage.mean_queue), "max_queue": stage.max_queue,
        "mean_wait_hours": rounded(stage.mean_wait_hours), "servers": stage.servers,
        "services": stage.services, "mean_service_hours": rounded(stage.mean_service_hours),
    }
    if outages:
        row["hours_out"] = rounded(stage.hours_out, 2)
        row["server_hours_out"] = rounded(stage.server_hours_out, 2)
    return row


def _node_row(node: NodeRecord) -> dict[str, Any]:
    return {
        "replication": node.replication, "node": node.node, "kind": node.kind, "stage": None,
        "utilisation": rounded(node.utilisation), "mean_queue": rounded(node.mean_queue),
        "max_queue": node.max_queue, "mean_wait_hours": rounded(node.mean_wait_hours),
        "throughput_teu": rounded(node.throughput_teu, 1),
        "throughput_trains": node.throughput_trains, "vessel_calls": node.vessel_calls,
        "hours_closed": rounded(node.hours_closed, 2),
        "mean_yard_teu": rounded(node.mean_yard_teu, 1),
        "max_yard_teu": rounded(node.max_yard_teu, 1),
        "landed_teu": rounded(node.landed_teu, 1),
        "loaded_teu": rounded(node.loaded_teu, 1),
    }
