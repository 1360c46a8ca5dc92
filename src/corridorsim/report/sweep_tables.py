"""Tables of a sweep: ``sweep.csv`` (KPIs per point with 95% intervals, and the Middle
minus Northern gap) and ``frontier.csv`` (where the Middle Corridor catches up).

With a share target (``TargetShare``), ``sweep.csv`` gains the target share at each
point and ``frontier.csv`` gives where that share reaches its threshold, interpolated
between grid points, with an interval from where the share's 95% bounds reach it.

Numbers are rounded here, once, with ``report.tables.rounded``, so the files are
byte-identical for the same sweep file, seed and version, on any executor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from corridorsim.report.tables import rounded
from corridorsim.stats import Estimate, estimate, paired_difference

SWEEP_STAT_COLUMNS = ("scope", "name", "kpi", "n", "mean", "ci_low", "ci_high")
GAP_KPIS = ("median_transit_days", "p90_transit_days")
FRONTIER_STAT_COLUMNS = ("point", "criterion", "middle_median_days", "reference_median_days",
                         "gap_days", "gap_ci_low", "gap_ci_high", "note")

SHARE_FRONTIER_STAT_COLUMNS = ("point", "criterion", "share", "share_ci_low",
                               "share_ci_high", "frontier_ci_low", "frontier_ci_high", "note")
"""The statistics columns of ``frontier.csv`` for a sweep with a share target."""

Replications = Sequence[Sequence[dict[str, Any]]]
"""A point's task rows, one list per replication in replication order."""


@dataclass(frozen=True)
class TargetShare:
    """A share target: the share of ``flow``'s TEU taken by ``option``, or by all its
    options on ``corridor``, to reach ``at_least``."""

    flow: str
    option: str | None
    corridor: str | None
    at_least: float

    @property
    def scope(self) -> str:
        """The scope of its rows in ``sweep.csv``: ``share`` (an option, named as in
        ``summary.csv``) or ``corridor_share``."""
        return "share" if self.option is not None else "corridor_share"

    @property
    def name(self) -> str:
        """The name of its rows in ``sweep.csv``: ``flow:option`` or ``flow:corridor``."""
        return f"{self.flow}:{self.option if self.option is not None else self.corridor}"

    @property
    def criterion(self) -> str:
        """The criterion of ``frontier.csv``."""
        what = (f"{self.option} share" if self.option is not None
                else f"{self.corridor} corridor share")
        return f"{what} of {self.flow} >= {self.at_least:g}"

    def takes(self, row: dict[str, Any]) -> bool:
        """Whether a task's option row counts towards the share."""
        if self.option is not None:
            return bool(row["option"] == self.option)
        return bool(row["corridor"] == self.corridor)


def sweep_columns(factors: Sequence[str]) -> list[str]:
    """Columns of ``sweep.csv``: the point, one per factor, then the statistics."""
    return ["point", *factors, *SWEEP_STAT_COLUMNS]


def frontier_columns(factors: Sequence[str], share: bool = False) -> list[str]:
    """Columns of ``frontier.csv``: the factor, one per factor's value, then the gap (or,
    for a sweep with a share target, the share)."""
    return ["factor", *factors, *(SHARE_FRONTIER_STAT_COLUMNS if share
                                  else FRONTIER_STAT_COLUMNS)]


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


def share_values(replications: Replications, target: TargetShare) -> list[float | None]:
    """The target share in each replication: the TEU of the options it takes over the
    flow's TEU released in the demand window (``None`` when the flow released none)."""
    out: list[float | None] = []
    for rows in replications:
        options = [r for r in rows if r["scope"] == "share" and r["flow"] == target.flow]
        total = sum(r["teu"] for r in options)
        taken = sum(r["teu"] for r in options if target.takes(r))
        out.append(taken / total if total else None)
    return out


def point_rows(point: int, values: dict[str, Any], replications: Replications,
               kpis: Sequence[str], northern_route: str,
               target: TargetShare | None = None) -> list[dict[str, Any]]:
    """Rows of ``sweep.csv`` for one point: each route's and corridor's KPIs, then the gap,
    then (with a share target) the target share."""
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
    if target is not None:
        share = estimate(share_values(replications, target))
        out.append({**head, **_stat_row(target.scope, target.name, "share", share)})
    return out


def point_share(rows: Sequence[dict[str, Any]], target: TargetShare) -> dict[str, Any]:
    """The target share at one point with its interval (from the point's ``sweep.csv``
    rows)."""
    row = _find(rows, target.scope, "share", target.name)
    return {"share": row["mean"] if row else None,
            "share_ci_low": row["ci_low"] if row else None,
            "share_ci_high": row["ci_high"] if row else None}


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


def _lines_along(factors: Sequence[str], points: Sequence[tuple[int, dict[str, Any]]]
                 ) -> Iterator[tuple[str, dict[str, Any], list[tuple[int, dict[str, Any]]]]]:
    """Per factor and per combination of the other factors' values (held): the points
    that vary only that factor, in the factor's order."""
    for factor in factors:
        others = [f for f in factors if f != factor]
        groups: dict[tuple[Any, ...], list[tuple[int, dict[str, Any]]]] = {}
        for p, v in points:
            groups.setdefault(tuple(v[o] for o in others), []).append((p, v))
        for combo, members in groups.items():
            order = _ordered([v[factor] for _, v in members])
            yield (factor, dict(zip(others, combo, strict=True)),
                   sorted(members, key=lambda pv: order.index(pv[1][factor])))


def _ordered(values: Sequence[Any]) -> list[Any]:
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return sorted(values)
    return list(values)


def frontier_rows(points: Sequence[tuple[int, dict[str, Any]]],
                  rows_by_point: dict[int, list[dict[str, Any]]], factors: Sequence[str],
                  grid: bool, northern_route: str, target_days: float | None,
                  sampled: str = "Latin hypercube sample",
                  target: TargetShare | None = None) -> list[dict[str, Any]]:
    """Rows of ``frontier.csv``.

    Grid: for each factor and each combination of the other factors' values, the
    smallest swept value of the factor at which the Middle Corridor's median transit
    (mean over replications) is no longer than the reference (the Northern route's
    median, or ``target_days``). Other designs (Latin hypercube, Sobol', Morris): the
    sampled points that meet it, their note naming the ``sampled`` design. With a share
    ``target``, see ``share_frontier_rows``.
    """
    if target is not None:
        return share_frontier_rows(points, rows_by_point, factors, grid, target, sampled)
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
    for factor, held, members in _lines_along(factors, points):
        head = {"factor": factor, **held, "criterion": criterion}
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


def share_frontier_rows(points: Sequence[tuple[int, dict[str, Any]]],
                        rows_by_point: dict[int, list[dict[str, Any]]],
                        factors: Sequence[str], grid: bool, target: TargetShare,
                        sampled: str = "Latin hypercube sample") -> list[dict[str, Any]]:
    """Rows of ``frontier.csv`` for a sweep with a share target.

    Grid: for each factor F and each combination of the other factors' values, the
    smallest value of F at which the target share (mean over replications, as rounded
    in ``sweep.csv``) reaches ``at_least``: the first swept value in increasing order at
    which it does, linearly interpolated back to the previous swept value (see
    ``_crossing``); the same for the 95% bounds gives the interval (the upper bound
    reaches it first: ``frontier_ci_low``; the lower bound last: ``frontier_ci_high``).
    Other designs: the sampled points whose share reaches it.
    """
    criterion = target.criterion
    stats = {p: point_share(rows_by_point[p], target) for p, _ in points}
    out: list[dict[str, Any]] = []
    if not grid:
        meeting = [(p, v) for p, v in points
                   if _reaches(stats[p]["share"], target.at_least)]
        for p, v in meeting:
            out.append({"factor": "", **v, "point": p, "criterion": criterion, **stats[p],
                        "note": f"meets the criterion ({sampled}; a frontier by factor "
                                "needs a grid design)"})
        if not meeting:
            known = [(stats[p]["share"], -p) for p, _ in points
                     if stats[p]["share"] is not None]
            note = "no sampled point meets the criterion"
            if known:
                share, p = max(known)
                note += f" (closest: point {-p}, share {share:.4f})"
            out.append({"factor": "", "criterion": criterion,
                        "note": note + "; a frontier by factor needs a grid design"})
        return _complete(out, factors, share=True)
    for factor, held, members in _lines_along(factors, points):
        xs = [v[factor] for _, v in members]
        line = {stat: [stats[p][stat] for p, _ in members]
                for stat in ("share", "share_ci_low", "share_ci_high")}
        head = {"factor": factor, **held, "criterion": criterion}
        interval = {"frontier_ci_low": _crossing(xs, line["share_ci_high"], target.at_least),
                    "frontier_ci_high": _crossing(xs, line["share_ci_low"], target.at_least)}
        hit = next((p for p, _ in members if _reaches(stats[p]["share"],
                                                       target.at_least)), None)
        if hit is not None:
            out.append({**head, factor: _crossing(xs, line["share"], target.at_least),
                        "point": hit, **stats[hit], **interval, "note": ""})
            continue
        p, v = members[-1]
        share = stats[p]["share"]
        shown = "unknown (no TEU released)" if share is None else f"{share:.4f}"
        out.append({**head, **stats[p], "point": p, **interval,
                    "note": f"not reached within the swept range (max value "
                            f"{v[factor]}: share {shown})"})
    return _complete(out, factors, share=True)


def _reaches(value: float | None, at_least: float) -> bool:
    return value is not None and value >= at_least


def _crossing(xs: Sequence[Any], ys: Sequence[float | None], at_least: float) -> Any:
    """The smallest x at which the piecewise-linear line through ``(xs, ys)`` reaches
    ``at_least``: at the first ``x1`` whose ``y1 >= at_least``, ``x0 + (at_least - y0)
    (x1 - x0) / (y1 - y0)`` with ``(x0, y0)`` the point before it, rounded to 4
    decimals; ``x1`` itself at the first value, after an undefined ``y0`` or for
    values that are not numbers; ``None`` when no ``y`` reaches it."""
    numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for x in xs)
    for k, (x1, y1) in enumerate(zip(xs, ys, strict=True)):
        if not _reaches(y1, at_least):
            continue
        y0 = ys[k - 1] if k > 0 else None
        if y0 is None or not numeric:
            return x1
        assert y1 is not None
        x0 = xs[k - 1]
        return rounded(x0 + (at_least - y0) * (x1 - x0) / (y1 - y0))
    return None


def _complete(rows: list[dict[str, Any]], factors: Sequence[str],
              share: bool = False) -> list[dict[str, Any]]:
    """Every row with every column, in column order (``None`` for an empty cell)."""
    columns = frontier_columns(factors, share)
    return [{c: row.get(c) for c in columns} for row in rows]
