"""The report's figure of a run of several calendar periods (``periods.csv``): each
corridor's median and 90th-percentile transit by the period the consignments were
released in, with their 95 % intervals across replications.

Drawn only when the run has more than one period (a multi-year run, or ``--period
quarter``); a one-year run's single period says nothing that the other figures do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridorsim.report import figures as fg

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

KPIS = (("median_transit_days", "median transit (days)"),
        ("p90_transit_days", "90th percentile (days)"))


def period_transit_data(periods: fg.Rows) -> list[dict[str, Any]]:
    """Per corridor (in the report's order) and period: the consignments released, the
    median and p90 transit days with their half-widths, and whether a percentile is only
    a lower bound; empty unless there are at least two periods."""
    rows = [r for r in periods if r["scope"] == "corridor"]
    if len({r["period"] for r in rows}) < 2:
        return []
    order = {c: i for i, c in enumerate(fg.CORRIDOR_ORDER)}
    out = []
    for r in sorted(rows, key=lambda r: (order.get(r["name"], len(order)), r["starts_at"])):
        entry = {"corridor": r["name"], "period": r["period"],
                 "consignments_released": r["consignments_released_mean"]}
        for kpi, _ in KPIS:
            entry[kpi] = r[f"{kpi}_mean"]
            entry[f"{kpi}_halfwidth"] = r[f"{kpi}_halfwidth"]
        entry["p90_at_least"] = r["p90_at_least"]
        out.append(entry)
    return out


@fg._styled
def draw_period_transit(data: fg.Rows) -> MplFigure:
    """Two panels, median and p90: a line per corridor over the periods, 95 % bars."""
    fig, axes = fg.new_figure(8.0, 3.4, cols=2)
    periods = list(dict.fromkeys(r["period"] for r in sorted(data,
                                                             key=lambda r: r["period"])))
    index = {p: i for i, p in enumerate(periods)}
    for ax, (kpi, label) in zip(axes, KPIS, strict=True):
        for corridor in dict.fromkeys(r["corridor"] for r in data):
            rows = [r for r in data if r["corridor"] == corridor and r[kpi] is not None]
            if not rows:
                continue
            ax.errorbar([index[r["period"]] for r in rows], [r[kpi] for r in rows],
                        yerr=[r[f"{kpi}_halfwidth"] or 0.0 for r in rows], marker="o",
                        markersize=3, capsize=2, label=corridor,
                        color=fg.CORRIDOR_COLOURS.get(corridor, "#7a7a7a"))
        step = max(1, len(periods) // 12)
        ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=45,
                      ha="right")
        ax.set_ylabel(label)
        ax.set_xlabel("period the consignments were released in")
    axes[0].legend(fontsize=8, frameon=False)
    return fig
