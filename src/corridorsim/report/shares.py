"""Route and mode shares: per flow, option and release month, the consignments and TEU
each option took (``shares.csv``), and their whole-window shares for ``summary.csv``.

An option is what shippers choose between: for a choosing flow, one of its ``choice``
options (a route, a mix of routes of one corridor, or an outside alternative such as the
sea); for a flow with fixed shares, each route. A share is the option's TEU over the
flow's TEU released in the same month (or the whole demand window).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from corridorsim.corridors import corridor_of
from corridorsim.records import ShipmentRecord
from corridorsim.report.rounding import rounded
from corridorsim.scenario.schema import Scenario
from corridorsim.sim.calendar import Calendar

SHARE_COLUMNS = ("replication", "flow", "option", "corridor", "month", "consignments", "teu",
                 "share")
"""Columns of ``shares.csv``: one row per flow, option, release month and replication."""

SHARE_KPIS = ("share", "teu_per_year", "consignments_per_year")
"""The whole-window figures of each flow's option in ``summary.csv`` (scope ``share``)."""


def option_of_route(scenario: Scenario) -> dict[tuple[str, str], str]:
    """(flow, route or alternative) -> the option it belongs to, for every reported flow."""
    out: dict[tuple[str, str], str] = {}
    for name, flow in scenario.flows.items():
        if not flow.reported:
            continue
        if flow.choice is not None:
            for option, members in flow.choice.items():
                out.update({(name, member): option for member in members})
        else:
            out.update({(name, route): route for route in flow.routes or ()})
    return out


def option_corridors(scenario: Scenario) -> dict[tuple[str, str], str]:
    """(flow, option) -> its corridor (of its first route or alternative)."""
    out: dict[tuple[str, str], str] = {}
    for (flow, member), option in option_of_route(scenario).items():
        out.setdefault((flow, option), corridor_of(member))
    return out


def share_rows(scenario: Scenario, replication: int, records: Sequence[ShipmentRecord],
               calendar: Calendar) -> list[dict[str, Any]]:
    """Rows of ``shares.csv`` for one replication: every option of every reported flow in
    every month of the demand window, zero where it took nothing."""
    options = option_of_route(scenario)
    corridors = option_corridors(scenario)
    months = window_months(scenario, calendar)
    counts: dict[tuple[str, str, str], list[int]] = {}
    flow_teu: dict[tuple[str, str], int] = {}
    month_of: dict[float, str] = {}
    for r in records:
        start = calendar.month_start(r.released_at)
        month = month_of.get(start)
        if month is None:
            month = month_of[start] = calendar.timestamp(start)[:7]
        option = options.get((r.flow, r.route))
        if option is None:
            continue
        entry = counts.setdefault((r.flow, option, month), [0, 0])
        entry[0] += 1
        entry[1] += r.teu
        flow_teu[(r.flow, month)] = flow_teu.get((r.flow, month), 0) + r.teu
    out = []
    for (flow, option), corridor in corridors.items():
        for month in months:
            consignments, teu = counts.get((flow, option, month), (0, 0))
            total = flow_teu.get((flow, month), 0)
            out.append({"replication": replication, "flow": flow, "option": option,
                        "corridor": corridor, "month": month, "consignments": consignments,
                        "teu": teu, "share": rounded(teu / total) if total else None})
    return out


def window_months(scenario: Scenario, calendar: Calendar) -> list[str]:
    """The calendar months (``YYYY-MM``) that overlap the demand window."""
    months = []
    t = calendar.month_start(scenario.warmup_hours)
    while t < scenario.horizon:
        months.append(calendar.timestamp(t)[:7])
        t = calendar.next_month_start(t)
    return months


def share_estimates_by_replication(rows: Sequence[dict[str, Any]], years: float
                                   ) -> dict[str, dict[int, dict[str, float | None]]]:
    """Per ``flow:option``, per replication: the option's share of the flow's TEU over the
    whole window, and its TEU and consignments per year."""
    teu: dict[tuple[str, str, int], list[int]] = {}
    totals: dict[tuple[str, int], int] = {}
    for row in rows:
        entry = teu.setdefault((row["flow"], row["option"], row["replication"]), [0, 0])
        entry[0] += row["teu"]
        entry[1] += row["consignments"]
        key = (row["flow"], row["replication"])
        totals[key] = totals.get(key, 0) + row["teu"]
    out: dict[str, dict[int, dict[str, float | None]]] = {}
    for (flow, option, rep), (option_teu, consignments) in teu.items():
        total = totals[(flow, rep)]
        out.setdefault(f"{flow}:{option}", {})[rep] = {
            "share": option_teu / total if total else None,
            "teu_per_year": option_teu / years if years else None,
            "consignments_per_year": consignments / years if years else None}
    return out
