"""``periods.csv``: the run cut into calendar periods (years by default, or quarters or
months): per route and corridor the transit KPIs of the consignments released in each
period, per node and stage its utilisation, queue and waits in the period, each a mean
across replications with its 95% interval.

A replication's rows are built where it ran (``replication_period_rows``), from its
shipments and from the monthly books of its nodes and stages (``MonthlyTotals``); the
merge (``period_summary``) turns them into estimates exactly as ``summary.csv`` does
(Student t across replications, ``stats.estimate``). Months add up to quarters and years
because the books are sums: utilisation is busy over available server-hours of the
period, a mean wait is the hours waited over the services started in it.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from corridorsim.corridors import corridor_of
from corridorsim.errors import RunError
from corridorsim.records import MONTHLY_QUANTITIES, MonthlyTotals
from corridorsim.report.rounding import rounded
from corridorsim.sim.calendar import Calendar
from corridorsim.stats import t_quantile

PERIODS = ("month", "quarter", "year")
"""The lengths of period ``periods.csv`` can cut a run into."""
DEFAULT_PERIOD = "year"

PERIOD_TRANSIT_KPIS = ("consignments_released", "teu_released", "consignments_delivered",
                       "teu_delivered", "mean_transit_days", "median_transit_days",
                       "p90_transit_days", "p95_transit_days", "share_within_promise")
"""The columns of ``routes.csv`` a route's and a corridor's period rows estimate."""
AT_LEAST = {"median_transit_days": "median_at_least", "p90_transit_days": "p90_at_least",
            "p95_transit_days": "p95_at_least"}
"""Each percentile's flag: a lower bound in some replication (consignments still
travelling at the end)."""
PERIOD_NODE_KPIS = ("servers", "utilisation", "mean_queue", "services", "visits",
                    "mean_wait_hours")
"""What a node's and a stage's period rows estimate."""


def _estimated(kpis: Sequence[str]) -> tuple[str, ...]:
    """Each KPI's mean across replications and half-width (``median_transit_days_mean``,
    ``median_transit_days_halfwidth``), then a percentile's flag: named apart from the
    per-replication columns of ``routes.csv`` and ``nodes.csv`` (whole counts there, means
    here)."""
    columns: list[str] = []
    for kpi in kpis:
        columns += [f"{kpi}_mean", f"{kpi}_halfwidth"]
        if kpi in AT_LEAST:
            columns.append(AT_LEAST[kpi])
    return tuple(columns)


PERIOD_COLUMNS = ("scope", "name", "corridor", "kind", "period", "year", "starts_at",
                  "ends_at", "days", "replications", *_estimated(PERIOD_TRANSIT_KPIS),
                  *_estimated(PERIOD_NODE_KPIS))
"""Columns of ``periods.csv``: a row per corridor, route, node and stage, and period."""
KEY_COLUMNS = PERIOD_COLUMNS[:9]
"""What every replication's row of one period says alike."""


def check_period(period: object) -> str:
    """``period`` if it is one of ``PERIODS``, else one line saying what is expected."""
    if not isinstance(period, str) or period not in PERIODS:
        raise RunError(f"period: expected one of {', '.join(PERIODS)}, got {period!r}")
    return period


@dataclass(frozen=True, slots=True)
class Span:
    """One period as observed: a calendar year, quarter or month cut to the observation
    window (warm-up to horizon)."""

    label: str
    """``2024-A1`` (a year), ``2024-Q1`` or ``2024-01``: SDMX's reporting periods, never
    a bare number (a CSV reader would take ``2024`` for one, and the column is text)."""
    year: int
    start: float
    end: float


def period_spans(calendar: Calendar, warmup: float, horizon: float,
                 period: str) -> list[Span]:
    """The periods that meet the observation window, in order, each cut to it."""
    spans: list[Span] = []
    for i, start in enumerate(calendar.boundaries):
        end = (calendar.boundaries[i + 1] if i + 1 < len(calendar.boundaries)
               else float("inf"))
        start, end = max(start, warmup), min(end, horizon)
        if start >= end:
            continue
        year, month = calendar.years[i], calendar.months[i]
        label = (f"{year}-A1" if period == "year" else
                 f"{year}-Q{(month - 1) // 3 + 1}" if period == "quarter" else
                 f"{year}-{month:02d}")
        if spans and spans[-1].label == label:
            spans[-1] = Span(label, year, spans[-1].start, end)
        else:
            spans.append(Span(label, year, start, end))
    return spans


TransitKpis = Callable[[np.ndarray], dict[str, Any]]
"""The transit KPIs of some of a replication's shipments, given as row indices
(``tables.transit_kpis`` of that replication)."""


def replication_period_rows(replication: int, spans: Sequence[Span], calendar: Calendar,
                            released_hours: np.ndarray, per_route: Mapping[str, list[int]],
                            kpis: TransitKpis, months: MonthlyTotals | None
                            ) -> list[dict[str, Any]]:
    """One replication's rows of each period: corridors, routes (by name), then nodes
    and their stages in ``nodes.csv``'s order."""
    starts = [s.start for s in spans]
    keys = [{"period": s.label, "year": s.year, "starts_at": calendar.timestamp(s.start),
             "ends_at": calendar.timestamp(s.end),
             "days": rounded((s.end - s.start) / 24.0)} for s in spans]
    of_shipment = np.searchsorted(np.asarray(starts), released_hours, side="right") - 1
    corridors: dict[str, list[int]] = {}
    for route in sorted(per_route):
        corridors.setdefault(corridor_of(route), []).extend(per_route[route])
    out: list[dict[str, Any]] = []
    for scope, groups in (("corridor", corridors),
                          ("route", {r: per_route[r] for r in sorted(per_route)})):
        for name, members in sorted(groups.items()):
            rows = np.array(members, dtype=np.int64)
            for k, key in enumerate(keys):
                entry = {"replication": replication, "scope": scope, "name": name,
                         "corridor": corridor_of(name) if scope == "route" else name,
                         "kind": None, **key}
                found = kpis(rows[of_shipment[rows] == k])
                entry.update({c: found.get(c) for c in (*PERIOD_TRANSIT_KPIS,
                                                        *AT_LEAST.values())})
                out.append(entry)
    if months is not None:
        out += _place_rows(replication, spans, keys, starts, months)
    return out


def _place_rows(replication: int, spans: Sequence[Span], keys: list[dict[str, Any]],
                starts: list[float], months: MonthlyTotals) -> list[dict[str, Any]]:
    """Per node and stage and period: the months' sums turned into the period's figures;
    a node's utilisation is its busiest stage's in the period, as in ``nodes.csv``."""
    span_of = [bisect.bisect_right(starts, start) - 1 for start in months.starts]
    q = {name: i for i, name in enumerate(MONTHLY_QUANTITIES)}
    out: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    for (node, kind, stage), totals in zip(months.places, months.totals, strict=True):
        sums = [[0.0] * len(spans) for _ in MONTHLY_QUANTITIES]
        for quantity, values in enumerate(totals):
            for m, value in enumerate(values):
                sums[quantity][span_of[m]] += value
        rows = []
        for k, (span, key) in enumerate(zip(spans, keys, strict=True)):
            hours = span.end - span.start
            services = round(sums[q["services"]][k])
            waits = sums[q["wait_hours"]][k]
            available = sums[q["server_hours"]][k]
            entry: dict[str, Any] = {
                "replication": replication, "scope": "stage" if stage else "node",
                "name": f"{node}.{stage}" if stage else node, "corridor": None,
                "kind": kind, **key,
                "mean_queue": rounded(sums[q["queue_hours"]][k] / hours),
                "mean_wait_hours": rounded(waits / services) if services else None}
            if stage:
                entry |= {"servers": rounded(available / hours), "services": services,
                          "utilisation": rounded(sums[q["busy_hours"]][k] / available)
                          if available > 0 else None}
            else:
                entry |= {"visits": services, "utilisation": 0.0}
            rows.append(entry)
        if stage is None:
            node_rows = rows
        else:
            for node_row, row in zip(node_rows, rows, strict=True):
                if row["utilisation"] is not None:
                    node_row["utilisation"] = max(node_row["utilisation"], row["utilisation"])
        out += rows
    return out


class PeriodSums:
    """The running figures of each period row over the replications added so far, in
    replication order, so that memory does not grow with the replication count: per KPI
    how many replications define it, their mean and sum of squared deviations
    (Welford's update, as stable as the two-pass sums of ``stats.estimate``), and the
    percentiles' flags seen."""

    __slots__ = ("keys", "index", "n", "means", "squares", "flags", "replications")

    KPIS = (*PERIOD_TRANSIT_KPIS, *PERIOD_NODE_KPIS)

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        """Each row's key columns, in the order first seen."""
        self.index: dict[tuple[Any, ...], int] = {}
        self.n: list[list[int]] = []
        self.means: list[list[float]] = []
        self.squares: list[list[float]] = []
        self.flags: list[list[set[str]]] = []
        self.replications = 0

    def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """One replication's ``replication_period_rows``."""
        width = len(self.KPIS)
        for row in rows:
            key = (row["scope"], row["name"], row["period"])
            i = self.index.get(key)
            if i is None:
                i = self.index[key] = len(self.keys)
                self.keys.append({c: row[c] for c in KEY_COLUMNS})
                self.n.append([0] * width)
                self.means.append([0.0] * width)
                self.squares.append([0.0] * width)
                self.flags.append([set() for _ in AT_LEAST])
            n, means, squares = self.n[i], self.means[i], self.squares[i]
            for k, kpi in enumerate(self.KPIS):
                x = row.get(kpi)
                if x is None:
                    continue
                n[k] += 1
                delta = x - means[k]
                means[k] += delta / n[k]
                squares[k] += delta * (x - means[k])
            for seen, flag in zip(self.flags[i], AT_LEAST.values(), strict=True):
                if row.get(flag) is not None:
                    seen.add(row[flag])
        self.replications += 1

    def rows(self) -> list[dict[str, Any]]:
        """Rows of ``periods.csv``: each KPI's mean across the replications in which it is
        defined with its 95% Student-t half-width, as ``summary.csv`` computes them, and
        each percentile flagged a lower bound when it was one in any replication."""
        out = []
        for i, key in enumerate(self.keys):
            entry: dict[str, Any] = {**key, "replications": self.replications}
            for k, kpi in enumerate(self.KPIS):
                n = self.n[i][k]
                mean = self.means[i][k] if n else None
                half = None
                if n > 1:
                    std = math.sqrt(max(self.squares[i][k], 0.0) / (n - 1))
                    half = t_quantile(n - 1) * std / math.sqrt(n)
                entry[f"{kpi}_mean"] = rounded(mean)
                entry[f"{kpi}_halfwidth"] = rounded(half)
            for seen, flag in zip(self.flags[i], AT_LEAST.values(), strict=True):
                entry[flag] = "yes" if "yes" in seen else ("no" if seen else None)
            out.append(entry)
        return out


def period_summary(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``periods.csv`` from every replication's rows at once (``PeriodSums``, the
    rows taken in replication order)."""
    sums = PeriodSums()
    for _, group in itertools.groupby(sorted(rows, key=lambda r: r["replication"]),
                                      key=lambda r: r["replication"]):
        sums.add(list(group))
    return sums.rows()
