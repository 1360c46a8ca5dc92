"""Tables of a sweep: ``sweep.csv`` (KPIs per point with 95% intervals, and the Middle
minus Northern gap) and ``frontier.csv`` (where the Middle Corridor catches up).

Numbers are rounded here, once, with ``report.tables.rounded``, so the files are
byte-identical for the same sweep file, seed and version, on any executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from corridorsim.report.tables import rounded
from corridorsim.stats import Estimate, estimate, paired_difference

SWEEP_STAT_COLUMNS = ("scope", "name", "kpi", "n", "mean", "ci_low", "ci_high")
GAP_KPIS = ("median_transit_days", "p90_transit_days")
FRONTIER_STAT_COLUMNS = ("point", "criterion", "middle_median_days", "reference_median_days",
                         "gap_days", "gap_ci_low", "gap_ci_high", "note")

Replications = Sequence[Sequence[dict[str, Any]]]
"""A point's task rows, one list per replication in replication order."""


def sweep_columns(factors: Sequence[str]) -> list[str]:
    """Columns of ``sweep.csv``: the point, one per factor, then the statistics."""
    return ["point", *factors, *SWEEP_STAT_COLUMNS]


def frontier_columns(factors: Sequence[str]) -> list[str]:
    """Columns of ``frontier.csv``: the factor, one per factor's value, then the gap."""
    return ["factor", *factors, *FRONTIER_STAT_COLUMNS]


def gap_name(northern_route: str) -> str:
    """The name of the gap rows of ``sweep.csv`` (``middle-northern_duisburg``)."""
    return f"middle-{northern_route}"


def _values(replications: Replications, scope: str, name: str, kpi: str) -> list[Any]:
    out: list[Any] = []
    for rows in replications:
        row = next((r for r in rows if r["scope"] == scope and r["name"] == name), None)
        out.append(None if row is None else row.get(kpi))
    return out


def _stat_row(scope: str, name: str, kpi: str, e: Estimate) -> dict[str, Any]:
    return {"scope": scope, "name": name, "kpi": kpi, "n": e.n, "mean": rounded(e.mean),
            "ci_low": rounded(e.low), "ci_high": rounded(e.high)}


def point_rows(point: int, values: dict[str, Any], replications: Replications,
               kpis: Sequence[str], northern_route: str) -> list[dict[str, Any]]:
    """Rows of ``sweep.csv`` for one point: each route's and corridor's KPIs, then the gap."""
    names = sorted({(r["scope"], r["name"]) for rows in replications for r in rows
                    if r["scope"] in ("route", "corridor")},
                   key=lambda sn: (sn[0] != "route", sn[1]))
    head = {"point": point, **values}
    out = [{**head, **_stat_row(scope, name, kpi, estimate(_values(replications, scope,
                                                                    name, kpi)))}
           for scope, name in names for kpi in kpis]
    for kpi in GAP_KPIS:
        gap = paired_difference(_values(replications, "corridor", "middle", kpi),
                                _values(replications, "route", northern_route, kpi))
        out.append({**head, **_stat_row("gap", gap_name(northern_route), kpi, gap)})
    return out


def _find(rows: Sequence[dict[str, Any]], scope: str, kpi: str,
          name: str | None = None) -> dict[str, Any] | None:
    return next((r for r in rows if r["scope"] == scope and r["kpi"] == kpi
                 and (name is None or r["name"] == name)), None)


def point_gap(rows: Sequence[dict[str, Any]], northern_route: str,
              target_days: float | None) -> dict[str, Any]:
    """Middle median, reference median, and the gap with its interval, at one point
    (from the point's ``sweep.csv`` rows)."""
    middle = _find(rows, "corridor", "median_transit_days", "middle")
    m = middle["mean"] if middle else None
    if target_days is None:
        north = _find(rows, "route", "median_transit_days", northern_route)
        gap = _find(rows, "gap", "median_transit_days")
        return {"middle_median_days": m, "reference_median_days": north["mean"] if north
                else None, "gap_days": gap["mean"] if gap else None,
                "gap_ci_low": gap["ci_low"] if gap else None,
                "gap_ci_high": gap["ci_high"] if gap else None}

    def less(x: float | None) -> float | None:
        return None if x is None else rounded(x - target_days)

    return {"middle_median_days": m, "reference_median_days": target_days,
            "gap_days": less(m), "gap_ci_low": less(middle["ci_low"] if middle else None),
            "gap_ci_high": less(middle["ci_high"] if middle else None)}


def _meets(stats: dict[str, Any]) -> bool:
    return stats["gap_days"] is not None and stats["gap_days"] <= 0


def _ordered(values: Sequence[Any]) -> list[Any]:
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return sorted(values)
    return list(values)


def frontier_rows(points: Sequence[tuple[int, dict[str, Any]]],
                  rows_by_point: dict[int, list[dict[str, Any]]], factors: Sequence[str],
                  grid: bool, northern_route: str, target_days: float | None,
                  sampled: str = "Latin hypercube sample") -> list[dict[str, Any]]:
    """Rows of ``frontier.csv``.

    Grid: for each factor and each combination of the other factors' values, the
    smallest swept value of the factor at which the Middle Corridor's median transit
    (mean over replications) is no longer than the reference (the Northern route's
    median, or ``target_days``). Other designs (Latin hypercube, Sobol', Morris): the
    sampled points that meet it, their note naming the ``sampled`` design.
    """
    criterion = (f"median <= {northern_route} median" if target_days is None
                 else f"median <= {target_days:g} d")
    stats = {p: point_gap(rows_by_point[p], northern_route, target_days) for p, _ in points}
    out: list[dict[str, Any]] = []
    if not grid:
        meeting = [(p, v) for p, v in points if _meets(stats[p])]
        for p, v in meeting:
            out.append({"factor": "", **v, "point": p, "criterion": criterion, **stats[p],
                        "note": f"meets the criterion ({sampled}; a frontier by factor "
                                "needs a grid design)"})
        if not meeting:
            known = [(stats[p]["gap_days"], p) for p, _ in points
                     if stats[p]["gap_days"] is not None]
            note = "no sampled point meets the criterion"
            if known:
                gap, p = min(known)
                note += f" (closest: point {p}, gap {gap:+.2f} d)"
            out.append({"factor": "", "criterion": criterion,
                        "note": note + "; a frontier by factor needs a grid design"})
        return _complete(out, factors)
    for factor in factors:
        others = [f for f in factors if f != factor]
        groups: dict[tuple[Any, ...], list[tuple[int, dict[str, Any]]]] = {}
        for p, v in points:
            groups.setdefault(tuple(v[o] for o in others), []).append((p, v))
        for combo, members in groups.items():
            order = _ordered([v[factor] for _, v in members])
            members = sorted(members, key=lambda pv: order.index(pv[1][factor]))
            head = {"factor": factor, **dict(zip(others, combo, strict=True)),
                    "criterion": criterion}
            hit = next(((p, v) for p, v in members if _meets(stats[p])), None)
            if hit is not None:
                p, v = hit
                out.append({**head, factor: v[factor], "point": p, **stats[p], "note": ""})
                continue
            p, v = members[-1]
            gap = stats[p]["gap_days"]
            shown = "unknown (no Middle deliveries)" if gap is None else f"{gap:+.2f} d"
            out.append({**head, **stats[p], "point": p,
                        "note": f"not reached within the swept range (max value "
                                f"{v[factor]}: gap {shown})"})
    return _complete(out, factors)


def _complete(rows: list[dict[str, Any]], factors: Sequence[str]) -> list[dict[str, Any]]:
    """Every row with every column, in column order (``None`` for an empty cell)."""
    columns = frontier_columns(factors)
    return [{c: row.get(c) for c in columns} for row in rows]
