"""The report of a results folder: its figures and one self-contained HTML page.

Pure builders: a folder's rows (``ResultsFolder``) in, the files of ``report/`` out
(``index.html``, a PNG and a CSV of the plotted numbers per figure). The page embeds
every figure as an SVG data URI, so it needs no network, no JavaScript and no other
file to be read; it opens with the answer in words, says the units, the replications
and what the bands mean under every figure, and reflows to a phone's width and to
paper. The same rows give the same bytes.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from corridorsim.report import appraisal_figures as af
from corridorsim.report import figures as fg
from corridorsim.report.headline import headline
from corridorsim.report.period_figures import draw_period_transit, period_transit_data
from corridorsim.report.results_folder import REPORT, StagedFolder
from corridorsim.report.results_reader import ResultsFolder, read_results_folder
from corridorsim.report.writer import csv_text
from corridorsim.version import package_version

PAGE = "index.html"
REPORTED_TABLES = frozenset({"shipments", "routes", "corridors", "summary", "comparison",
                             "timeseries", "shares", "calibration", "scenario_comparison",
                             "sweep", "frontier", "sensitivity", "periods",
                             "appraisal"})
"""The tables the figures and the page are drawn from (a folder's others are not read)."""
REPORTED_COLUMNS = {"shipments": ("replication", "flow", "route", "corridor", "teu",
                                  "released_at", "transit_days")}
"""The columns of the long tables that the figures use."""


def report_figures(folder: ResultsFolder) -> list[fg.ReportFigure]:
    """The figures of a folder of any kind, in page order."""
    builders: Mapping[str, Callable[[ResultsFolder], list[fg.ReportFigure]]] = {
        "run": run_figures, "calibrate": calibration_figures, "compare": comparison_figures,
        "sweep": sweep_figures, "appraise": appraisal_figures}
    return builders[folder.kind](folder)


def _scenario(folder: ResultsFolder) -> dict[str, Any]:
    """The run's resolved scenario (durations in hours), or {} when it is not there."""
    path = folder.path / "scenario.yaml"
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _figure(name: str, title: str, caption: str, data: list[dict[str, Any]],
            draw: Callable[[], Any]) -> fg.ReportFigure | None:
    """A figure with its numbers, or None when there is nothing to plot."""
    if not data:
        return None
    return fg.ReportFigure(name, title, caption, data, _columns(data), draw())


def _columns(data: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for row in data for k in row))


def run_figures(folder: ResultsFolder) -> list[fg.ReportFigure]:
    """A run's figures: transit-time distributions, where the days go (activity,
    country, segment), seasonality, transit by calendar period (a run of several),
    route and mode shares, congestion, queue and yard levels, cost and CO2."""
    t = folder.tables
    m = folder.manifest
    n = int(m.get("replications") or 0)
    reps = fg.replications_text(n)
    routes = fg.reported_routes(t.get("routes", []))
    summary = t.get("summary", [])
    scenario = _scenario(folder)
    promised = scenario.get("promised_transit")
    promised_days = float(promised) / 24.0 if promised else None
    band = fg.BAND_TEXT
    out: list[fg.ReportFigure | None] = []

    ecdf = fg.transit_ecdf_data(t.get("shipments", []), routes)
    promise_text = (f" The dashed line is the promised transit time ({promised_days:g} days)."
                    if promised_days else "")
    out.append(_figure(
        "transit_distribution", "Transit time per route",
        f"Share of the consignments released (after the warm-up, before the horizon) "
        f"that were delivered within the days on the x axis (release to delivery), all "
        f"{reps} pooled; consignments still travelling at the end of the run are never "
        f"counted as delivered, so a route with a backlog stays below 1. The shaded band "
        f"is the 95 % interval of that share across replications.{promise_text}",
        ecdf, lambda: fg.draw_transit_ecdf(ecdf, promised_days)))

    totals = fg.total_days(summary, routes)
    by_activity = fg.activity_days_data(summary, routes)
    out.append(_figure(
        "days_by_activity", "Where the days go: by activity",
        f"Mean days per delivered consignment spent in each activity, per route; the "
        f"bar's whole length is the mean transit time, its whisker the 95 % interval of "
        f"that mean ({reps}). Each part's interval is in the figure's CSV.",
        by_activity, lambda: fg.draw_stacked_days(by_activity, totals, "activity")))
    by_country = fg.country_days_data(summary, routes, fg.countries_along(scenario))
    out.append(_figure(
        "days_by_country", "Where the days go: by country",
        f"Mean days per delivered consignment spent in each country (rail running, "
        f"borders and ports charged to the country they are in; at sea: 'sea'), per "
        f"route, its countries in the order the route reaches them and the days at sea "
        f"last; whisker: 95 % interval of the mean transit time ({reps}).",
        by_country, lambda: fg.draw_stacked_days(by_country, totals, "country")))
    by_segment = fg.segment_days_data(summary, routes)
    out.append(_figure(
        "days_by_segment", "Where the days go: by segment",
        f"Mean days over each of the scenario's named segments (from arrival at its "
        f"first node to arrival at its last), per route, with the 95 % interval of the "
        f"mean ({reps}); segments need not cover the whole route.",
        by_segment, lambda: fg.draw_segment_days(by_segment)))

    changes = fg.dated_changes(scenario)
    changes_note = (" Dotted lines: the dates of the scenario's dated changes (changes:) "
                    "and outages, numbered at the top: " + "; ".join(f"{k} {text}" for k, text
                                                        in fg.change_key(changes)) + "."
                    if changes else "")
    monthly = fg.monthly_transit_data(t.get("shipments", []))
    out.append(_figure(
        "transit_by_month", "Transit time by release month",
        f"Median transit days of the consignments released in each month, per corridor "
        f"(each corridor's routes pooled), averaged over {reps}; band: 95 % interval. "
        f"Storm seasons and closures show as peaks. Months with fewer than "
        f"{fg.MONTH_MIN} deliveries per replication (a month cut by the warm-up) are "
        f"left out of the line (their row in the CSV says plotted = no)."
        f"{changes_note}",
        monthly, lambda: fg.draw_monthly_transit(monthly, changes)))
    by_period = period_transit_data(t.get("periods", []))
    out.append(_figure(
        "transit_by_period", "Transit time by period",
        f"Median and 90th-percentile transit days of the consignments released in each "
        f"{m.get('period', 'year')} (periods.csv), per corridor (its routes pooled), mean "
        f"over {reps}; bars: 95 % intervals. A period's consignments may arrive after it; "
        f"a percentile of those still travelling at the end is a lower bound "
        f"(p90_at_least = yes in the CSV).",
        by_period, lambda: draw_period_transit(by_period)))
    out.append(_shares_figure(folder, scenario, reps))

    congestion = fg.congestion_data(summary)
    out.append(_figure(
        "node_congestion", "Congestion: the busiest nodes and stages",
        f"Utilisation (busy share of the servers: customs lanes, gauge-change tracks, "
        f"berths) and mean wait before service in hours, the busiest first; red bars "
        f"are at or above 85 % utilisation. Over the demand window (warm-up to "
        f"horizon), {reps}; whiskers: 95 % intervals.",
        congestion, lambda: fg.draw_congestion(congestion)))

    levels = fg.level_series_data(t.get("timeseries", []))
    servers_note = (" Below: the servers in service at each stage an outage takes servers "
                    "from (mean over the replications of each day's time-average)."
                    if any(r["quantity"] == "servers" for r in levels) else "")
    start = fg.as_datetime(scenario.get("start_date"))
    day_marks = fg.change_marks_by_day(changes, start.date()) if start is not None else []
    warmup_day = _day(m.get("warmup_hours"))
    horizon_day = _day(m.get("horizon_hours"))
    out.append(_figure(
        "queue_levels", "Queues and yards day by day",
        f"Daily time-average of trains (and vessels) waiting at the four nodes with the "
        f"longest queues, and TEU in the fullest port yards, mean over {reps}; band: "
        f"95 % interval. The demand window lies between the dashed lines "
        f"(timeseries.csv).{servers_note}{changes_note}",
        levels, lambda: fg.draw_level_series(levels, warmup_day, horizon_day, day_marks)))

    cost = fg.cost_co2_data(summary, routes)
    standard = fg.emissions_standard(m)
    co2_words = (f"CO2e per TEU (kg, well-to-wheel by {standard}; tank-to-wheel in "
                 f"routes.csv)" if standard else "CO2 per TEU (kg)")
    out.append(_figure(
        "cost_co2", "Cost and CO2e per TEU" if standard else "Cost and CO2 per TEU",
        f"Mean cost per TEU (freight plus the time value of the cargo in transit, USD) "
        f"and {co2_words} of the delivered consignments, per route ({reps}); "
        f"{band.lower()}",
        cost, lambda: fg.draw_cost_co2(cost, fg.co2_axis_label(standard))))
    return [f for f in out if f is not None]


def _shares_figure(folder: ResultsFolder, scenario: Mapping[str, Any], reps: str
                   ) -> fg.ReportFigure | None:
    """The options' TEU shares by release month, with the dated closures marked, and the
    TEU diverted during each closure that shippers react to (in words and a table)."""
    t = folder.tables
    choosing = fg.choosing_flows(scenario)
    shares = fg.shares_by_month_data(t.get("shares", []), choosing)
    closures = fg.dated_closures(scenario)
    marked = (" Shaded spans: the dated closures (" + ", ".join(c.name for c in closures)
              + ").") if closures else ""
    figure = _figure(
        "shares_by_month", "Route and mode shares by release month",
        f"Share of each option in the TEU a flow released in the month (shares.csv: for a "
        f"choosing flow its options, for a flow with fixed shares its routes), one panel "
        f"per flow with more than one option, choosing flows first; mean over {reps}, "
        f"band: 95 % interval of the mean (Student t), clamped to 0 and 1. Lines are "
        f"coloured by corridor; a month cut by the warm-up holds fewer consignments, so "
        f"its share varies more.{marked}",
        shares, lambda: fg.draw_shares_by_month(shares, closures))
    if figure is None:
        return None
    on_choices = fg.closures_on_choices(scenario, {r["flow"] for r in shares})
    if not on_choices:
        return figure
    diverted = fg.diverted_teu_data(t.get("shipments", []), on_choices,
                                    fg.demand_window(folder.manifest))
    figure.statement = diverted_words(diverted)
    figure.tables = (fg.ReportTable(
        "diverted_teu",
        f"Diverted TEU during each closure (mean over {reps}, ± 95 % interval)",
        diverted, _columns(diverted), diverted_table(diverted)),)
    return figure


CORRIDOR_WORDS = {"northern": "Northern", "middle": "Middle", "sea": "sea", "other": "other"}


def diverted_words(data: Sequence[Mapping[str, Any]]) -> str:
    """A sentence per closure and flow: how many TEU each option took more or fewer than
    at its share before the closure (``diverted_teu_data``), or why that is not known."""
    sentences = []
    for closure, flow in dict.fromkeys((r["closure"], r["flow"]) for r in data):
        rows = [r for r in data if r["closure"] == closure and r["flow"] == flow]
        first = rows[0]
        during = f"During {closure} ({first['start']} to {first['end']})"
        if all(r["diverted_teu"] is None for r in rows):
            why = first["note"] or f"no replication released TEU of {flow} before it"
            sentences.append(f"{during}, the TEU diverted between the options of {flow} "
                             f"are not estimated: {why}.")
            continue
        clauses = []
        for k, r in enumerate(rows):
            subject = f"the {_option_label(r)} option" + (f" of {flow}" if k == 0 else "")
            clauses.append(f"{subject} {_took(r['diverted_teu'])} "
                           f"({_teu_interval(r['ci_low'], r['ci_high'])})")
        counted = f", {first['note']}" if first["note"] else ""
        sentences.append(f"{during}{counted}, " + "; ".join(clauses) + ".")
    return " ".join(sentences)


def _option_label(row: Mapping[str, Any]) -> str:
    word = CORRIDOR_WORDS.get(row["corridor"], row["corridor"])
    return word if row["option"] == row["corridor"] else f"{row['option']} ({word})"


def _took(teu: float) -> str:
    amount = f"{abs(teu):,.0f}"
    if amount == "0":
        return "took what it would have at its share before"
    return f"took {amount} TEU {'fewer' if teu < 0 else 'more'} than at its share before"


def _teu_interval(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "one replication: no interval"
    if low == high:
        return "the same in every replication"
    if high < 0:
        return f"95 % interval {abs(high):,.0f} to {abs(low):,.0f} fewer"
    if low >= 0:
        return f"95 % interval {low:,.0f} to {high:,.0f} more"
    return f"95 % interval {abs(low):,.0f} fewer to {high:,.0f} more"


def diverted_table(data: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The diverted TEU as the page shows them: whole TEU, the interval as ± its
    half-width, the note where there is no number."""
    def teu(value: float | None) -> str:
        return "" if value is None else f"{value:,.0f}"

    rows = []
    for r in data:
        if r["diverted_teu"] is None:
            diverted = r["note"] or ""
        elif r["ci_low"] is None or r["ci_high"] is None:
            diverted = f"{r['diverted_teu']:+,.0f}"
        else:
            half = (r["ci_high"] - r["ci_low"]) / 2
            diverted = f"{r['diverted_teu']:+,.0f} ± {half:,.0f}"
        rows.append({"closure": r["closure"], "dates": f"{r['start']} to {r['end']}",
                     "flow": r["flow"], "option": r["option"], "corridor": r["corridor"],
                     "route closed": r["closed_route"],
                     "TEU released": teu(r["teu_released"]),
                     "at its share before": teu(r["teu_at_share_before"]),
                     "diverted TEU": diverted})
    return rows


def _day(hours: Any) -> int | None:
    return None if hours is None else int(float(hours) // 24)


def calibration_figures(folder: ResultsFolder) -> list[fg.ReportFigure]:
    """The targets' chart, then the run's figures."""
    data = fg.calibration_data(folder.tables.get("calibration", []))
    n = int(folder.manifest.get("replications") or 0)
    first = _figure(
        "calibration", "Calibration: the model against the published bands",
        f"Each target's published band (shaded, from its low end at 0 to its high end at "
        f"1) and the model's mean with its 95 % interval ({fg.replications_text(n)}) on "
        f"that scale; green: the mean lies within the band. The label gives the numbers "
        f"in the target's own unit.",
        data, lambda: fg.draw_calibration(data))
    return ([first] if first else []) + run_figures(folder)


def comparison_figures(folder: ResultsFolder) -> list[fg.ReportFigure]:
    """The forest plot of B minus A."""
    data = fg.forest_data(folder.tables.get("scenario_comparison", []))
    m = folder.manifest
    method = m.get("method", "paired")
    n_a = (m.get("a") or {}).get("replications")
    n_b = (m.get("b") or {}).get("replications")
    if n_a and n_a == n_b:
        counts = ", " + fg.replications_text(int(n_a))
    elif n_a and n_b:
        counts = f", {int(n_a)} replications of A and {int(n_b)} of B"
    else:
        counts = ""
    figure = _figure(
        "comparison_forest", "B minus A, per corridor and route",
        f"Difference of each KPI (days, or USD per TEU for cost), run B minus run A, with "
        f"its 95 % interval ({method}{counts}); red filled points: the interval excludes "
        f"zero.",
        data, lambda: fg.draw_forest(data))
    return [figure] if figure else []


MIXED = ("The two factors ranked first by the sensitivity analysis; its points vary "
         "every factor at once, so each point mixes their effects. ")


def appraisal_figures(folder: ResultsFolder) -> list[fg.ReportFigure]:
    """An appraisal's figures: present values, benefits by year, who gains and pays."""
    rows = folder.tables.get("appraisal", [])
    m = folder.manifest
    n = int(m.get("replications") or 0)
    simulated = [int(y) for y in m.get("simulated_years") or ()]
    pairs = (f"{fg.replications_text(n)} of the project and of its reference, paired on "
             f"the same random numbers; bars and bands are 95 % intervals of the mean "
             f"across the pairs (Student t)")
    rate = float(m.get("discount_rate") or 0.0)
    values = af.present_values_data(rows)
    yearly = af.yearly_benefits_data(rows, simulated)
    gains = af.who_gains_data(rows)
    span = f"{min(simulated)}-{max(simulated)}" if simulated else "none"
    later = ("hold the last" if m.get("after_simulation", "hold_last") == "hold_last"
             else "grow from the last")
    out = [
        _figure("appraisal-present-values", "What the project is worth",
                f"Present values at {rate:.1%} a year to {m.get('period', ['?'])[0]}, "
                f"million USD: each benefit, the residual value of the investments at the "
                f"end of the period, the costs (capital and operating, negative) and the "
                f"NPV. {pairs}. Tariffs and fees are transfers, left out (EC Guide to CBA, "
                f"2014).", values, lambda: af.draw_present_values(values)),
        _figure("appraisal-yearly-benefits", "The benefits year by year",
                f"Benefit of each year by type, million USD a year (undiscounted), with "
                f"95 % bands. The shaded years ({span}) are simulated; later years "
                f"{later} "
                f"simulated year's benefits. {pairs}.", yearly,
                lambda: af.draw_yearly_benefits(yearly, simulated)),
        _figure("appraisal-who-gains", "Who gains and who pays",
                f"Present values, million USD: the benefits by beneficiary (shippers: time, "
                f"reliability and consumer surplus; operators: rolling stock freed; "
                f"society: CO2 avoided), the time benefit by the country it is saved in (or "
                f"at sea), and the costs net of residual value by the country that pays. "
                f"{pairs}.", gains, lambda: af.draw_who_gains(gains)),
    ]
    return [f for f in out if f is not None]


def sweep_figures(folder: ResultsFolder) -> list[fg.ReportFigure]:
    """A sweep: the gap map over its two main factors and the gap curves; with a
    sensitivity design, the indices first."""
    t, m = folder.tables, folder.manifest
    factors = _factors(folder)
    out: list[fg.ReportFigure | None] = []
    sensitivity = fg.sensitivity_data(t.get("sensitivity", []))
    if sensitivity:
        method = sensitivity[0]["method"]
        caption = ("Morris screening: mu* is the mean absolute effect of a factor on the "
                   "Middle-minus-Northern median gap (days) over the trajectories, sigma "
                   "its spread (interactions or non-linearity); bars: mu*'s 95 % interval."
                   if method == "morris" else
                   "Sobol' indices of the Middle-minus-Northern median gap: S1 the share "
                   "of its variance due to the factor alone, ST including its "
                   "interactions; whiskers: 95 % bootstrap intervals.")
        out.append(_figure("sensitivity", "Which factors move the gap", caption,
                           sensitivity, lambda: fg.draw_sensitivity(sensitivity)))
    gaps = fg.gap_rows(t.get("sweep", []), factors)
    reps = fg.replications_text(int(m.get("replications") or 0))
    reference = m.get("northern_route") or "Northern route"
    if len(factors) >= 2 and gaps:
        grid = (m.get("design") or {}).get("kind", "grid") == "grid"
        x, y = fg.main_factors(gaps, factors, sensitivity, grid)
        frontier = t.get("frontier", [])
        if grid:
            how = ("at each point of the grid, averaged over any other factors; blue: the "
                   "Middle Corridor is faster. Where the gap changes sign a black line "
                   "marks zero, and stars mark the frontier's points (frontier.csv: the "
                   "smallest value of a factor meeting the criterion), if any.")
        else:
            how = ("one dot per sampled point, coloured by its gap; blue: the Middle "
                   "Corridor is faster. "
                   + (MIXED if sensitivity else
                      "The two factors most correlated with the gap; every point varies "
                      "every factor at once, so each dot mixes their effects."))
        out.append(_figure(
            "gap_map", f"The gap over {x} and {y}",
            f"Middle Corridor median minus the {reference} median (days, mean over "
            f"{reps}), {how}",
            [r for r in gaps], lambda: fg.draw_gap_map(gaps, x, y, frontier, grid)))
    curves = fg.gap_curve_data(gaps, factors)
    out.append(_figure(
        "gap_curves", "The gap along each factor",
        f"The Middle-minus-{reference} median gap (days) averaged over the points at "
        f"each value of a factor ({reps} each); band: the mean 95 % half-width of those "
        f"points. The red line is no gap.",
        curves, lambda: fg.draw_gap_curves(curves)))
    return [f for f in out if f is not None]


# --- the answer in words ----------------------------------------------------------------------


def answer(folder: ResultsFolder) -> str:
    """The page's opening sentences, from the numbers."""
    t = folder.tables
    if folder.kind in ("run", "calibrate"):
        text = headline(t.get("summary", []), t.get("comparison", []), t.get("corridors", []))
        if folder.kind == "calibrate":
            rows = t.get("calibration", [])
            met = sum(r["passed"] == "yes" for r in rows)
            text = f"{met} of {len(rows)} published targets are met. " + text
        return text
    if folder.kind == "compare":
        return _comparison_answer(folder)
    if folder.kind == "appraise":
        return af.appraisal_answer(t.get("appraisal", []), folder.manifest)
    return _sweep_answer(folder)


def _comparison_answer(folder: ResultsFolder) -> str:
    m = folder.manifest
    a = (m.get("a") or {}).get("scenario", "A")
    b = (m.get("b") or {}).get("scenario", "B")
    sentences = [f"Run B ({b}) against run A ({a}), {m.get('method', 'paired')}."]
    for r in folder.tables.get("scenario_comparison", []):
        if (r["scope"] != "corridor" or r["kpi"] != "median_transit_days"
                or r["name"] not in fg.CORRIDORS):
            continue
        if r["difference"] is None:
            continue
        half = r.get("half_width")
        spread = f" ± {half:.1f}" if half is not None else ""
        verdict = ("" if r.get("significant") == "yes"
                   else " (not significant: the interval includes zero)")
        sentences.append(
            f"The {r['name'].capitalize()} {'Corridor' if r['name'] == 'middle' else 'route'}"
            f"'s median transit changes by {r['difference']:+.1f}{spread} days, from "
            f"{r['a_mean']:.1f} to {r['b_mean']:.1f}{verdict}.")
    return " ".join(sentences)


def _factors(folder: ResultsFolder) -> list[str]:
    """The sweep's factors in the sweep file's order (``sweep.csv``'s columns between
    ``point`` and ``scope``; the manifest's keys are sorted)."""
    header = list(folder.columns.get("sweep", ()))
    if "point" in header and "scope" in header:
        return header[header.index("point") + 1:header.index("scope")]
    return list((folder.manifest.get("factors") or {}).keys())


def _sweep_answer(folder: ResultsFolder) -> str:
    t = folder.tables
    factors = _factors(folder)
    gaps = [g for g in fg.gap_rows(t.get("sweep", []), factors) if g["gap_days"] is not None]
    sentences = []
    if gaps:
        low = min(gaps, key=lambda g: g["gap_days"])
        high = max(gaps, key=lambda g: g["gap_days"])
        sentences.append(
            f"Over {len(gaps)} points, the Middle Corridor's median is "
            f"{_gap_words(high['gap_days'])} at worst and {_gap_words(low['gap_days'])} "
            f"at best (point {low['point']}: "
            + ", ".join(f"{f} = {_value(low[f])}" for f in factors) + ").")
    frontier = t.get("frontier", [])
    reached = [r for r in frontier if r.get("point") is not None and not r.get("note")]
    if frontier:
        criterion = frontier[0].get("criterion") or "the criterion"
        sentences.append(f"The Middle Corridor's {criterion} is reached on "
                         f"{len(reached)} of the frontier's {len(frontier)} lines "
                         f"(frontier.csv).")
    ranked = fg.sensitivity_data(t.get("sensitivity", []))
    if ranked:
        key = "mu_star" if ranked[0]["method"] == "morris" else "ST"
        top = [f"{r['factor']} ({key} {r.get(key) or 0:.2f})" for r in ranked[:3]]
        sentences.append("The factors that move the gap most: " + ", ".join(top) + ".")
    return " ".join(sentences) or "The folder holds no sweep points."


def _value(value: Any) -> str:
    """A factor's value as a reader wants it: 0.667, 12, 0.9."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _gap_words(gap: float) -> str:
    return (f"{gap:.1f} days longer than the Northern reference" if gap >= 0
            else f"{-gap:.1f} days shorter than the Northern reference")


# --- the page ---------------------------------------------------------------------------------

STYLE_SHEET = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0 auto;max-width:60rem;
padding:1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
h3{font-size:.95rem;margin:.8rem 0 .2rem}.statement{font-size:.95rem}
.answer{font-size:1.05rem;background:#f3f6fa;border-left:4px solid #1f5fa8;padding:.7rem 1rem}
.meta{color:#555;font-size:.85rem}
figure{margin:1rem 0}figure img{width:100%;height:auto;display:block}
figcaption{font-size:.85rem;color:#333}
table{border-collapse:collapse;font-size:.8rem;margin:.4rem 0;display:block;overflow-x:auto;
max-width:100%}
th,td{border-bottom:1px solid #ddd;padding:.15rem .45rem;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
details{margin:.3rem 0}summary{cursor:pointer;font-size:.85rem}
nav ol{columns:2;font-size:.9rem}
@media (max-width:40rem){nav ol{columns:1}body{padding:.6rem}}
@media print{body{max-width:none}figure{break-inside:avoid}details{display:none}nav{display:none}}
"""

TABLE_ROWS = 40
"""A figure's numbers are shown on the page up to this many rows (all are in its CSV)."""

KIND_TITLES = {"run": "Run", "calibrate": "Calibration", "compare": "Comparison",
               "sweep": "Sweep", "appraise": "Appraisal"}


def page_html(folder: ResultsFolder, figures: Sequence[fg.ReportFigure],
              svgs: Mapping[str, bytes], version: str) -> str:
    """The report page: the answer, the facts of the run, then each figure with its
    caption, links to its PNG and CSV, and its numbers."""
    m = folder.manifest
    name = m.get("scenario") or m.get("sweep") or m.get("appraisal") or folder.path.name
    kind = folder.kind
    if kind == "sweep" and folder.tables.get("sensitivity"):
        kind_title = "Sensitivity analysis"
    else:
        kind_title = KIND_TITLES.get(kind, kind)
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(kind_title)}: {_e(name)} — corridorsim report</title>",
             f"<style>{STYLE_SHEET}</style>", "</head>", "<body>",
             f"<h1>{_e(kind_title)}: {_e(name)}</h1>",
             f'<p class="meta">{_e(_facts(folder, version))}</p>',
             f'<p class="answer">{_e(answer(folder))}</p>']
    tables = _headline_table(folder)
    if tables:
        parts.append(tables)
    if figures:
        parts.append("<nav><ol>" + "".join(f'<li><a href="#{f.name}">{_e(f.title)}</a></li>'
                                           for f in figures) + "</ol></nav>")
    for f in figures:
        uri = "data:image/svg+xml;base64," + base64.b64encode(svgs[f.name]).decode("ascii")
        parts += [f'<section id="{f.name}">', f"<h2>{_e(f.title)}</h2>", "<figure>",
                  f'<img src="{uri}" alt="{_e(f.title)}">',
                  f"<figcaption>{_e(f.caption)} "
                  f'<a href="{f.name}.png">PNG</a> · <a href="{f.name}.csv">data (CSV)</a>'
                  "</figcaption>", "</figure>"]
        if f.statement:
            parts.append(f'<p class="statement">{_e(f.statement)}</p>')
        for t in f.tables:
            parts += [f"<h3>{_e(t.title)}</h3>", _table(t.shown, _columns(t.shown)),
                      f'<p class="meta"><a href="{t.name}.csv">data (CSV)</a></p>']
        if len(f.data) <= TABLE_ROWS:
            parts.append("<details><summary>The numbers</summary>"
                         + _table(f.data, f.columns) + "</details>")
        parts.append("</section>")
    parts += [f'<p class="meta">Made by corridorsim {_e(version)} from the files of this '
              "folder; columns are explained in the results README (results/README.md "
              "in the repository).</p>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _facts(folder: ResultsFolder, version: str) -> str:
    m = folder.manifest
    facts = []
    if m.get("replications"):
        facts.append(fg.replications_text(int(m["replications"])))
    if m.get("seed") is not None:
        facts.append(f"seed {m['seed']}")
    if m.get("start_date") and m.get("horizon_hours"):
        facts.append(f"from {m['start_date']}, {float(m['horizon_hours']) / 24:g}-day horizon")
    if m.get("warmup_hours") is not None:
        facts.append(f"{float(m['warmup_hours']) / 24:g}-day warm-up")
    if m.get("drain_hours"):
        facts.append(f"{float(m['drain_hours']) / 24:g}-day drain")
    if folder.kind == "compare":
        for side in ("a", "b"):
            s = m.get(side) or {}
            overrides = s.get("overrides") or []
            changed = (", with " + ", ".join(
                f"{o.get('key')}={o.get('value')}" if isinstance(o, dict) else str(o)
                for o in overrides)) if overrides else ""
            facts.append(f"{side.upper()}: {s.get('scenario')}{changed} "
                         f"({s.get('replications')} replications, seed {s.get('seed')})")
    if folder.kind == "sweep":
        facts.append(f"{len(m.get('points') or [])} points")
    facts.append("95 % intervals are Student-t intervals across replications unless a "
                 "caption says otherwise")
    return "; ".join(facts) + "."


def _headline_table(folder: ResultsFolder) -> str:
    """Runs: per route the key KPIs with their intervals."""
    if folder.kind not in ("run", "calibrate"):
        return ""
    look = fg.summary_lookup(folder.tables.get("summary", []))
    routes = fg.reported_routes(folder.tables.get("routes", []))
    kpis = (("median_transit_days", "median days"), ("p90_transit_days", "p90 days"),
            ("mean_cost_usd_per_teu", "cost USD/TEU"),
            ("mean_co2_kg_per_teu", "CO2e WTW kg/TEU" if fg.emissions_standard(
                folder.manifest) else "CO2 kg/TEU"),
            ("consignments_delivered", "delivered"))
    rows = []
    for route in routes:
        row: dict[str, Any] = {"route": route}
        for kpi, label in kpis:
            r = look.get(("route", route, kpi))
            if r is None or r["mean"] is None:
                row[label] = ""
                continue
            digits = 0 if "usd" in kpi or "co2" in kpi or kpi.startswith("consign") else 1
            half = r.get("half_width")
            row[label] = (f"{r['mean']:.{digits}f}"
                          + (f" ± {half:.{digits}f}" if half is not None else ""))
        rows.append(row)
    if not rows:
        return ""
    return ("<h2>Per route</h2>"
            + _table(rows, ("route", *(label for _, label in kpis)))
            + '<p class="meta">Means over replications of each replication\'s figure; '
              "± is the half-width of the 95 % interval.</p>")


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(_cell(r.get(c)))}</td>" for c in columns)
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def report_files(folder: ResultsFolder, version: str) -> dict[str, bytes]:
    """Every file of ``report/``: the page, and per figure its PNG and its numbers."""
    fg.require_matplotlib()
    figures = report_figures(folder)
    svgs = {f.name: f.svg() for f in figures}
    files: dict[str, bytes] = {}
    for f in figures:
        files[f"{f.name}.png"] = f.png()
        files[f"{f.name}.csv"] = csv_text(f.data, f.columns).encode("utf-8")
        for t in f.tables:
            files[f"{t.name}.csv"] = csv_text(t.data, t.columns).encode("utf-8")
        _close(f)
    files[PAGE] = page_html(folder, figures, svgs, version).encode("utf-8")
    return files


def _close(figure: fg.ReportFigure) -> None:
    """Drop the drawn figure (its memory) once its files are made."""
    figure.figure = None


def write_report(results: str | Path) -> Path:
    """Read the results folder ``results`` and write its ``report/`` sub-folder whole
    (a folder of ours, replaced whole on the next report; nothing else is touched).
    Returns the page's path."""
    fg.require_matplotlib()
    folder = read_results_folder(results, REPORTED_TABLES, REPORTED_COLUMNS)
    version = package_version()
    files = report_files(folder, version)
    with StagedFolder(folder.path / REPORT, REPORT) as staged:
        for name, data in sorted(files.items()):
            staged.write_bytes(name, data)
        written = staged.commit({"report_of": folder.kind, "versions": {
            "corridorsim": version, "matplotlib": _matplotlib_version()}})
    return written / PAGE


def _matplotlib_version() -> str:
    import matplotlib

    return str(matplotlib.__version__)
