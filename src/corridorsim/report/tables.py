"""Tables built from replication records, in a fixed column order.

Numbers are rounded to fixed decimals here, once, so CSV files are byte-identical
for the same scenario, seed and version wherever they are produced.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from corridorsim.records import ACTIVITIES, NodeRecord
from corridorsim.sim.calendar import Calendar

if TYPE_CHECKING:
    from corridorsim.experiment.replications import RunResult
    from corridorsim.scenario.schema import Scenario
    from corridorsim.sim.model import ReplicationOutcome

ACTIVITY_COLUMNS = [a.column for a in ACTIVITIES]

SHIPMENT_COLUMNS = ["replication", "consignment_id", "flow", "route", "corridor", "teu",
                    "released_at", "delivered_at", "transit_days", *ACTIVITY_COLUMNS,
                    "cost_usd_per_teu", "freight_usd_per_teu", "co2_kg_per_teu"]

NODE_COLUMNS = ["replication", "node", "kind", "utilisation", "mean_queue", "max_queue",
                "mean_wait_hours", "throughput_teu", "throughput_trains", "vessel_calls",
                "hours_closed", "mean_yard_teu", "max_yard_teu"]

ROUTE_COLUMNS = ["replication", "route", "corridor", "consignments_released",
                 "consignments_delivered", "teu_delivered", "mean_transit_days",
                 "std_transit_days", "median_transit_days", "p90_transit_days",
                 "p95_transit_days", "share_within_promise", "mean_cost_usd_per_teu",
                 "mean_co2_kg_per_teu", *[f"mean_{c}" for c in ACTIVITY_COLUMNS],
                 "backlog_consignments", "backlog_teu"]


def corridor_of(route: str) -> str:
    """``northern`` or ``middle`` from the route's name (the naming rule of the schema)."""
    for family in ("northern", "middle"):
        if route.startswith(family + "_"):
            return family
    return "other"


def rounded(x: float | None, digits: int = 4) -> float | None:
    """Round once, here, so that CSV files are byte-identical wherever they are written."""
    return None if x is None else round(float(x), digits)


TABLES = ("shipments", "routes", "nodes", "groups")


def merge_tables(pieces: Iterable[dict[str, list[dict[str, Any]]]]
                 ) -> dict[str, list[dict[str, Any]]]:
    """Concatenate per-replication tables (given in replication order)."""
    merged: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for piece in pieces:
        for name in TABLES:
            merged[name].extend(piece[name])
    return merged


def replication_tables(scenario: Scenario, outcome: ReplicationOutcome
                       ) -> dict[str, list[dict[str, Any]]]:
    """Rows of shipments, routes, nodes and groups of one replication.

    Built where the replication ran (a worker process), so that table building runs in
    parallel with the simulation instead of after it in the parent.
    """
    end = scenario.horizon + scenario.drain
    calendar = Calendar(scenario.start_date, end)
    shipments: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    china_europe_routes = sorted({r for f in scenario.flows.values() if not f.background
                                  for r in f.routes})
    promise = scenario.promised_transit
    per_route: dict[str, list[dict[str, Any]]] = {r: [] for r in china_europe_routes}
    released: dict[str, list[float]] = {r: [] for r in china_europe_routes}
    timestamp = calendar.timestamp
    for rec in outcome.shipments:
        delivered = rec.delivered_at
        transit = rec.transit_hours
        row: dict[str, Any] = {
            "replication": rec.replication, "consignment_id": rec.consignment_id,
            "flow": rec.flow, "route": rec.route, "corridor": corridor_of(rec.route),
            "teu": rec.teu, "released_at": timestamp(rec.released_at),
            "delivered_at": timestamp(delivered) if delivered is not None else None,
            "transit_days": round(transit / 24.0, 4) if transit is not None else None,
        }
        if rec.activity_hours is None:
            for column in ACTIVITY_COLUMNS:
                row[column] = None
        else:
            for column, hours in zip(ACTIVITY_COLUMNS, rec.activity_hours, strict=True):
                row[column] = round(hours / 24.0, 4)
        row["cost_usd_per_teu"] = rounded(rec.cost_usd_per_teu, 2)
        row["freight_usd_per_teu"] = rounded(rec.freight_usd_per_teu, 2)
        row["co2_kg_per_teu"] = rounded(rec.co2_kg_per_teu, 2)
        shipments.append(row)
        per_route.setdefault(rec.route, []).append(row)
        released.setdefault(rec.route, []).append(rec.released_at)
    for route in sorted(per_route):
        backlog = outcome.backlog.get(route, (0, 0))
        entry: dict[str, Any] = {"replication": outcome.replication, "route": route,
                                 "corridor": corridor_of(route)}
        entry.update(transit_kpis(per_route[route], released[route], promise, end))
        entry["backlog_consignments"] = backlog[0]
        entry["backlog_teu"] = backlog[1]
        routes.append({c: entry.get(c) for c in ROUTE_COLUMNS})
    groups.extend(_group_rows(outcome.replication, per_route, released, outcome.backlog,
                              promise, end))
    for node in outcome.nodes:
        nodes.append(_node_row(node))
    return {"shipments": shipments, "routes": routes, "nodes": nodes, "groups": groups}


def add_summaries(tables: dict[str, list[dict[str, Any]]], result: RunResult) -> None:
    """Add the across-replication tables (needs the per-replication ones first)."""
    from corridorsim.report.summaries import comparison_rows, summary_rows

    tables["summary"] = summary_rows(result)
    tables["comparison"] = comparison_rows(result)


TRANSIT_KPIS = ["consignments_released", "consignments_delivered", "teu_delivered",
                "mean_transit_days", "std_transit_days", "median_transit_days",
                "p90_transit_days", "p95_transit_days", "share_within_promise",
                "mean_cost_usd_per_teu", "mean_co2_kg_per_teu",
                *[f"mean_{c}" for c in ACTIVITY_COLUMNS]]


def transit_kpis(rows: list[dict[str, Any]], released_hours: list[float],
                 promise: float | None, horizon: float) -> dict[str, Any]:
    """Transit-time, cost and CO2 figures of a set of shipments rows (one replication)."""
    done = [r for r in rows if r["transit_days"] is not None]
    kpis: dict[str, Any] = {"consignments_released": len(rows),
                            "consignments_delivered": len(done),
                            "teu_delivered": sum(r["teu"] for r in done)}
    if not done:
        return kpis
    days = np.array([r["transit_days"] for r in done], dtype=float)
    kpis.update({
        "mean_transit_days": rounded(days.mean()),
        "std_transit_days": rounded(days.std(ddof=1)) if len(done) > 1 else None,
        "median_transit_days": rounded(np.percentile(days, 50)),
        "p90_transit_days": rounded(np.percentile(days, 90)),
        "p95_transit_days": rounded(np.percentile(days, 95)),
        "share_within_promise": _share_within_promise(rows, released_hours, promise, horizon),
        "mean_cost_usd_per_teu": rounded(np.mean([r["cost_usd_per_teu"] for r in done]), 2),
        "mean_co2_kg_per_teu": rounded(np.mean([r["co2_kg_per_teu"] for r in done]), 2),
    })
    for column in ACTIVITY_COLUMNS:
        kpis[f"mean_{column}"] = rounded(np.mean([r[column] for r in done]))
    return kpis


def _group_rows(replication: int, per_route: dict[str, list[dict[str, Any]]],
                released: dict[str, list[float]], backlog: dict[str, tuple[int, int]],
                promise: float | None, horizon: float) -> list[dict[str, Any]]:
    """Per replication: KPIs of each corridor, and of each flow on each corridor.

    Flow-level groups make route comparisons like for like (same origin and
    destination); corridor groups pool every route of a corridor.
    """
    buckets: dict[tuple[str, str, str], tuple[list[dict[str, Any]], list[float], int]] = {}
    for route, rows in per_route.items():
        corridor = corridor_of(route)
        for row, hours in zip(rows, released[route], strict=True):
            for key in (("corridor", corridor, corridor), ("flow", row["flow"], corridor)):
                bucket = buckets.setdefault(key, ([], [], 0))
                bucket[0].append(row)
                bucket[1].append(hours)
        key = ("corridor", corridor, corridor)
        rows_, hours_, stuck = buckets.setdefault(key, ([], [], 0))
        buckets[key] = (rows_, hours_, stuck + backlog.get(route, (0, 0))[0])
    out = []
    for (scope, name, corridor), (rows, hours, stuck) in sorted(buckets.items()):
        entry = {"replication": replication, "scope": scope, "name": name,
                 "corridor": corridor, **transit_kpis(rows, hours, promise, horizon)}
        if scope == "corridor":
            entry["backlog_consignments"] = stuck
        out.append(entry)
    return out


def _share_within_promise(rows: list[dict[str, Any]], released_hours: list[float],
                          promise_hours: float | None, horizon: float) -> float | None:
    """Share of consignments whose promise fell due by the end that were delivered in time.

    Consignments still travelling past their promise count as late; those whose promise
    had not fallen due at the end are left out (their outcome is not known yet).
    """
    if promise_hours is None:
        return None
    due = on_time = 0
    for row, released in zip(rows, released_hours, strict=True):
        if released + promise_hours <= horizon:
            due += 1
            if row["transit_days"] is not None and row["transit_days"] * 24.0 <= promise_hours:
                on_time += 1
    return rounded(on_time / due) if due else None


def _node_row(node: NodeRecord) -> dict[str, Any]:
    return {
        "replication": node.replication, "node": node.node, "kind": node.kind,
        "utilisation": rounded(node.utilisation), "mean_queue": rounded(node.mean_queue),
        "max_queue": node.max_queue, "mean_wait_hours": rounded(node.mean_wait_hours),
        "throughput_teu": rounded(node.throughput_teu, 1),
        "throughput_trains": node.throughput_trains, "vessel_calls": node.vessel_calls,
        "hours_closed": rounded(node.hours_closed, 2),
        "mean_yard_teu": rounded(node.mean_yard_teu, 1),
        "max_yard_teu": rounded(node.max_yard_teu, 1),
    }
