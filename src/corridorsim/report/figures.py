"""The report's figures: rows of a results folder in, the numbers each figure plots
and the figure drawn from them out.

Every figure is built in two steps, so that what it shows can be checked against the
CSV files: ``*_data`` functions turn table rows into the plotted numbers (a list of
flat rows, written beside the figure as CSV), and ``draw_*`` functions draw only
those numbers. matplotlib (the ``plots`` extra) is imported when a figure is drawn;
pyplot is never used, so building a report changes nothing in a notebook's plotting
state. Fonts, hash salts and metadata are fixed: the same results give the same bytes.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import itertools
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corridorsim.corridors import CORRIDORS, OTHER, SEA, corridor_of
from corridorsim.errors import RunError
from corridorsim.records import ACTIVITIES
from corridorsim.scenario.shipper_choice import ShipperChoice
from corridorsim.stats import estimate

if TYPE_CHECKING:  # matplotlib is optional: imported when a figure is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

Rows = Sequence[Mapping[str, Any]]

CORRIDOR_COLOURS = {"northern": "#1f5fa8", "middle": "#e07b00", SEA: "#1b9e77",
                    OTHER: "#7a7a7a"}
"""One colour per corridor, in every figure."""

CORRIDOR_ORDER = (*CORRIDORS, SEA, OTHER)
"""The order corridors are listed and drawn in: Northern, Middle, the sea (outside
alternatives), then other routes."""

CORRIDOR_TITLES = {"northern": "Northern corridor", "middle": "Middle corridor",
                   SEA: "Sea (outside alternatives)", OTHER: "Other routes"}

ACTIVITY_LABELS = {a.column.removeprefix("days_"): a.name.lower().replace("_", " ")
                   for a in ACTIVITIES}
"""Activity column stem (``rail_running``) -> its label (``rail running``)."""

STYLE: Any = {  # Any: matplotlib types its keys as a Literal of every rcParam
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "svg.hashsalt": "corridorsim",
    "svg.fonttype": "none",
    "figure.dpi": 100.0,
    "savefig.dpi": 150.0,
}
"""Fixed fonts and ids: figures are byte-identical for the same numbers."""

PART_COLOURS = ("#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728",
                "#ff9896", "#9467bd", "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2",
                "#7f7f7f", "#c7c7c7", "#bcbd22", "#dbdb8d", "#17becf", "#9edae5")
PART_COLOURS = PART_COLOURS[0::2] + PART_COLOURS[1::2]
"""Colours of the parts of a stacked bar: matplotlib's tab20, its ten strong colours first
and then their light pairs, so that neighbouring parts never share a hue."""

INSTALL_HINT = "pip install 'corridorsim[plots]'"


@dataclass(frozen=True)
class ReportTable:
    """A table shown under a figure: its file stem (its rows are written as
    ``<name>.csv``), title, the rows and their columns, and the rows as the page shows
    them (numbers formatted, intervals joined)."""

    name: str
    title: str
    data: list[dict[str, Any]]
    columns: tuple[str, ...]
    shown: list[dict[str, Any]]


@dataclass
class ReportFigure:
    """One figure of a report: its file stem, title, caption (units, replications,
    what the bands mean), the numbers it plots and the drawn figure; optionally what it
    shows in words and tables of numbers derived with it."""

    name: str
    title: str
    caption: str
    data: list[dict[str, Any]]
    columns: tuple[str, ...]
    figure: MplFigure | None = field(default=None, repr=False)
    statement: str = ""
    """Sentences in words under the figure (what the numbers say)."""
    tables: tuple[ReportTable, ...] = ()

    def svg(self) -> bytes:
        """The figure as SVG (no date, fixed ids)."""
        return self._render("svg", {"Date": None, "Creator": None})

    def png(self) -> bytes:
        """The figure as PNG at 150 dpi (no software stamp)."""
        return self._render("png", {"Software": None})

    def _render(self, fmt: str, metadata: dict[str, Any]) -> bytes:
        assert self.figure is not None
        import matplotlib

        buffer = io.BytesIO()
        with matplotlib.rc_context(STYLE):
            self.figure.savefig(buffer, format=fmt, metadata=metadata)
        return buffer.getvalue()


def require_matplotlib() -> None:
    """Refuse, in one line, when the ``plots`` extra is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise RunError(f"the report needs matplotlib, which is not installed; install it "
                       f"with: {INSTALL_HINT}") from None


def new_figure(width: float, height: float, rows: int = 1, cols: int = 1,
               **kwargs: Any) -> tuple[MplFigure, list[Axes]]:
    """A matplotlib figure (no pyplot) with its axes; drawn inside ``_styled``, so in
    the report's style."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, **kwargs)
    return fig, [ax for line in axes for ax in line]


def _styled(draw: Any) -> Any:
    """Draw under the report's style (rcParams apply when artists are created)."""
    import functools

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)
    return wrapper


# --- helpers on table rows --------------------------------------------------------------------


def summary_lookup(summary: Rows) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    """``summary.csv`` rows by (scope, name, kpi)."""
    return {(r["scope"], r["name"], r["kpi"]): r for r in summary}


def reported_routes(routes: Rows) -> list[str]:
    """The routes of ``routes.csv``: Northern first, then Middle, the sea and others, by
    name."""
    names = sorted({r["route"] for r in routes})
    order = {c: i for i, c in enumerate(CORRIDOR_ORDER)}
    return sorted(names, key=lambda n: (order[corridor_of(n)], n))


def _interval(row: Mapping[str, Any] | None) -> tuple[float | None, float | None, float | None]:
    if row is None:
        return None, None, None
    return row["mean"], row.get("ci_low"), row.get("ci_high")


def _errors(means: Sequence[float], lows: Sequence[float | None],
            highs: Sequence[float | None], floor: float | None = 0.0) -> list[list[float]]:
    """matplotlib's asymmetric error bars (0 where there is no interval). An interval of
    a quantity that cannot be negative (days, hours, shares, costs) is drawn from
    ``floor`` at the lowest: a t-interval of few replications can reach below it."""
    def low_end(m: float, lo: float | None) -> float:
        if lo is None:
            return 0.0
        return m - (lo if floor is None else max(lo, min(floor, m)))
    return [[low_end(m, lo) for m, lo in zip(means, lows, strict=True)],
            [hi - m if hi is not None else 0.0 for m, hi in zip(means, highs, strict=True)]]


def replications_text(n: int) -> str:
    """"30 replications" / "1 replication"."""
    return f"{n} replication{'s' if n != 1 else ''}"


BAND_TEXT = ("Bands and bars are 95 % confidence intervals of the mean across "
             "replications (Student t).")


# --- transit-time distribution ----------------------------------------------------------------


def transit_ecdf_data(shipments: Rows, routes: Sequence[str], points: int = 121
                      ) -> list[dict[str, Any]]:
    """Per route, on a grid of transit days: the share of the consignments released (in
    the reported window, all replications pooled) that were delivered within that many
    days, with the 95 % interval of the mean of each replication's share. Consignments
    still travelling at the end count as not delivered at any x, so a route with a
    backlog never reaches 1."""
    by_route: dict[str, dict[int, list[float]]] = {}
    for row in shipments:
        if row["route"] in routes:
            days = row["transit_days"]
            by_route.setdefault(row["route"], {}).setdefault(row["replication"], []).append(
                math.inf if days is None else float(days))
    out: list[dict[str, Any]] = []
    for route in routes:
        reps = by_route.get(route)
        if not reps:
            continue
        pooled = sorted(d for values in reps.values() for d in values)
        finite = [d for d in pooled if d != math.inf]
        if not finite:
            continue
        low, high = math.floor(finite[0]), math.ceil(finite[-1])
        step = max((high - low) / (points - 1), 1e-9)
        ordered = {rep: sorted(values) for rep, values in sorted(reps.items())}
        for i in range(points):
            x = round(low + i * step, 4)
            shares = [_share_at_most(values, x) for values in ordered.values()]
            e = estimate(shares)
            out.append({"route": route, "corridor": corridor_of(route), "days": x,
                        "share_delivered": round(_share_at_most(pooled, x), 4),
                        "ci_low": None if e.low is None else round(max(e.low, 0.0), 4),
                        "ci_high": None if e.high is None else round(min(e.high, 1.0), 4)})
    return out


def _share_at_most(ordered: Sequence[float], x: float) -> float:
    import bisect

    return bisect.bisect_right(ordered, x) / len(ordered)


@_styled
def draw_transit_ecdf(data: Rows, promised_days: float | None) -> MplFigure:
    """One panel per corridor, a line per route, its band shaded, the promise marked."""
    corridors = [c for c in CORRIDOR_ORDER if any(r["corridor"] == c for r in data)]
    fig, axes = new_figure(8.0, 2.6 * len(corridors), len(corridors), 1, sharex=True)
    for ax, corridor in zip(axes, corridors, strict=True):
        routes = list(dict.fromkeys(r["route"] for r in data if r["corridor"] == corridor))
        for k, route in enumerate(routes):
            rows = [r for r in data if r["route"] == route]
            xs = [r["days"] for r in rows]
            colour = _shade(CORRIDOR_COLOURS[corridor], k, len(routes))
            ax.step(xs, [r["share_delivered"] for r in rows], where="post", color=colour,
                    label=route, linewidth=1.4)
            if rows[0]["ci_low"] is not None:
                ax.fill_between(xs, [r["ci_low"] for r in rows], [r["ci_high"] for r in rows],
                                step="post", color=colour, alpha=0.2, linewidth=0)
        if promised_days is not None:
            ax.axvline(promised_days, color="#b00020", linestyle="--", linewidth=1.0)
            ax.text(promised_days, 0.02, f" promised {promised_days:g} d", color="#b00020",
                    fontsize=8, va="bottom")
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("share delivered\n(of released)")
        ax.set_title(CORRIDOR_TITLES[corridor], loc="left")
        ax.legend(fontsize=7, loc="lower right", frameon=False)
    axes[-1].set_xlabel("transit time (days, release to delivery)")
    return fig


def _shade(colour: str, k: int, n: int) -> str:
    """The ``k``-th of ``n`` shades of a corridor's colour, from dark to light."""
    from matplotlib.colors import to_hex, to_rgb

    if n <= 1:
        return colour
    mix = 0.55 * k / (n - 1)
    r, g, b = to_rgb(colour)
    return to_hex((r + (1 - r) * mix, g + (1 - g) * mix, b + (1 - b) * mix))


# --- where the days go ------------------------------------------------------------------------


def activity_days_data(summary: Rows, routes: Sequence[str]) -> list[dict[str, Any]]:
    """Per route and activity: mean days with the 95 % interval (``summary.csv``, scope
    route, ``mean_days_<activity>``); activities that take no time on any route are
    left out."""
    look = summary_lookup(summary)
    rows = []
    for stem, label in ACTIVITY_LABELS.items():
        values = [_interval(look.get(("route", r, f"mean_days_{stem}"))) for r in routes]
        if not any(v[0] for v in values):
            continue
        for route, (mean, low, high) in zip(routes, values, strict=True):
            if mean is not None:
                rows.append({"route": route, "part": label, "mean_days": mean,
                             "ci_low": low, "ci_high": high})
    return rows


def country_days_data(summary: Rows, routes: Sequence[str],
                      order: Mapping[str, Sequence[str]] | None = None
                      ) -> list[dict[str, Any]]:
    """Per route and country: mean days spent in it, with the 95 % interval (scope
    country, ``<route>:<country>``, ``mean_days``); countries a route never enters are
    left out. ``order`` gives each route's countries in the order it crosses them
    (``countries_along``); others follow, and the sea last."""
    rows = []
    for r in summary:
        if r["scope"] != "country" or r["kpi"] != "mean_days":
            continue
        route, _, country = r["name"].rpartition(":")
        if route in routes and r["mean"]:
            rows.append({"route": route, "part": country, "mean_days": r["mean"],
                         "ci_low": r.get("ci_low"), "ci_high": r.get("ci_high")})
    rank = {route: i for i, route in enumerate(routes)}
    along = order or {}

    def position(row: Mapping[str, Any]) -> tuple[int, int, str]:
        crossed = list(along.get(row["route"], ()))
        where = crossed.index(row["part"]) if row["part"] in crossed else len(crossed)
        return rank[row["route"]], where + (1 if row["part"] == "sea" else 0), row["part"]
    return sorted(rows, key=position)


def countries_along(scenario: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each route's countries in the order its nodes lie in them (a border's exit side
    first), from the resolved scenario (``scenario.yaml`` of a results folder)."""
    nodes: dict[str, list[str]] = {}
    for section in ("terminals", "borders", "ports", "stations"):
        for name, node in (scenario.get(section) or {}).items():
            if isinstance(node, Mapping):
                nodes[name] = [c for c in (node.get("exit_country"), node.get("country")) if c]
    out: dict[str, list[str]] = {}
    for route, path in (scenario.get("routes") or {}).items():
        seen: list[str] = []
        for node in path or ():
            for country in nodes.get(node, ()):
                if country not in seen:
                    seen.append(country)
        out[route] = seen
    return out


def segment_days_data(summary: Rows, routes: Sequence[str]) -> list[dict[str, Any]]:
    """Per route and named segment: mean days over it with the 95 % interval (scope
    segment, ``<route>:<segment>``, ``mean_days``), in the scenario's segment order."""
    rows = []
    for r in summary:
        if r["scope"] != "segment" or r["kpi"] != "mean_days":
            continue
        route, _, segment = r["name"].partition(":")
        if route in routes and r["mean"] is not None:
            rows.append({"route": route, "part": segment, "mean_days": r["mean"],
                         "ci_low": r.get("ci_low"), "ci_high": r.get("ci_high")})
    order = {route: i for i, route in enumerate(routes)}
    return sorted(rows, key=lambda row: order[row["route"]])


def total_days(summary: Rows, routes: Sequence[str]) -> dict[str, tuple[Any, Any, Any]]:
    """Each route's mean transit days with its interval (the whole bar)."""
    look = summary_lookup(summary)
    return {r: _interval(look.get(("route", r, "mean_transit_days"))) for r in routes}


@_styled
def draw_stacked_days(data: Rows, totals: Mapping[str, tuple[Any, Any, Any]] | None,
                      legend_title: str) -> MplFigure:
    """Horizontal stacked bars: a route per bar, a part (activity, country, segment) per
    colour; the whole bar's interval drawn at its end, each part's in the table."""
    from matplotlib.patches import Patch

    routes = list(dict.fromkeys(r["route"] for r in data))
    parts = list(dict.fromkeys(r["part"] for r in data))
    colour = {part: PART_COLOURS[k % len(PART_COLOURS)] for k, part in enumerate(parts)}
    fig, (ax,) = new_figure(8.0, 1.2 + 0.38 * len(routes))
    for route in routes:  # each bar stacks its parts in its rows' order (along the route)
        left = 0.0
        for r in data:
            if r["route"] == route:
                ax.barh(route, r["mean_days"], left=left, color=colour[r["part"]],
                        height=0.7, edgecolor="white", linewidth=0.4)
                left += r["mean_days"]
    if totals:
        means = [totals[r][0] for r in routes]
        if all(m is not None for m in means):
            ax.errorbar(means, routes, xerr=_errors(means, [totals[r][1] for r in routes],
                                                    [totals[r][2] for r in routes]),
                        fmt="none", ecolor="black", capsize=3, linewidth=0.9)
    ax.set_xlim(left=0.0)  # a wide interval (few replications) must not draw negative days
    ax.invert_yaxis()
    ax.set_xlabel("days (mean per delivered consignment)")
    ax.legend([Patch(color=colour[p]) for p in parts], parts, title=legend_title,
              fontsize=7, title_fontsize=8, ncols=1 if len(parts) < 8 else 2,
              loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return fig


@_styled
def draw_segment_days(data: Rows) -> MplFigure:
    """A bar per route and named segment, in the segment's colour, with its interval
    (segments need not add up to the route: they may overlap or leave gaps)."""
    labels = [f"{r['route']}: {r['part']}" for r in data]
    parts = list(dict.fromkeys(r["part"] for r in data))
    colours = [PART_COLOURS[parts.index(r["part"]) % len(PART_COLOURS)] for r in data]
    fig, (ax,) = new_figure(8.0, 1.0 + 0.3 * len(labels))
    means = [r["mean_days"] for r in data]
    ax.barh(labels, means, color=colours, height=0.7,
            xerr=_errors(means, [r["ci_low"] for r in data], [r["ci_high"] for r in data]),
            error_kw={"capsize": 2, "linewidth": 0.8})
    ax.set_xlim(left=0.0)
    ax.invert_yaxis()
    ax.set_xlabel("days over the segment (mean per delivered consignment)")
    return fig


# --- seasonality ------------------------------------------------------------------------------


def monthly_transit_data(shipments: Rows) -> list[dict[str, Any]]:
    """Per corridor and release month: the median transit days of the consignments
    released that month, averaged over replications with its 95 % interval."""
    cells: dict[tuple[str, str], dict[int, list[float]]] = {}
    replications = {row["replication"] for row in shipments}
    for row in shipments:
        days = row["transit_days"]
        if days is None:
            continue
        key = (row["corridor"], str(row["released_at"])[:7])
        cells.setdefault(key, {}).setdefault(row["replication"], []).append(float(days))
    out = []
    order = {c: i for i, c in enumerate(CORRIDOR_ORDER)}
    for (corridor, month), reps in sorted(cells.items(),
                                          key=lambda kv: (order[kv[0][0]], kv[0][1])):
        medians = [_median(values) for _, values in sorted(reps.items())]
        e = estimate(medians)
        delivered = sum(len(values) for values in reps.values())
        out.append({"corridor": corridor, "month": month, "replications": e.n,
                    "consignments": delivered,
                    "plotted": "yes" if delivered >= MONTH_MIN * max(len(replications), 1)
                    else "no",
                    "median_transit_days": round(e.mean or 0.0, 4),
                    "ci_low": None if e.low is None else round(e.low, 4),
                    "ci_high": None if e.high is None else round(e.high, 4)})
    return out


MONTH_MIN = 5
"""A month is drawn when it delivered at least this many consignments per replication
(a month cut by the warm-up, or a small flow, would otherwise show as a spike)."""


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2.0


@dataclass(frozen=True)
class DatedChange:
    """A dated change of the scenario (``changes:``): its name and when it starts and,
    if it does, ends."""

    name: str
    at: dt.datetime
    until: dt.datetime | None


def dated_changes(scenario: Mapping[str, Any]) -> list[DatedChange]:
    """The dated changes of the resolved scenario (``scenario.yaml``) and its outages on
    dates (``kind: outage`` with ``start`` and ``end``, named ``outage <name>``), by date."""
    out = []
    for name, change in (scenario.get("changes") or {}).items():
        if not isinstance(change, Mapping):
            continue
        at = as_datetime(change.get("at"))
        if at is not None:
            out.append(DatedChange(str(name), at, as_datetime(change.get("until"))))
    for name, closure in (scenario.get("closures") or {}).items():
        if isinstance(closure, Mapping) and closure.get("kind") == "outage":
            start, end = as_datetime(closure.get("start")), as_datetime(closure.get("end"))
            if start is not None:
                out.append(DatedChange(f"outage {name}", start, end))
    return sorted(out, key=lambda c: (c.at, c.name))


def change_key(changes: Sequence[DatedChange]) -> list[tuple[int, str]]:
    """The numbers the figures mark the dates of dated changes with, and what each
    stands for: one number per date, the changes starting or ending then."""
    moments: dict[dt.datetime, list[str]] = {}
    for c in changes:
        moments.setdefault(c.at, []).append(c.name)
        if c.until is not None:
            moments.setdefault(c.until, []).append(f"end of {c.name}")
    return [(k, f"{_when(moment)}: {', '.join(names)}")
            for k, (moment, names) in enumerate(sorted(moments.items()), start=1)]


def _mark_changes(ax: Any, marks: Sequence[tuple[float, str]]) -> None:
    """Dotted vertical lines at the dates of dated changes, each numbered at the top
    (the caption gives the key, ``change_key``)."""
    lowest, highest = ax.get_xlim()
    for x, label in marks:
        if lowest <= x <= highest:
            ax.axvline(x, color="#777777", linestyle=":", linewidth=0.8)
            ax.annotate(label, (x, 1.0), xycoords=("data", "axes fraction"), fontsize=6,
                        color="#555555", ha="center", va="bottom", xytext=(0, 1),
                        textcoords="offset points")


def _month_index_of(moment: dt.datetime, index: Mapping[str, int]) -> float | None:
    """Where ``moment`` falls on an axis of months (``YYYY-MM`` at 0, 1, ...), or None."""
    at = index.get(f"{moment.year:04d}-{moment.month:02d}")
    if at is None:
        return None
    first = dt.datetime(moment.year, moment.month, 1)
    following = dt.datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1)
    return at - 0.5 + (moment - first) / (following - first)


def change_marks_by_month(changes: Sequence[DatedChange], months: Sequence[str]
                          ) -> list[tuple[float, str]]:
    """Positions of the changes' dates on an axis of release months, with their numbers
    (``change_key``)."""
    index = {m: i for i, m in enumerate(months)}
    marks = []
    for k, moment in enumerate(_change_moments(changes), start=1):
        x = _month_index_of(moment, index)
        if x is not None:
            marks.append((x, str(k)))
    return marks


def _change_moments(changes: Sequence[DatedChange]) -> list[dt.datetime]:
    return sorted({m for c in changes for m in (c.at, c.until) if m is not None})


def change_marks_by_day(changes: Sequence[DatedChange], start: dt.date
                        ) -> list[tuple[float, str]]:
    """Positions of the changes' dates on an axis of days since ``start``, with their
    numbers (``change_key``)."""
    origin = dt.datetime.combine(start, dt.time())
    return [((moment - origin).total_seconds() / 86400.0, str(k))
            for k, moment in enumerate(_change_moments(changes), start=1)]


@_styled
def draw_monthly_transit(data: Rows, changes: Sequence[DatedChange] = ()) -> MplFigure:
    """A line per corridor over release months, its band shaded; dated changes marked."""
    fig, (ax,) = new_figure(8.0, 3.2)
    months = sorted({r["month"] for r in data})
    index = {m: i for i, m in enumerate(months)}
    nan = float("nan")
    for corridor in dict.fromkeys(r["corridor"] for r in data):
        rows = [r for r in data if r["corridor"] == corridor]
        xs = [index[r["month"]] for r in rows]
        shown = [r["plotted"] == "yes" for r in rows]
        colour = CORRIDOR_COLOURS[corridor]
        ax.plot(xs, [r["median_transit_days"] if ok else nan
                     for r, ok in zip(rows, shown, strict=True)],
                marker="o", markersize=3, color=colour, label=corridor)
        ax.fill_between(xs, [max(r["ci_low"], 0.0) if ok and r["ci_low"] is not None else nan
                             for r, ok in zip(rows, shown, strict=True)],
                        [r["ci_high"] if ok and r["ci_high"] is not None else nan
                         for r, ok in zip(rows, shown, strict=True)],
                        color=colour, alpha=0.2, linewidth=0)
    step = max(1, len(months) // 12)
    ax.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
    _mark_changes(ax, change_marks_by_month(changes, months))
    ax.set_ylabel("median transit (days)")
    ax.set_xlabel("month the consignment was released")
    ax.legend(fontsize=8, frameon=False)
    return fig


# --- route and mode shares --------------------------------------------------------------------

PRE_CLOSURE_DAYS = 60
"""The days before a closure whose shares say what each option would have taken without
it."""


@dataclass(frozen=True)
class DatedClosure:
    """A closure of the scenario on fixed dates (kind ``window``)."""

    name: str
    at: tuple[str, ...]
    """The nodes and legs that close (several for a regional closure)."""
    cause: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class ClosureOnChoice:
    """A dated closure that shippers react to, on the route of some option of a choosing
    flow: the flow's options (those whose routes pass the closure first) and which
    option each of its routes and outside alternatives belongs to."""

    closure: DatedClosure
    flow: str
    options: tuple[str, ...]
    closed: frozenset[str]
    """The options with a route through the closure."""
    option_of: Mapping[str, str]
    """Route or outside alternative -> its option."""


def dated_closures(scenario: Mapping[str, Any]) -> list[DatedClosure]:
    """The window closures of the resolved scenario (``scenario.yaml``), by start."""
    out = []
    for name, closure in (scenario.get("closures") or {}).items():
        if not isinstance(closure, Mapping) or closure.get("kind") != "window":
            continue
        start, end = as_datetime(closure.get("start")), as_datetime(closure.get("end"))
        if start is not None and end is not None:
            at = closure.get("at")
            places = tuple(str(p) for p in at) if isinstance(at, list) else (str(at),)
            out.append(DatedClosure(str(name), places,
                                    str(closure.get("cause") or "closure"), start, end))
    return sorted(out, key=lambda c: (c.start, c.name))


def as_datetime(value: Any) -> dt.datetime | None:
    """A date or time as written in a scenario or a table (``2024-03-01``,
    ``2024-03-01T06:00``), or None when it is not one."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def choosing_flows(scenario: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Per flow that gives ``choice``: each of its routes and outside alternatives -> its
    option, in the scenario's order."""
    out = {}
    for name, flow in (scenario.get("flows") or {}).items():
        choice = flow.get("choice") if isinstance(flow, Mapping) else None
        if isinstance(choice, Mapping):
            out[str(name)] = {member: str(option) for option, members in choice.items()
                              for member in (members or {})}
    return out


def closures_on_choices(scenario: Mapping[str, Any], flows: Collection[str] | None = None
                        ) -> list[ClosureOnChoice]:
    """Each dated closure whose cause shippers react to (not in the choice's
    ``ignored_closure_causes``) with each choosing flow (of ``flows``, with more than one
    option) that has an option whose route passes it: at one of the route's nodes, or on
    a leg between two of its consecutive nodes."""
    choice = scenario.get("choice")
    if not isinstance(choice, Mapping):
        return []
    ignored = set(choice.get("ignored_closure_causes",
                             ShipperChoice.model_fields["ignored_closure_causes"].default))
    paths = scenario.get("routes") or {}
    pairs = {(leg.get("from"), leg.get("to")): name
             for name, leg in (scenario.get("legs") or {}).items() if isinstance(leg, Mapping)}
    out = []
    for closure in dated_closures(scenario):
        if closure.cause in ignored:
            continue
        for flow, option_of in choosing_flows(scenario).items():
            options = list(dict.fromkeys(option_of.values()))
            if len(options) < 2 or (flows is not None and flow not in flows):
                continue
            closed = {option for member, option in option_of.items()
                      if _passes(paths.get(member) or (), closure.at, pairs)}
            if closed:
                ordered = [o for o in options if o in closed] + [o for o in options
                                                                 if o not in closed]
                out.append(ClosureOnChoice(closure, flow, tuple(ordered), frozenset(closed),
                                           option_of))
    return out


def _passes(path: Sequence[str], at: Sequence[str],
            pairs: Mapping[tuple[Any, Any], str]) -> bool:
    """Whether a route's path passes one of the nodes or legs ``at``."""
    return any(place in path for place in at) or any(
        pairs.get(pair) in at for pair in itertools.pairwise(path))


def shares_by_month_data(shares: Rows, choosing: Collection[str] = ()
                         ) -> list[dict[str, Any]]:
    """Per reported flow with more than one option (the flows of ``choosing`` first),
    option and release month: the option's share of the flow's TEU released that month
    (``shares.csv``), mean over replications with its 95 % interval clamped to [0, 1],
    and the option's mean TEU per replication. Empty when no flow has two options."""
    cells: dict[tuple[str, str, str], dict[int, tuple[float | None, float]]] = {}
    corridor: dict[tuple[str, str], str] = {}
    for row in shares:
        key = (row["flow"], row["option"])
        corridor.setdefault(key, row["corridor"])
        cells.setdefault((*key, row["month"]), {})[row["replication"]] = (row["share"],
                                                                          row["teu"])
    options: dict[str, list[str]] = {}
    for flow, option in corridor:
        options.setdefault(flow, []).append(option)
    flows = sorted((f for f, o in options.items() if len(o) > 1),
                   key=lambda f: f not in choosing)
    months = sorted({month for _, _, month in cells})
    out = []
    for flow in flows:
        for option in options[flow]:
            for month in months:
                reps = cells.get((flow, option, month))
                if not reps:
                    continue
                e = estimate(share for share, _ in reps.values())
                out.append({
                    "flow": flow, "choosing": "yes" if flow in choosing else "no",
                    "option": option, "corridor": corridor[(flow, option)], "month": month,
                    "replications": e.n,
                    "mean_teu": round(sum(teu for _, teu in reps.values()) / len(reps), 2),
                    "share": None if e.mean is None else round(e.mean, 4),
                    "ci_low": None if e.low is None else round(min(max(e.low, 0.0), 1.0), 4),
                    "ci_high": None if e.high is None else round(max(min(e.high, 1.0), 0.0),
                                                                 4)})
    return out


def diverted_teu_data(shipments: Rows, closures: Sequence[ClosureOnChoice],
                      window: tuple[dt.datetime, dt.datetime] | None,
                      pre_days: int = PRE_CLOSURE_DAYS) -> list[dict[str, Any]]:
    """Per dated closure on a choosing flow's option and per option of that flow: the TEU
    the option took of the consignments released during the closure minus what it would
    have taken at its share of the ``pre_days`` days before it (that share times the
    flow's TEU released during the closure), mean over replications with its 95 %
    interval, from ``shipments.csv`` (released times to the minute). ``window`` is the
    reported demand window (warm-up end, horizon): a closure that starts before the
    warm-up ends, or has fewer than ``pre_days`` days of the window before it, gets no
    numbers but a ``note`` saying why; one that ends after the horizon is counted to the
    horizon, and its note says so. Per replication the options' diverted TEU add up to
    zero."""
    replications = sorted({row["replication"] for row in shipments})
    wanted = {c.flow for c in closures}
    released = [(row["replication"], row["flow"], row["route"], row["teu"],
                 as_datetime(row["released_at"]))
                for row in shipments if row["flow"] in wanted]
    out: list[dict[str, Any]] = []
    for c in closures:
        closure = c.closure
        refused, note = _closure_window_note(closure, window, pre_days)
        base: dict[str, Any] = {"closure": closure.name, "start": _when(closure.start),
                "end": _when(closure.end), "flow": c.flow}
        if refused:
            out += [{**base, "option": option, "corridor": corridor_of(_first(c, option)),
                     "closed_route": "yes" if option in c.closed else "no",
                     "replications": 0, "teu_released": None, "teu_at_share_before": None,
                     "diverted_teu": None, "ci_low": None, "ci_high": None, "note": note}
                    for option in c.options]
            continue
        assert window is not None
        start, end = closure.start, min(closure.end, window[1])
        before = start - dt.timedelta(days=pre_days)
        # per replication and option: TEU released before the closure, and during it
        teu = {rep: {option: [0.0, 0.0] for option in c.options} for rep in replications}
        for rep, flow, route, size, at in released:
            option = c.option_of.get(route)
            if flow != c.flow or option is None or at is None or not before <= at < end:
                continue
            teu[rep][option][0 if at < start else 1] += size
        values: dict[str, list[tuple[float, float, float] | None]] = {o: [] for o in c.options}
        for rep in replications:
            pre_total = sum(v[0] for v in teu[rep].values())
            during_total = sum(v[1] for v in teu[rep].values())
            for option, (pre, during) in teu[rep].items():
                if not pre_total:
                    values[option].append(None)
                    continue
                expected = pre / pre_total * during_total
                values[option].append((during, expected, during - expected))
        for option in c.options:
            known = [v for v in values[option] if v is not None]
            e = estimate(v[2] for v in known)
            out.append({**base, "option": option, "corridor": corridor_of(_first(c, option)),
                        "closed_route": "yes" if option in c.closed else "no",
                        "replications": e.n,
                        "teu_released": _mean_of(v[0] for v in known),
                        "teu_at_share_before": _mean_of(v[1] for v in known),
                        "diverted_teu": None if e.mean is None else round(e.mean, 2),
                        "ci_low": None if e.low is None else round(e.low, 2),
                        "ci_high": None if e.high is None else round(e.high, 2),
                        "note": note})
    return out


def _closure_window_note(closure: DatedClosure,
                         window: tuple[dt.datetime, dt.datetime] | None,
                         pre_days: int) -> tuple[bool, str | None]:
    """Whether a closure's diverted TEU cannot be estimated, and what to say about it."""
    if window is None:
        return True, "the demand window is not known (no start date in the manifest)"
    opens, closes = window
    if closure.start < opens:
        return True, f"the closure starts before the warm-up ends ({_when(opens)})"
    if closure.start >= closes:
        return True, f"the closure starts after the horizon ({_when(closes)})"
    if closure.start - dt.timedelta(days=pre_days) < opens:
        return True, (f"fewer than {pre_days} days of the demand window lie before the "
                      f"closure (the window opens {_when(opens)})")
    if closure.end > closes:
        return False, f"counted to the horizon ({_when(closes)}), before the closure ends"
    return False, None


def _first(c: ClosureOnChoice, option: str) -> str:
    return next(member for member, o in c.option_of.items() if o == option)


def _mean_of(values: Iterable[float]) -> float | None:
    xs = list(values)
    return round(sum(xs) / len(xs), 2) if xs else None


def _when(moment: dt.datetime) -> str:
    """A date, with its time when it is not midnight (``2024-03-01``,
    ``2024-03-01T06:00``)."""
    return moment.strftime("%Y-%m-%d" if moment.time() == dt.time() else "%Y-%m-%dT%H:%M")


def demand_window(manifest: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime] | None:
    """The reported window of a run (warm-up end, horizon) as calendar times, from its
    manifest; None when the manifest does not say."""
    start = as_datetime(manifest.get("start_date"))
    warmup, horizon = manifest.get("warmup_hours"), manifest.get("horizon_hours")
    if start is None or warmup is None or horizon is None:
        return None
    return (start + dt.timedelta(hours=float(warmup)),
            start + dt.timedelta(hours=float(horizon)))


@_styled
def draw_shares_by_month(data: Rows, closures: Sequence[DatedClosure]) -> MplFigure:
    """A panel per flow, a line per option in its corridor's colour with its band, over
    release months; dated closures shaded and labelled."""
    flows = list(dict.fromkeys(r["flow"] for r in data))
    months = sorted({r["month"] for r in data})
    first = _month_number(months[0])
    fig, axes = new_figure(8.0, 2.6 * len(flows), len(flows), 1, sharex=True)
    nan = float("nan")
    for ax, flow in zip(axes, flows, strict=True):
        rows = [r for r in data if r["flow"] == flow]
        options = list(dict.fromkeys(r["option"] for r in rows))
        corridor = {r["option"]: r["corridor"] for r in rows}
        for option in options:
            series = [r for r in rows if r["option"] == option]
            same = [o for o in options if corridor[o] == corridor[option]]
            colour = _shade(CORRIDOR_COLOURS.get(corridor[option], "#7a7a7a"),
                            same.index(option), len(same))
            xs = [_month_number(r["month"]) - first + 0.5 for r in series]
            ax.plot(xs, [nan if r["share"] is None else r["share"] for r in series],
                    marker="o", markersize=3, color=colour, label=option, linewidth=1.3)
            ax.fill_between(xs, [nan if r["ci_low"] is None else r["ci_low"] for r in series],
                            [nan if r["ci_high"] is None else r["ci_high"] for r in series],
                            color=colour, alpha=0.18, linewidth=0)
        for closure in closures:
            x0 = max(_month_position(closure.start) - first, 0.0)
            x1 = min(_month_position(closure.end) - first, float(len(months)))
            if x1 <= x0:
                continue
            ax.axvspan(x0, x1, color="#b00020", alpha=0.15, linewidth=0)
            ax.text(x0, 0.99, f" {closure.name}", transform=ax.get_xaxis_transform(),
                    color="#b00020", fontsize=7, va="top")
        ax.set_xlim(0.0, float(len(months)))
        ax.set_ylim(0.0, 1.02)
        ax.set_ylabel("TEU share")
        chooses = rows[0]["choosing"] == "yes"
        ax.set_title(f"{flow} ({'shippers choose' if chooses else 'fixed shares'})",
                     loc="left")
        ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    step = max(1, len(months) // 12)
    bottom = axes[-1]
    bottom.set_xticks(range(len(months) + 1), [""] * (len(months) + 1))  # month starts
    bottom.set_xticks([i + 0.5 for i in range(0, len(months), step)], months[::step],
                      minor=True, rotation=45, ha="right")
    bottom.tick_params(axis="x", which="minor", length=0)
    bottom.set_xlabel("month the consignment was released (grid lines: month starts)")
    return fig


def _month_number(month: str) -> int:
    """``YYYY-MM`` as a count of months."""
    year, number = month.split("-")[:2]
    return int(year) * 12 + int(number) - 1


def _month_position(moment: dt.datetime) -> float:
    """A time as a count of months, with the fraction of its month gone."""
    days = calendar.monthrange(moment.year, moment.month)[1]
    gone = (moment - dt.datetime(moment.year, moment.month, 1)).total_seconds() / 86400.0
    return moment.year * 12 + moment.month - 1 + gone / days


# --- nodes ------------------------------------------------------------------------------------


def congestion_data(summary: Rows, top: int = 15) -> list[dict[str, Any]]:
    """Nodes and stages by utilisation, the busiest first (``top`` of them), with mean
    wait hours and mean queue, each with its 95 % interval."""
    look = summary_lookup(summary)
    rows = []
    for scope in ("node", "stage"):
        for (s, name, kpi), r in look.items():
            if s != scope or kpi != "utilisation":
                continue
            wait = look.get((scope, name, "mean_wait_hours"))
            queue = look.get((scope, name, "mean_queue"))
            rows.append({"scope": scope, "name": name, "utilisation": r["mean"],
                         "utilisation_ci_low": r.get("ci_low"),
                         "utilisation_ci_high": r.get("ci_high"),
                         "mean_wait_hours": None if wait is None else wait["mean"],
                         "wait_ci_low": None if wait is None else wait.get("ci_low"),
                         "wait_ci_high": None if wait is None else wait.get("ci_high"),
                         "mean_queue": None if queue is None else queue["mean"]})
    # A node's only stage repeats the node: keep the stage (it says what the servers are).
    stage_of = {r["name"].split(".", 1)[0] for r in rows if r["scope"] == "stage"}
    single = {n for n in stage_of
              if sum(1 for r in rows if r["scope"] == "stage"
                     and r["name"].split(".", 1)[0] == n) == 1}
    rows = [r for r in rows if not (r["scope"] == "node" and r["name"] in single)]
    rows.sort(key=lambda r: (-(r["utilisation"] or 0.0), r["name"]))
    return rows[:top]


@_styled
def draw_congestion(data: Rows) -> MplFigure:
    """Utilisation and mean wait side by side, a bar per node or stage."""
    names = [r["name"] for r in data]
    fig, (left, right) = new_figure(8.0, 1.0 + 0.3 * len(names), 1, 2, sharey=True)
    util = [r["utilisation"] or 0.0 for r in data]
    colours = ["#b00020" if u >= 0.85 else "#4a7ab5" for u in util]
    left.barh(names, util, color=colours, height=0.7,
              xerr=_errors(util, [r["utilisation_ci_low"] for r in data],
                           [r["utilisation_ci_high"] for r in data]),
              error_kw={"capsize": 2, "linewidth": 0.8})
    left.set_xlim(0, 1.05)
    left.set_xlabel("utilisation (busy share of servers)")
    left.invert_yaxis()
    wait = [r["mean_wait_hours"] or 0.0 for r in data]
    right.barh(names, wait, color="#6d6d6d", height=0.7,
               xerr=_errors(wait, [r["wait_ci_low"] for r in data],
                            [r["wait_ci_high"] for r in data]),
               error_kw={"capsize": 2, "linewidth": 0.8})
    right.set_xlabel("mean wait before service (hours)")
    return fig


def level_series_data(timeseries: Rows, busiest: int = 4) -> list[dict[str, Any]]:
    """Daily queue level at the ``busiest`` nodes (by mean queue over the demand window)
    and yard TEU at the fullest ports, from ``timeseries.csv`` node rows."""
    node_rows = [r for r in timeseries if r["stage"] is None]
    out: list[dict[str, Any]] = []
    for quantity in ("queue", "yard_teu"):
        column = f"mean_{quantity}"
        totals: dict[str, float] = {}
        for r in node_rows:
            if r.get(column) is not None and r["period"] == "demand":
                totals[r["node"]] = totals.get(r["node"], 0.0) + r[column]
        ranked = sorted(totals, key=lambda n: (-totals[n], n))[:busiest]
        for node in ranked:
            if not totals[node]:
                continue
            for r in node_rows:
                if r["node"] == node:
                    half = r.get(f"{column}_halfwidth")
                    out.append({"quantity": quantity, "node": node, "date": r["date"],
                                "day": r["day"], "period": r["period"], "mean": r[column],
                                "ci_low": None if half is None else r[column] - half,
                                "ci_high": None if half is None else r[column] + half,
                                "max": r[f"max_{quantity}"]})
    for r in timeseries:  # the stages outages take servers from (timeseries.csv has them)
        if r["stage"] is not None and r.get("mean_servers") is not None:
            half = r.get("mean_servers_halfwidth")
            out.append({"quantity": "servers", "node": f"{r['node']}.{r['stage']}",
                        "date": r["date"], "day": r["day"], "period": r["period"],
                        "mean": r["mean_servers"],
                        "ci_low": None if half is None else r["mean_servers"] - half,
                        "ci_high": None if half is None else r["mean_servers"] + half,
                        "max": None})
    return out


@_styled
def draw_level_series(data: Rows, warmup_day: int | None, horizon_day: int | None,
                      changes: Sequence[tuple[float, str]] = ()) -> MplFigure:
    """Queue (trains waiting) and yard TEU by day, a line per node, bands shaded; the
    demand window between the dashed lines, dated changes (their day, name) dotted."""
    quantities = [q for q in ("queue", "yard_teu", "servers")
                  if any(r["quantity"] == q for r in data)]
    fig, axes = new_figure(8.0, 2.6 * max(len(quantities), 1), max(len(quantities), 1), 1,
                           sharex=True)
    labels = {"queue": "trains (and vessels) waiting", "yard_teu": "TEU in the yard",
              "servers": "servers in service"}
    for ax, quantity in zip(axes, quantities, strict=False):
        rows = [r for r in data if r["quantity"] == quantity]
        for k, node in enumerate(dict.fromkeys(r["node"] for r in rows)):
            series = [r for r in rows if r["node"] == node]
            xs = [r["day"] for r in series]
            colour = f"C{k}"
            ax.plot(xs, [r["mean"] for r in series], color=colour, linewidth=1.0, label=node)
            if series[0]["ci_low"] is not None:
                ax.fill_between(xs, [max(r["ci_low"], 0.0) for r in series],
                                [r["ci_high"] for r in series], color=colour, alpha=0.1,
                                linewidth=0)
        for day in (warmup_day, horizon_day):
            if day:
                ax.axvline(day, color="#555555", linestyle="--", linewidth=0.8)
        _mark_changes(ax, changes)
        ax.set_ylabel(labels[quantity])
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    months = {r["day"]: r["date"][:7] for r in data if str(r["date"]).endswith("-01")}
    if months:
        step = max(1, len(months) // 8)
        ticks = sorted(months)[::step]
        axes[-1].set_xticks(ticks, [months[d] for d in ticks])
    axes[-1].set_xlabel("date (the demand window between the dashed lines)")
    return fig


# --- cost and emissions -----------------------------------------------------------------------


def cost_co2_data(summary: Rows, routes: Sequence[str]) -> list[dict[str, Any]]:
    """Per route: mean cost (every component: freight, the time value of cargo, the
    safety stock of its spread) and CO2 per TEU with their 95 % intervals."""
    look = summary_lookup(summary)
    out = []
    for route in routes:
        cost = _interval(look.get(("route", route, "mean_cost_usd_per_teu")))
        co2 = _interval(look.get(("route", route, "mean_co2_kg_per_teu")))
        if cost[0] is None and co2[0] is None:
            continue
        out.append({"route": route, "corridor": corridor_of(route),
                    "cost_usd_per_teu": cost[0], "cost_ci_low": cost[1],
                    "cost_ci_high": cost[2], "co2_kg_per_teu": co2[0],
                    "co2_ci_low": co2[1], "co2_ci_high": co2[2]})
    return out


def emissions_standard(manifest: Mapping[str, Any]) -> str | None:
    """The standard a run's CO2 figures follow (``ISO 14083:2023 / GLEC Framework
    v3.0``), from its manifest; None for distance x factor (or an older manifest)."""
    emissions = manifest.get("emissions")
    return emissions.get("standard") if isinstance(emissions, Mapping) else None


def co2_axis_label(standard: str | None) -> str:
    """The CO2 axis of the cost figure, naming the standard where there is one."""
    if standard is None:
        return "CO2 (kg per TEU)"
    return f"CO2e WTW (kg per TEU, {standard.replace('ISO 14083:2023 / ', 'ISO 14083 / ')})"


@_styled
def draw_cost_co2(data: Rows, co2_label: str = "CO2 (kg per TEU)") -> MplFigure:
    """Cost and CO2 per TEU side by side, a bar per route in its corridor's colour."""
    routes = [r["route"] for r in data]
    colours = [CORRIDOR_COLOURS[r["corridor"]] for r in data]
    fig, (left, right) = new_figure(8.0, 1.0 + 0.32 * len(routes), 1, 2, sharey=True)
    for ax, key, label in ((left, "cost", "cost, all components (USD per TEU)"),
                           (right, "co2", co2_label)):
        column = "cost_usd_per_teu" if key == "cost" else "co2_kg_per_teu"
        values = [r[column] or 0.0 for r in data]
        ax.barh(routes, values, color=colours, height=0.7,
                xerr=_errors(values, [r[f"{key}_ci_low"] for r in data],
                             [r[f"{key}_ci_high"] for r in data]),
                error_kw={"capsize": 2, "linewidth": 0.8})
        ax.set_xlabel(label)
    left.invert_yaxis()
    from matplotlib.patches import Patch

    present = list(dict.fromkeys(r["corridor"] for r in data))
    right.legend([Patch(color=CORRIDOR_COLOURS[c]) for c in present], present, fontsize=7,
                 frameon=False, loc="lower right")
    return fig


# --- compare ----------------------------------------------------------------------------------

FOREST_KPIS = ("median_transit_days", "p90_transit_days", "mean_transit_days",
               "mean_cost_usd_per_teu")
FOREST_LABELS = {"median_transit_days": ("median transit", "days"),
                 "p90_transit_days": ("p90 transit", "days"),
                 "mean_transit_days": ("mean transit", "days"),
                 "mean_cost_usd_per_teu": ("mean cost per TEU", "USD")}


def forest_data(comparison: Rows) -> list[dict[str, Any]]:
    """Per KPI, corridor and route: B minus A with its interval and significance
    (``scenario_comparison.csv``)."""
    out = []
    for kpi in FOREST_KPIS:
        for scope in ("corridor", "route"):
            for r in comparison:
                if r["scope"] == scope and r["kpi"] == kpi and r["difference"] is not None:
                    out.append({"kpi": kpi, "scope": scope, "name": r["name"],
                                "a_mean": r["a_mean"], "b_mean": r["b_mean"],
                                "difference": r["difference"], "ci_low": r.get("ci_low"),
                                "ci_high": r.get("ci_high"),
                                "significant": r.get("significant")})
    return out


@_styled
def draw_forest(data: Rows) -> MplFigure:
    """A panel per KPI: each corridor's and route's difference as a point with its
    interval, filled and red when the interval excludes zero."""
    kpis = list(dict.fromkeys(r["kpi"] for r in data))
    names = list(dict.fromkeys(r["name"] for r in data))
    fig, axes = new_figure(8.0, 1.2 + 0.3 * len(names), 1, max(len(kpis), 1), sharey=True)
    for ax, kpi in zip(axes, kpis, strict=False):
        rows = [r for r in data if r["kpi"] == kpi]
        for r in rows:
            y = names.index(r["name"])
            significant = r["significant"] == "yes"
            colour = "#b00020" if significant else "#555555"
            low = r["ci_low"] if r["ci_low"] is not None else r["difference"]
            high = r["ci_high"] if r["ci_high"] is not None else r["difference"]
            ax.plot([low, high], [y, y], color=colour, linewidth=1.2)
            ax.plot([r["difference"]], [y], marker="o", markersize=4.5, color=colour,
                    markerfacecolor=colour if significant else "white")
        ax.axvline(0.0, color="black", linewidth=0.8)
        title, unit = FOREST_LABELS[kpi]
        ax.set_title(title, fontsize=8)
        ax.set_xlabel(f"B minus A ({unit})")
    labels = [f"{n} (all its routes)" if any(r["name"] == n and r["scope"] == "corridor"
                                             for r in data) else n for n in names]
    axes[0].set_yticks(range(len(names)), labels)
    axes[0].invert_yaxis()
    return fig


# --- sweeps and sensitivity -------------------------------------------------------------------


def gap_rows(sweep: Rows, factors: Sequence[str], kpi: str = "median_transit_days"
             ) -> list[dict[str, Any]]:
    """Per sweep point: its factor values and the Middle-minus-Northern gap with its
    interval (scope gap)."""
    out = []
    for r in sweep:
        if r["scope"] == "gap" and r["kpi"] == kpi:
            out.append({"point": r["point"], **{f: r[f] for f in factors},
                        "gap_days": r["mean"], "ci_low": r.get("ci_low"),
                        "ci_high": r.get("ci_high")})
    return sorted(out, key=lambda row: row["point"])


def main_factors(gaps: Rows, factors: Sequence[str], ranked: Rows = (),
                 grid_design: bool = True) -> list[str]:
    """The two factors that move the gap most: the sensitivity analysis's two first
    ranked where there is one (``sensitivity_data``); on a grid, those over whose values
    the mean gap spans the widest range; on a sampled design (every point its own
    values), those whose values are most correlated with the gap. The factors' order
    breaks ties."""
    if ranked:
        return [r["factor"] for r in ranked if r["factor"] in factors][:2]
    if not grid_design:
        strength = {f: abs(_correlation([r[f] for r in gaps if r["gap_days"] is not None],
                                        [r["gap_days"] for r in gaps
                                         if r["gap_days"] is not None])) for f in factors}
        return sorted(factors, key=lambda f: (-strength[f], list(factors).index(f)))[:2]
    spread = {}
    for f in factors:
        by_value: dict[Any, list[float]] = {}
        for r in gaps:
            if r["gap_days"] is not None:
                by_value.setdefault(r[f], []).append(r["gap_days"])
        means = [sum(v) / len(v) for v in by_value.values()]
        spread[f] = (max(means) - min(means)) if len(means) > 1 else 0.0
    return sorted(factors, key=lambda f: (-spread[f], list(factors).index(f)))[:2]


@_styled
def draw_gap_map(gaps: Rows, x: str, y: str, frontier: Rows, grid_design: bool = True
                 ) -> MplFigure:
    """The gap over two factors: a heat map on a grid design (averaged over the other
    factors), a scatter of the points coloured by the gap for a sampled design (Latin
    hypercube, Sobol', Morris); the zero contour and the frontier's points drawn on it."""
    import numpy as np

    xs = sorted({r[x] for r in gaps})
    ys = sorted({r[y] for r in gaps})
    fig, (ax,) = new_figure(7.0, 4.6)
    grid = np.full((len(ys), len(xs)), np.nan)
    cells: dict[tuple[int, int], list[float]] = {}
    for r in gaps:
        if r["gap_days"] is not None:
            cells.setdefault((ys.index(r[y]), xs.index(r[x])), []).append(r["gap_days"])
    for (i, j), values in cells.items():
        grid[i, j] = sum(values) / len(values)
    limit = float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0
    image: Any
    if grid_design and len(xs) > 1 and len(ys) > 1:
        image = ax.pcolormesh(_edges(xs), _edges(ys), grid, cmap="RdBu_r", vmin=-limit,
                              vmax=limit, shading="flat")
        if np.nanmin(grid) < 0 < np.nanmax(grid):
            ax.contour(xs, ys, grid, levels=[0.0], colors="black", linewidths=1.5)
        for (i, j), values in cells.items():
            ax.text(xs[j], ys[i], f"{sum(values) / len(values):+.1f}", ha="center",
                    va="center", fontsize=7)
        ax.set_xticks(xs, [f"{v:g}" for v in xs])
        ax.set_yticks(ys, [f"{v:g}" for v in ys])
    else:
        image = ax.scatter([r[x] for r in gaps], [r[y] for r in gaps],
                           c=[r["gap_days"] for r in gaps], cmap="RdBu_r", vmin=-limit,
                           vmax=limit, s=28, edgecolors="#333333", linewidths=0.4)
    for r in frontier_points(frontier, x, y):
        ax.plot(r[x], r[y], marker="*", color="black", markersize=10, linestyle="none")
    fig.colorbar(image, ax=ax, label="Middle minus Northern median (days)")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.grid(False)
    return fig


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson's correlation (0 when either side does not vary)."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0


def frontier_points(frontier: Rows, x: str, y: str) -> list[Mapping[str, Any]]:
    """The frontier's reached points in the plane of ``x`` and ``y``: the smallest value
    of one of them (the other held) at which the criterion is met."""
    return [r for r in frontier if r.get("factor") in (x, y) and not r.get("note")
            and r.get(x) is not None and r.get(y) is not None]


def _edges(values: Sequence[float]) -> list[float]:
    """Cell edges halfway between grid values (a heat map's cells centred on them)."""
    mids = [(a + b) / 2 for a, b in itertools.pairwise(values)]
    first = values[0] - (mids[0] - values[0]) if mids else values[0] - 0.5
    last = values[-1] + (values[-1] - mids[-1]) if mids else values[-1] + 0.5
    return [first, *mids, last]


def gap_curve_data(gaps: Rows, factors: Sequence[str]) -> list[dict[str, Any]]:
    """Per factor and value: the gap averaged over the points at that value, with the
    mean of their intervals' half-widths (the other factors vary across them)."""
    out = []
    for f in factors:
        by_value: dict[Any, list[Mapping[str, Any]]] = {}
        for r in gaps:
            if r["gap_days"] is not None:
                by_value.setdefault(r[f], []).append(r)
        for value in sorted(by_value):
            rows = by_value[value]
            mean = sum(r["gap_days"] for r in rows) / len(rows)
            halves = [(r["ci_high"] - r["ci_low"]) / 2 for r in rows
                      if r["ci_low"] is not None and r["ci_high"] is not None]
            half = sum(halves) / len(halves) if halves else None
            out.append({"factor": f, "value": value, "points": len(rows),
                        "gap_days": round(mean, 4),
                        "ci_low": None if half is None else round(mean - half, 4),
                        "ci_high": None if half is None else round(mean + half, 4)})
    return out


@_styled
def draw_gap_curves(data: Rows) -> MplFigure:
    """A panel per factor: the mean gap over its values, with the typical interval."""
    factors = list(dict.fromkeys(r["factor"] for r in data))
    cols = min(3, len(factors))
    rows_n = math.ceil(len(factors) / cols)
    fig, axes = new_figure(8.0, 2.4 * rows_n, rows_n, cols, sharey=True)
    for ax, factor in zip(axes, factors, strict=False):
        rows = [r for r in data if r["factor"] == factor]
        xs = [r["value"] for r in rows]
        ax.plot(xs, [r["gap_days"] for r in rows], marker="o", markersize=3, color="#333333")
        if all(r["ci_low"] is not None for r in rows):
            ax.fill_between(xs, [r["ci_low"] for r in rows], [r["ci_high"] for r in rows],
                            color="#888888", alpha=0.25, linewidth=0)
        ax.axhline(0.0, color="#b00020", linewidth=0.8)
        ax.set_title(factor, fontsize=8)
    for ax in axes[len(factors):]:
        ax.set_visible(False)
    axes[0].set_ylabel("gap (days)")
    return fig


def sensitivity_data(sensitivity: Rows) -> list[dict[str, Any]]:
    """The indices of ``sensitivity.csv``, a row per factor with every index and its
    interval as columns."""
    out: dict[str, dict[str, Any]] = {}
    for r in sensitivity:
        row = out.setdefault(r["factor"], {"factor": r["factor"], "method": r["method"],
                                           "rank": r.get("rank")})
        row[r["index"]] = r["value"]
        row[f"{r['index']}_ci_low"] = r.get("ci_low")
        row[f"{r['index']}_ci_high"] = r.get("ci_high")
    return sorted(out.values(), key=lambda row: (row["rank"] or 0, row["factor"]))


@_styled
def draw_sensitivity(data: Rows) -> MplFigure:
    """Morris: mu* against sigma, mu*'s interval as a bar. Sobol: S1 and ST per factor
    with their intervals."""
    fig, (ax,) = new_figure(7.0, 4.2)
    if data and data[0]["method"] == "morris":
        for r in data:
            mu, sigma = r.get("mu_star") or 0.0, r.get("sigma") or 0.0
            low, high = r.get("mu_star_ci_low"), r.get("mu_star_ci_high")
            ax.errorbar([mu], [sigma], xerr=_errors([mu], [low], [high]), fmt="o",
                        color="#1f5fa8", capsize=2, markersize=4)
            ax.annotate(r["factor"], (mu, sigma), textcoords="offset points", xytext=(4, 4),
                        fontsize=7)
        ax.set_xlabel("mu* (mean absolute elementary effect on the gap, days)")
        ax.set_ylabel("sigma (spread of the effects: interactions, non-linearity)")
    else:
        names = [r["factor"] for r in data]
        for k, index in enumerate(("S1", "ST")):
            values = [r.get(index) or 0.0 for r in data]
            ys = [i + (k - 0.5) * 0.36 for i in range(len(names))]
            ax.barh(ys, values, height=0.34, label=index, color=("#1f5fa8", "#e07b00")[k],
                    xerr=_errors(values, [r.get(f"{index}_ci_low") for r in data],
                                 [r.get(f"{index}_ci_high") for r in data]),
                    error_kw={"capsize": 2, "linewidth": 0.8})
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.set_xlabel("share of the gap's variance (S1 first order, ST total)")
        ax.legend(fontsize=8, frameon=False)
    return fig


# --- calibration ------------------------------------------------------------------------------


def calibration_data(calibration: Rows) -> list[dict[str, Any]]:
    """Per target: its published band and the model's interval, also on a scale where
    the band runs from 0 to 1 (so targets of different units share one axis)."""
    out = []
    for r in calibration:
        low, high = r["band_low"], r["band_high"]
        width = (high - low) or 1.0

        def scaled(v: float | None, low: float = low, width: float = width) -> float | None:
            return None if v is None else round((v - low) / width, 4)

        out.append({"target": r["target"], "band_low": low, "band_high": high,
                    "model_mean": r["model_mean"], "ci_low": r.get("ci_low"),
                    "ci_high": r.get("ci_high"), "passed": r["passed"],
                    "scaled_mean": scaled(r["model_mean"]), "scaled_ci_low": scaled(
                        r.get("ci_low")), "scaled_ci_high": scaled(r.get("ci_high"))})
    return out


@_styled
def draw_calibration(data: Rows) -> MplFigure:
    """Each target's band (shaded, 0 to 1) and the model's mean and interval on it."""
    names = [r["target"] for r in data]
    fig, (ax,) = new_figure(8.0, 1.0 + 0.38 * len(names))
    ax.axvspan(0.0, 1.0, color="#cfe8cf")
    for i, r in enumerate(data):
        colour = "#1b7a1b" if r["passed"] == "yes" else "#b00020"
        mean = r["scaled_mean"]
        if mean is None:
            continue
        ax.errorbar([mean], [i], xerr=_errors([mean], [r["scaled_ci_low"]],
                                              [r["scaled_ci_high"]], floor=None),
                    fmt="o", color=colour, capsize=3, markersize=4)
        ax.annotate(f"{r['model_mean']:.3g} (band {r['band_low']:g}-{r['band_high']:g})",
                    (mean, i), textcoords="offset points", xytext=(6, 5), fontsize=7)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.5, -0.9)  # inverted, with room for the top label
    ax.set_xlabel("position in the published band (0 = its low end, 1 = its high end)")
    return fig
