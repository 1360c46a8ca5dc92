"""Across-replication tables: ``summary.csv`` (each KPI's mean and 95% interval) and
``comparison.csv`` (Middle Corridor minus Northern route, paired by replication)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from corridorsim.report.places import COUNTRY_KPIS, SEGMENT_KPIS
from corridorsim.report.shares import SHARE_KPIS, share_estimates_by_replication
from corridorsim.report.tables import (
    EMISSION_KPIS,
    OUTAGE_COLUMNS,
    TRANSIT_KPIS,
    Tables,
    rounded,
)
from corridorsim.stats import Estimate, estimate, paired_difference

ROUTE_KPIS = (*TRANSIT_KPIS, "backlog_consignments", "backlog_teu")
CORRIDOR_KPIS = (*TRANSIT_KPIS, "backlog_consignments")
SERVICE_KPIS = ("sailings", "teu_carried", "load_factor", "mean_handling_hours",
                "mean_cargo_wait_hours", "mean_closure_hours")
NODE_KPIS = ("utilisation", "mean_queue", "max_queue", "mean_wait_hours", "throughput_teu",
             "throughput_trains", "vessel_calls", "hours_closed", "mean_yard_teu", "landed_teu",
             "loaded_teu")
STAGE_KPIS = ("utilisation", "mean_queue", "max_queue", "mean_wait_hours", "services",
              "mean_service_hours")

SUMMARY_COLUMNS = ("scope", "name", "kpi", "mean", "std", "ci_low", "ci_high", "half_width",
                   "replications")
COMPARISON_COLUMNS = ("scope", "name", "kpi", "middle_mean", "northern_mean", "difference",
                      "ci_low", "ci_high", "half_width", "replications", "significant")


def _by_replication(rows: Iterable[dict[str, Any]], kpi: str, n: int) -> list[Any]:
    values: list[Any] = [None] * n
    for row in rows:
        values[row["replication"]] = row.get(kpi)
    return values


def _estimate_row(scope: str, name: str, kpi: str, e: Estimate) -> dict[str, Any]:
    return {"scope": scope, "name": name, "kpi": kpi, "mean": rounded(e.mean),
            "std": rounded(e.std), "ci_low": rounded(e.low), "ci_high": rounded(e.high),
            "half_width": rounded(e.half_width), "replications": e.n}


def _grouped(rows: Iterable[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups


def add_summaries(tables: Tables, replications: int, years: float = 0.0) -> None:
    """Add ``summary`` and ``comparison`` to the merged per-replication tables (``years``:
    the length of the demand window, for figures per year)."""
    tables["summary"] = summary_rows(tables, replications, years)
    tables["comparison"] = comparison_rows(tables, replications)


def summary_rows(tables: Tables, replications: int, years: float = 0.0
                 ) -> list[dict[str, Any]]:
    """Mean, standard deviation and 95% t-interval of every KPI across the replications
    of the merged per-replication ``tables``."""
    n = replications
    out: list[dict[str, Any]] = []
    corridors = [g for g in tables["groups"] if g["scope"] == "corridor"]
    places = place_kpis(tables["routes"])
    co2e = emission_kpis(tables["routes"])
    for name, rows in sorted(_grouped(corridors, "name").items()):
        for kpi in (*CORRIDOR_KPIS, *co2e, *places):
            out.append(_estimate_row("corridor", name, kpi,
                                     estimate(_by_replication(rows, kpi, n))))
    for name, rows in sorted(_grouped(tables["routes"], "route").items()):
        for kpi in (*ROUTE_KPIS, *co2e, *places):
            out.append(_estimate_row("route", name, kpi, estimate(_by_replication(rows, kpi, n))))
    flows: dict[str, list[dict[str, Any]]] = {}
    for row in tables["groups"]:
        if row["scope"] == "flow":
            flows.setdefault(f"{row['name']}:{row['corridor']}", []).append(row)
    for name, rows in sorted(flows.items()):
        for kpi in (*TRANSIT_KPIS, *co2e):
            out.append(_estimate_row("flow", name, kpi, estimate(_by_replication(rows, kpi, n))))
    nodes = [row for row in tables["nodes"] if not row.get("stage")]
    for name, rows in _grouped(nodes, "node").items():
        for kpi in NODE_KPIS:
            out.append(_estimate_row("node", name, kpi, estimate(_by_replication(rows, kpi, n))))
    out += _scope_estimates(
        "service", tables.get("services", ()), SERVICE_KPIS, n,
        lambda row: f"{row['service']}:{row['from_port']}->{row['to_port']}")
    out += _scope_estimates("country", tables.get("countries", ()), COUNTRY_KPIS, n,
                            lambda row: f"{row['name']}:{row['country']}")
    stages = [r for r in tables["nodes"] if r.get("stage")]
    outages = OUTAGE_COLUMNS if stages and "server_hours_out" in stages[0] else ()
    out += _scope_estimates("stage", stages, (*STAGE_KPIS, *outages), n,
                            lambda row: f"{row['node']}.{row['stage']}")
    out += _scope_estimates("segment", tables.get("segments", ()), SEGMENT_KPIS, n,
                            lambda row: f"{row['route']}:{row['segment']}")
    for name, by_rep in share_estimates_by_replication(tables.get("shares", ()),
                                                       years).items():
        for kpi in SHARE_KPIS:
            values = [by_rep[r][kpi] if r in by_rep else None for r in range(n)]
            out.append(_estimate_row("share", name, kpi, estimate(values)))
    return out


def _scope_estimates(scope: str, rows: Iterable[dict[str, Any]], kpis: Iterable[str], n: int,
                     name_of: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
    """Summary rows of one scope: its rows grouped by ``name_of`` (in first-seen order),
    each KPI's estimate across the ``n`` replications."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(name_of(row), []).append(row)
    return [_estimate_row(scope, name, kpi, estimate(_by_replication(members, kpi, n)))
            for name, members in groups.items() for kpi in kpis]


def place_kpis(routes: list[dict[str, Any]]) -> tuple[str, ...]:
    """The per-place columns of the route rows (``mean_days_in_KZ``...), in their order."""
    if not routes:
        return ()
    return tuple(k for k in routes[0] if k.startswith("mean_days_in_")
                 or k == "mean_days_at_sea")


def emission_kpis(routes: list[dict[str, Any]]) -> tuple[str, ...]:
    """The ISO 14083 / GLEC means (``mean_co2e_wtw_kg_per_teu``...) where the route rows
    have them (a scenario with ``costs.emissions``); none otherwise, so that the
    summaries of other scenarios keep their rows."""
    if any(row.get(kpi) is not None for row in routes for kpi in EMISSION_KPIS):
        return EMISSION_KPIS
    return ()


def comparison_rows(tables: Tables, replications: int) -> list[dict[str, Any]]:
    """Middle minus Northern for every KPI, paired by replication (common random numbers).

    Compared like for like within each flow that uses both corridors (same origin and
    destination), and for the corridors pooled over all flows (scope ``all``).
    """
    n = replications
    groups = tables["groups"]
    out: list[dict[str, Any]] = []
    co2e = emission_kpis(tables["routes"])
    scopes: list[tuple[str, str, list[dict[str, Any]], tuple[str, ...]]] = [
        ("all", "all", [g for g in groups if g["scope"] == "corridor"],
         (*CORRIDOR_KPIS, *co2e))]
    flows = _grouped([g for g in groups if g["scope"] == "flow"], "name")
    for flow, rows in sorted(flows.items()):
        if {r["corridor"] for r in rows} >= {"middle", "northern"}:
            scopes.append(("flow", flow, rows, (*TRANSIT_KPIS, *co2e)))
    for scope, name, rows, kpis in scopes:
        middle = [r for r in rows if r["corridor"] == "middle"]
        northern = [r for r in rows if r["corridor"] == "northern"]
        if not middle or not northern:
            continue
        for kpi in kpis:
            m = _by_replication(middle, kpi, n)
            no = _by_replication(northern, kpi, n)
            diff = paired_difference(m, no)
            out.append({
                "scope": scope, "name": name, "kpi": kpi,
                "middle_mean": rounded(estimate(m).mean),
                "northern_mean": rounded(estimate(no).mean), "difference": rounded(diff.mean),
                "ci_low": rounded(diff.low), "ci_high": rounded(diff.high),
                "half_width": rounded(diff.half_width), "replications": diff.n,
                "significant": yes_no(diff.significant)})
    return out


def yes_no(flag: bool | None) -> str | None:
    """A flag as the tables write it: ``yes``, ``no`` or an empty cell."""
    return None if flag is None else ("yes" if flag else "no")
