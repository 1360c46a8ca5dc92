"""The figures of an appraisal folder (``appraisal.csv``): what the project is worth, the
benefits year by year, and who gains and who pays, each with its 95 % intervals.

Pure builders on the rows of ``appraisal.csv`` (section, item, year, country, mean,
half_width, unit); they know its sections by name, not the appraisal code that wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from corridorsim.report.figures import _styled, new_figure

if TYPE_CHECKING:  # matplotlib is optional: imported when a figure is drawn
    from matplotlib.figure import Figure as MplFigure

Rows = Sequence[Mapping[str, Any]]

BENEFIT_LABELS = {"time": "time saved", "reliability": "reliability (spread saved)",
                  "consumer_surplus": "consumer surplus (logsum)",
                  "operators": "rolling stock freed", "co2": "CO2 avoided"}
"""The benefit types of ``appraisal.csv``, in its order, as a reader names them."""
BENEFIT_COLOURS = {"time": "#1f5fa8", "reliability": "#6baed6", "consumer_surplus": "#9467bd",
                   "operators": "#8c564b", "co2": "#1b9e77"}
BENEFICIARY_LABELS = {"shippers": "shippers (cargo owners)", "operators": "operators",
                      "society": "society (CO2, a global externality)"}


def _row(rows: Rows, section: str, item: str, year: int | None = None
         ) -> Mapping[str, Any] | None:
    for r in rows:
        if r["section"] == section and r["item"] == item and r.get("year") == year:
            return r
    return None


def _entry(label: str, row: Mapping[str, Any] | None, sign: float = 1.0,
           **extra: Any) -> dict[str, Any] | None:
    if row is None or row.get("mean") is None:
        return None
    half = row.get("half_width")
    return {"item": label, "mean_musd": round(sign * row["mean"] / 1e6, 4),
            "half_width_musd": None if half is None else round(half / 1e6, 4), **extra}


def present_values_data(rows: Rows) -> list[dict[str, Any]]:
    """The present values, in millions of USD: each benefit type, the residual value,
    the costs (negative) and the NPV."""
    out = []
    for kind, label in BENEFIT_LABELS.items():
        entry = _entry(label, _row(rows, "result", f"pv_{kind}_usd"), kind=kind)
        if entry is not None and (entry["mean_musd"] or entry["half_width_musd"]):
            out.append(entry)
    for label, item, sign, kind in (("residual value", "pv_residual_value_usd", 1.0, "residual"),
                                    ("costs", "pv_costs_usd", -1.0, "costs"),
                                    ("NPV", "npv_usd", 1.0, "npv")):
        entry = _entry(label, _row(rows, "result", item), sign, kind=kind)
        if entry is not None:
            out.append(entry)
    return out


@_styled
def draw_present_values(data: Rows) -> MplFigure:
    """Horizontal bars of the present values with their intervals; the NPV last, dark."""
    fig, (ax,) = new_figure(7.0, 1.0 + 0.38 * len(data))
    colours = [BENEFIT_COLOURS.get(r["kind"], {"residual": "#bbbbbb", "costs": "#d62728",
                                               "npv": "#333333"}.get(r["kind"], "#777777"))
               for r in data]
    values = [r["mean_musd"] for r in data]
    errors = [r["half_width_musd"] or 0.0 for r in data]
    ax.barh([r["item"] for r in data], values, color=colours, height=0.66, xerr=errors,
            error_kw={"capsize": 2, "linewidth": 0.8})
    ax.axvline(0.0, color="#333333", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("present value (million USD)")
    return fig


def yearly_benefits_data(rows: Rows, simulated: Sequence[int] = ()) -> list[dict[str, Any]]:
    """Per year and benefit type: the mean benefit and its half-width (million USD), and
    whether the year was simulated or extrapolated."""
    done = set(simulated)
    out = []
    for r in rows:
        if r["section"] != "benefit" or r.get("mean") is None:
            continue
        half = r.get("half_width")
        out.append({"year": r["year"], "benefit": r["item"],
                    "mean_musd": round(r["mean"] / 1e6, 4),
                    "half_width_musd": None if half is None else round(half / 1e6, 4),
                    "simulated": "yes" if r["year"] in done else "no"})
    kinds = {r["benefit"] for r in out if r["mean_musd"] or r["half_width_musd"]}
    return [r for r in out if r["benefit"] in kinds]


@_styled
def draw_yearly_benefits(data: Rows, simulated: Sequence[int] = ()) -> MplFigure:
    """A line per benefit type with its band; the simulated years shaded."""
    fig, (ax,) = new_figure(7.5, 3.6)
    for kind in BENEFIT_LABELS:
        series = sorted((r for r in data if r["benefit"] == kind), key=lambda r: r["year"])
        if not series:
            continue
        years = [r["year"] for r in series]
        means = [r["mean_musd"] for r in series]
        halves = [r["half_width_musd"] or 0.0 for r in series]
        colour = BENEFIT_COLOURS[kind]
        ax.plot(years, means, color=colour, linewidth=1.4, label=BENEFIT_LABELS[kind])
        ax.fill_between(years, [m - h for m, h in zip(means, halves, strict=True)],
                        [m + h for m, h in zip(means, halves, strict=True)], color=colour,
                        alpha=0.18, linewidth=0)
    if simulated:
        ax.axvspan(min(simulated) - 0.5, max(simulated) + 0.5, color="#eeeeee", zorder=0,
                   label="simulated years")
    ax.axhline(0.0, color="#333333", linewidth=0.8)
    ax.set_xlabel("year")
    ax.set_ylabel("benefit (million USD a year)")
    ax.legend(fontsize=7, frameon=False)
    return fig


def who_gains_data(rows: Rows) -> list[dict[str, Any]]:
    """Present values (million USD) by beneficiary, by the place the time is saved in
    (country, or at sea; places where the project changes nothing left out) and by the
    country that pays the costs."""
    out = []
    for who, label in BENEFICIARY_LABELS.items():
        entry = _entry(label, _row(rows, "beneficiary", who), group="beneficiary")
        if entry is not None:
            out.append(entry)
    for r in rows:
        if r["section"] == "time_saved_in" and (r.get("mean") or r.get("half_width")):
            place = "at sea" if r["country"] == "sea" else f"in {r['country']}"
            entry = _entry(f"time saved {place}", r, group="time saved in")
            if entry is not None:
                out.append(entry)
    for r in rows:
        if r["section"] == "paid_by":
            entry = _entry(f"costs paid by {r['country']}", r, -1.0, group="paid by")
            if entry is not None:
                out.append(entry)
    return out


@_styled
def draw_who_gains(data: Rows) -> MplFigure:
    """Bars by beneficiary, by place and by payer, a colour per group."""
    colours = {"beneficiary": "#1f5fa8", "time saved in": "#6baed6", "paid by": "#d62728"}
    fig, (ax,) = new_figure(7.0, 1.0 + 0.34 * len(data))
    values = [r["mean_musd"] for r in data]
    ax.barh([r["item"] for r in data], values, color=[colours[r["group"]] for r in data],
            height=0.66, xerr=[r["half_width_musd"] or 0.0 for r in data],
            error_kw={"capsize": 2, "linewidth": 0.8})
    ax.axvline(0.0, color="#333333", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("present value (million USD)")
    return fig


def appraisal_answer(rows: Rows, manifest: Mapping[str, Any]) -> str:
    """The page's opening sentences: NPV, BCR, EIRR with their intervals, and what
    dominates the benefits."""
    npv = _row(rows, "result", "npv_usd")
    if npv is None or npv.get("mean") is None:
        return "The appraisal has no result: the reference delivered nothing."
    sentences = [f"{manifest.get('project', 'The project')} against "
                 f"{manifest.get('reference', 'its reference')}: "
                 f"NPV {_musd(npv)} at {float(manifest.get('discount_rate') or 0):.1%}"]
    bcr = _row(rows, "result", "benefit_cost_ratio")
    if bcr is not None and bcr.get("mean") is not None:
        sentences[-1] += f", benefit-cost ratio {_plain(bcr, 2)}"
    irr = _row(rows, "result", "eirr")
    above = _row(rows, "result", "eirr_above_max_pairs")
    if irr is not None and irr.get("mean") is not None:
        sentences[-1] += f", EIRR {100 * irr['mean']:.1f} %"
    if above is not None and above.get("mean"):
        sentences[-1] += (f" (in {above['mean']} of {manifest.get('replications')} pairs "
                          "the EIRR exceeds 1,000 %: the costs are repaid within a year)")
    sentences[-1] += "."
    half = npv.get("half_width")
    if half is not None:
        low, high = npv["mean"] - half, npv["mean"] + half
        sentences.append("The NPV is positive at 95 % confidence." if low > 0 else
                         "The NPV is negative at 95 % confidence." if high < 0 else
                         "The interval of the NPV includes zero.")
    parts = [(kind, r["mean"]) for kind in BENEFIT_LABELS
             if (r := _row(rows, "result", f"pv_{kind}_usd")) is not None and r.get("mean")]
    if parts:
        kind, value = max(parts, key=lambda p: abs(p[1]))
        total = sum(abs(v) for _, v in parts)
        sentences.append(f"{BENEFIT_LABELS[kind].capitalize()} is the largest benefit "
                         f"({100 * abs(value) / total:.0f} % of the benefits' present "
                         f"values in size).")
    sentences += [f"Warning: {w}." for w in manifest.get("warnings") or ()]
    return " ".join(sentences)


def _musd(row: Mapping[str, Any]) -> str:
    half = row.get("half_width")
    spread = "" if half is None else f" ± {half / 1e6:,.1f}"
    return f"USD {row['mean'] / 1e6:,.1f}{spread} m"


def _plain(row: Mapping[str, Any], digits: int) -> str:
    half = row.get("half_width")
    spread = "" if half is None else f" ± {half:.{digits}f}"
    return f"{row['mean']:.{digits}f}{spread}"
