"""The answer in words: a run's headline, written from its tables.

``corridorsim run`` prints it under its table and the report page opens with it, so both
say the same thing from the same numbers. Pure: rows in, text out; the rows may hold
numbers (``RunResult.tables``) or the text of the CSV files (``csv.DictReader``).

The gap is the paired Middle-minus-Northern difference of the median transit time
(``comparison.csv``, scope ``all``); where the days go is the difference of the mean
days by activity (``comparison.csv``) and by country (``summary.csv``, scope
``country``), which add up to the difference of the mean transit time, not of the
median: the sentences say which one they give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from corridorsim.corridors import CORRIDORS
from corridorsim.countries import COUNTRY_NAMES
from corridorsim.records import ACTIVITIES, AT_SEA

Rows = Iterable[Mapping[str, Any]]

ACTIVITY_WORDS: dict[str, str] = {
    "days_rail_running": "rail running",
    "days_terminal": "terminal handling",
    "days_border_queue": "queueing at borders",
    "days_customs": "customs checks",
    "days_inspection": "inspections",
    "days_gauge_change": "gauge changes",
    "days_port_dwell": "port dwell",
    "days_vessel_wait": "waiting for a vessel",
    "days_sailing": "sailing",
    "days_closure_hold": "held by closures",
    "days_consolidation": "waiting for an outbound train to fill",
    "days_interchange": "interchange between railways",
    "days_technical_inspection": "technical inspections",
    "days_locomotive_change": "locomotive changes",
    "days_marshalling": "marshalling",
}
"""Each activity column as the headline says it."""

ACTIVITY_KPIS = tuple(f"mean_{a.column}" for a in ACTIVITIES)
CORRIDOR_NAMES = {"middle": "the Middle Corridor", "northern": "the Northern route"}
SHOWN = 3
"""At most this many contributors are named in a sentence."""
NEGLIGIBLE = 0.05
"""Days below which a difference is not named (it would show as 0.0)."""


def headline(summary: Rows, comparison: Rows, corridors: Rows = ()) -> str:
    """A few sentences that answer "how much longer does the Middle Corridor take than
    the Northern route, and where do the extra days go?", from the numbers.

    ``summary``, ``comparison`` and ``corridors`` are the rows of ``summary.csv``,
    ``comparison.csv`` and ``corridors.csv`` (``RunResult.tables["summary"]``, ...);
    ``corridors`` only serves to say when a median is a lower bound (consignments still
    travelling at the end) and may be left out.

    First the median gap with its 95% interval ("The Middle Corridor takes 16.7 ± 2.3
    days longer than the Northern route ..."; "is 2.1 ± 0.5 days faster"; or "do not
    differ significantly" when the interval includes zero); then the largest differences
    of the mean days by activity and, where the scenario has countries, by country, each
    country with its largest activity. A scenario with one corridor gets that corridor's
    median and where its days go instead; one with neither says so.
    """
    stats = {(r["scope"], r["name"], r["kpi"]): r for r in summary}
    paired = {r["kpi"]: r for r in comparison if r["scope"] == "all"}
    present = [c for c in CORRIDORS if ("corridor", c, "consignments_released") in stats]
    if not present:
        return ("No China-Europe cargo is reported in this run: it has no Northern or "
                "Middle Corridor route, so there is no transit time to compare.")
    gap = paired.get("median_transit_days")
    if gap is None or _number(gap["difference"]) is None:
        return " ".join([*(_one_corridor(stats, c, len(present) == 1) for c in present),
                         *_lower_bounds(corridors)])
    sentence, sign = _gap_sentence(gap, _number(gap["difference"]) or 0.0)
    sentences = [sentence]
    by_activity = {kpi.removeprefix("mean_"): _number(paired[kpi]["difference"])
                   for kpi in ACTIVITY_KPIS if kpi in paired}
    mean_gap = _number(paired["mean_transit_days"]["difference"]) \
        if "mean_transit_days" in paired else None
    sentences.append(_activity_sentence(by_activity, sign, mean_gap))
    places = _place_differences(stats)
    if places:
        sentences.append(_country_sentence(places, sign))
    sentences += _lower_bounds(corridors)
    return " ".join(s for s in sentences if s)


def _number(value: Any) -> float | None:
    """A cell as a float: numbers as they are, CSV text parsed, empty as None."""
    if value is None or value == "":
        return None
    return float(value)


def _days(x: float) -> str:
    return f"{abs(x):.1f}"


def _signed(x: float) -> str:
    """``+1.2``, ``-0.4``, or ``0.0`` for what rounds to zero (never ``-0.0``)."""
    return "0.0" if round(x, 1) == 0 else f"{x:+.1f}"


def _replications(n: Any) -> str:
    count = int(float(n))
    return f"{count} replication{'s' if count != 1 else ''}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _listed(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _gap_sentence(row: Mapping[str, Any], d: float) -> tuple[str, int]:
    """The median gap ``d`` of ``row`` in words, and its sign: +1 Middle slower, -1
    faster, 0 neither."""
    hw = _number(row.get("half_width"))
    basis = f"median transit, each corridor's routes pooled, {_replications(row['replications'])}"
    if hw is None:
        basis += ": no interval from one replication"
        interval = ""
        sign = (d > 0) - (d < 0)
    else:
        basis += ", 95% interval"
        interval = f" ± {hw:.1f}"
        significant = row.get("significant")
        sign = 0 if significant == "no" else (d > 0) - (d < 0)
    if sign == 0:
        text = ("The Middle Corridor and the Northern route do not differ significantly: "
                f"Middle minus Northern is {_signed(d)}{interval} days "
                f"({basis}{', which includes zero' if hw is not None else ''}).")
    elif sign > 0:
        text = (f"The Middle Corridor takes {_days(d)}{interval} days longer than the "
                f"Northern route ({basis}).")
    else:
        text = (f"The Middle Corridor is {_days(d)}{interval} days faster than the "
                f"Northern route ({basis}).")
    return text, sign


def _lower_bounds(corridors: Rows) -> list[str]:
    """A sentence naming the corridors whose median is only a lower bound in some
    replication (empty when there are none)."""
    flagged: dict[str, int] = {}
    total: dict[str, int] = {}
    for row in corridors:
        name = row["corridor"]
        total[name] = total.get(name, 0) + 1
        if row.get("median_at_least") == "yes":
            flagged[name] = flagged.get(name, 0) + 1
    named = [f"{CORRIDOR_NAMES[c]}'s in {flagged[c]} of {total[c]}"
             for c in CORRIDORS if flagged.get(c)]
    if not named:
        return []
    return ["Some medians are only lower bounds (consignments still travelling at the end "
            f"count at their days so far): {_listed(named)} replications."]


def _largest(values: Mapping[str, float | None], sign: int) -> list[tuple[str, float]]:
    """The keys with the largest ``sign``-signed values above the negligible, largest
    first (ties in key order), at most ``SHOWN``."""
    kept = [(k, sign * v) for k, v in values.items()
            if v is not None and sign * v >= NEGLIGIBLE]
    return sorted(kept, key=lambda kv: -kv[1])[:SHOWN]


def _activity_sentence(by_activity: Mapping[str, float | None], sign: int,
                       mean_gap: float | None) -> str:
    if sign == 0:
        return _two_sided("By activity", by_activity, ACTIVITY_WORDS.__getitem__, "on ")
    parts = _largest(by_activity, sign)
    if not parts:
        return ""
    slower = "the Middle Corridor" if sign > 0 else "the Northern route"
    named = _listed([f"{ACTIVITY_WORDS[k]} (+{_days(v)} d)" for k, v in parts])
    longer = None if mean_gap is None else sign * mean_gap
    if longer is None or round(longer, 1) <= 0:
        return f"By activity, {slower} spends more time on {named} (mean days)."
    shown = sum(v for _, v in parts)
    whose = "Its" if sign > 0 else "The Northern route's"  # after "The Middle Corridor..."
    if shown >= 0.5 * longer:
        return f"{whose} mean transit is {_days(longer)} days longer, mostly {named}."
    return (f"{whose} mean transit is {_days(longer)} days longer; the largest parts are "
            f"{named}.")


def _place_differences(stats: Mapping[tuple[str, str, str], Mapping[str, Any]]
                       ) -> dict[str, dict[str, float]]:
    """Per place (country code or ``sea``): Middle minus Northern mean days, in total
    (``mean_days``) and by activity; a place one corridor does not pass counts 0 there."""
    out: dict[str, dict[str, float]] = {}
    for (scope, name, kpi), row in stats.items():
        corridor, _, place = name.partition(":")
        value = _number(row["mean"])
        if scope != "country" or corridor not in CORRIDORS or value is None:
            continue
        signed = value if corridor == "middle" else -value
        entry = out.setdefault(place, {})
        entry[kpi] = entry.get(kpi, 0.0) + signed
    return out


def _where(place: str) -> str:
    return "at sea" if place == AT_SEA else f"in {COUNTRY_NAMES.get(place, place)}"


def _country_sentence(places: Mapping[str, Mapping[str, float]], sign: int) -> str:
    totals = {p: d.get("mean_days") for p, d in places.items()}
    if sign == 0:
        return _two_sided("By country", totals, _where, "")
    parts = _largest(totals, sign)
    if not parts:
        return ""
    named = []
    for place, days in parts:
        inside = _largest({k.removeprefix("mean_"): v for k, v in places[place].items()
                           if k != "mean_days"}, sign)
        detail = ""
        if inside and round(inside[0][1], 1) == round(days, 1):
            detail = f", all {ACTIVITY_WORDS[inside[0][0]]}"
        elif inside and inside[0][1] < days:  # a part larger than the whole reads wrong
            detail = f", of which {ACTIVITY_WORDS[inside[0][0]]} {_days(inside[0][1])} d"
        named.append(f"{_where(place)} (+{_days(days)} d{detail})")
    extra = sum(v for v in (sign * (t or 0.0) for t in totals.values()) if v > 0)
    lead = ("the extra days are mostly" if sum(v for _, v in parts) >= 0.5 * extra
            else "the largest differences are")
    text = f"By country, {lead} {_listed(named)}"
    offsets = _largest(totals, -sign)[:2]
    if offsets:
        text += (", partly offset by fewer days "
                 + _listed([f"{_where(p)} (-{_days(v)} d)" for p, v in offsets]))
    return text + "."


def _two_sided(lead: str, values: Mapping[str, float | None], words: Callable[[str], str],
               on: str) -> str:
    """Where each corridor spends more, when the gap is not significant."""
    sides = []
    for sign, corridor in ((1, "the Middle Corridor"), (-1, "the Northern route")):
        parts = _largest(values, sign)[:2]
        if parts:
            joined = _listed([f"{words(k)} (+{_days(v)} d)" for k, v in parts])
            sides.append(f"{corridor} more {on}{joined}")
    if not sides:
        return ""
    return f"{lead}, the corridors spend their days differently: {'; '.join(sides)}."


def _one_corridor(stats: Mapping[tuple[str, str, str], Mapping[str, Any]], corridor: str,
                  alone: bool) -> str:
    """The sentences for a corridor that cannot be compared with the other."""
    name = CORRIDOR_NAMES[corridor]
    other = CORRIDOR_NAMES["northern" if corridor == "middle" else "middle"]

    def mean(kpi: str, scope: str = "corridor", of: str = corridor) -> float | None:
        row = stats.get((scope, of, kpi))
        return None if row is None else _number(row["mean"])

    median = stats.get(("corridor", corridor, "median_transit_days"))
    lead = (f"Only {name} carries China-Europe cargo in this scenario, so there is no "
            f"comparison with {other}. " if alone else "")
    if median is None or _number(median["mean"]) is None:
        released = mean("consignments_released")
        return (f"{lead}{_capital(name)} delivered no consignment"
                + (f" ({released:.1f} released per replication)." if released else "."))
    hw = _number(median.get("half_width"))
    interval = "" if hw is None else f" ± {hw:.1f}"
    basis = _replications(median["replications"]) + (
        ", 95% interval" if hw is not None else ": no interval from one replication")
    text = [f"{lead}{_capital(name)}'s median transit is {_days(float(median['mean']))}"
            f"{interval} days ({basis})."]
    parts = _largest({kpi.removeprefix("mean_"): mean(kpi) for kpi in ACTIVITY_KPIS}, 1)
    total = mean("mean_transit_days")
    if parts and total:
        named = _listed([f"{ACTIVITY_WORDS[k]} ({_days(v)} d)" for k, v in parts])
        if sum(v for _, v in parts) >= 0.5 * total:
            text.append(f"Its mean transit of {_days(total)} days is mostly {named}.")
        else:
            text.append(f"The largest parts of its mean transit of {_days(total)} days are "
                        f"{named}.")
    places = {key[1].partition(":")[2]: _number(row["mean"]) for key, row in stats.items()
              if key[0] == "country" and key[2] == "mean_days"
              and key[1].partition(":")[0] == corridor}
    spent = _largest(places, 1)
    if spent:
        text.append("It spends the most days "
                    + _listed([f"{_where(p)} ({_days(v)} d)" for p, v in spent]) + ".")
    return " ".join(text)
