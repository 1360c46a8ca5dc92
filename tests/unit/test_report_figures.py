"""The report's choices from numbers alone: which factors a gap map is drawn over, and
what a comparison's caption says about the replications behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridorsim.report import figures as fg
from corridorsim.report.results_page import comparison_figures, sweep_figures
from corridorsim.report.results_reader import ResultsFolder

pytest.importorskip("matplotlib")


def sampled_gaps() -> list[dict]:
    """An LHC-like sample: every point has its own values; only 'vessels' moves the gap."""
    rows = []
    for i in range(12):
        vessels = 2 + (i * 7) % 12 / 4.0
        rows.append({"point": i, "fee": 10.0 + (i * 5) % 12, "digi": (i * 11) % 12 / 12.0,
                     "vessels": vessels, "gap_days": 20.0 - 3.0 * vessels,
                     "ci_low": None, "ci_high": None})
    return rows


def test_a_sampled_design_is_mapped_over_the_factors_that_move_the_gap() -> None:
    gaps = sampled_gaps()
    x, _ = fg.main_factors(gaps, ["digi", "fee", "vessels"], grid_design=False)
    assert x == "vessels"


def test_a_grid_is_mapped_over_the_widest_spread_and_a_ranking_wins() -> None:
    gaps = [{"point": i, "a": a, "b": b, "gap_days": 10.0 * b + 0.1 * a}
            for i, (a, b) in enumerate((a, b) for a in (0, 1, 2) for b in (0, 1))]
    assert fg.main_factors(gaps, ["a", "b"]) == ["b", "a"]
    ranked = [{"factor": "a"}, {"factor": "b"}]
    assert fg.main_factors(gaps, ["a", "b"], ranked) == ["a", "b"]


def test_the_factors_keep_the_sweep_files_order(tmp_path: Path) -> None:
    rows = [{"point": p["point"], "fee": p["fee"], "digi": p["digi"],
             "vessels": p["vessels"], "scope": "gap", "name": "x",
             "kpi": "median_transit_days", "n": 1, "mean": p["gap_days"],
             "ci_low": None, "ci_high": None} for p in sampled_gaps()]
    folder = ResultsFolder(tmp_path, "sweep", {"replications": 1, "design": {"kind": "lhc"},
                                               "factors": {"digi": {}, "fee": {}, "vessels": {}}},
                           {"sweep": rows, "frontier": []},
                           {"sweep": ("point", "vessels", "fee", "digi", "scope", "name",
                                      "kpi", "n", "mean", "ci_low", "ci_high")})
    figures = {f.name: f for f in sweep_figures(folder)}
    assert figures["gap_map"].title.startswith("The gap over vessels and ")
    assert "one dot per sampled point" in figures["gap_map"].caption
    assert [r["factor"] for r in figures["gap_curves"].data][::12][:3] == [
        "vessels", "fee", "digi"]


@pytest.mark.parametrize(("a", "b", "says"), [(3, 3, "paired, 3 replications"),
                                              (3, 2, "welch, 3 replications of A and 2 of B")])
def test_a_comparison_says_the_replications_of_each_side(tmp_path: Path, a: int, b: int,
                                                          says: str) -> None:
    row = {"scope": "route", "name": "middle_btk", "kpi": "median_transit_days",
           "a_mean": 30.0, "b_mean": 29.0, "difference": -1.0, "ci_low": -1.5,
           "ci_high": -0.5, "significant": "yes"}
    method = "paired" if a == b else "welch"
    folder = ResultsFolder(tmp_path, "compare", {"method": method,
                                                 "a": {"replications": a},
                                                 "b": {"replications": b}},
                           {"scenario_comparison": [row]})
    (figure,) = comparison_figures(folder)
    assert f"({says})" in figure.caption
