"""The report's choices from numbers alone: which factors a gap map is drawn over, what a
comparison's caption says about the replications behind it, the shares by release month
and the TEU a closure diverted between a flow's options."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from corridorsim.report import figures as fg
from corridorsim.report.results_page import (
    comparison_figures,
    diverted_table,
    diverted_words,
    sweep_figures,
)
from corridorsim.report.results_reader import ResultsFolder
from corridorsim.stats import estimate

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


# --- shares by release month ------------------------------------------------------------------


def share_row(rep: int, flow: str, option: str, month: str, share: float | None,
              teu: int = 100) -> dict:
    corridor = option.split("_")[0] if "_" in option else "other"
    return {"replication": rep, "flow": flow, "option": option, "corridor": corridor,
            "month": month, "consignments": 1, "teu": teu, "share": share}


def test_shares_by_month_are_means_over_replications_choosing_flows_first() -> None:
    rows = []
    for rep, (north, sea) in enumerate(((0.6, 0.4), (0.8, 0.2), (0.7, 0.3))):
        rows += [share_row(rep, "fixed", "northern_a", "2024-02", 0.9),
                 share_row(rep, "fixed", "middle_b", "2024-02", 0.1),
                 share_row(rep, "single", "other_c", "2024-02", 1.0),
                 share_row(rep, "chooser", "northern_a", "2024-02", north, teu=10 * rep),
                 share_row(rep, "chooser", "sea_x", "2024-02", sea),
                 share_row(rep, "chooser", "northern_a", "2024-01", None, teu=0),
                 share_row(rep, "chooser", "sea_x", "2024-01", None, teu=0)]
    data = fg.shares_by_month_data(rows, choosing={"chooser"})
    # the flow with one option is left out; the choosing flow comes first
    assert list(dict.fromkeys(r["flow"] for r in data)) == ["chooser", "fixed"]
    north = next(r for r in data if r["flow"] == "chooser" and r["option"] == "northern_a"
                 and r["month"] == "2024-02")
    e = estimate([0.6, 0.8, 0.7])
    assert north["share"] == pytest.approx(0.7)
    assert (north["ci_low"], north["ci_high"]) == (round(e.low, 4), round(e.high, 4))
    assert north["choosing"] == "yes" and north["replications"] == 3
    assert north["mean_teu"] == 10.0
    empty = next(r for r in data if r["flow"] == "chooser" and r["month"] == "2024-01")
    assert empty["share"] is None and empty["replications"] == 0  # no TEU that month
    assert fg.shares_by_month_data([r for r in rows if r["flow"] == "single"]) == []


def test_the_band_of_a_share_is_clamped_to_zero_and_one() -> None:
    rows = []
    for rep, share in enumerate((0.0, 0.03)):
        rows += [share_row(rep, "f", "northern_a", "2024-05", share),
                 share_row(rep, "f", "middle_b", "2024-05", 1.0 - share)]
    data = {r["option"]: r for r in fg.shares_by_month_data(rows)}
    raw = estimate([0.0, 0.03])
    assert raw.low < 0.0  # two replications: a t interval reaches below zero
    assert data["northern_a"]["ci_low"] == 0.0
    assert data["northern_a"]["ci_high"] == round(raw.high, 4)
    assert data["middle_b"]["ci_high"] == 1.0
    assert data["middle_b"]["ci_low"] == round(1.0 - raw.high, 4)


# --- TEU diverted during a closure ------------------------------------------------------------


def scenario(closures: dict) -> dict:
    """A choosing flow: Northern (a mix of two routes), Middle and the sea; the works are
    on the leg east-west of one Northern route."""
    return {
        "routes": {"northern_a": ["hub", "east", "west", "eu"],
                   "northern_b": ["hub", "north", "eu"],
                   "middle_c": ["hub", "port", "eu"]},
        "legs": {"hub-east": {"from": "hub", "to": "east"},
                 "east-west": {"from": "east", "to": "west"},
                 "west-eu": {"from": "west", "to": "eu"}},
        "flows": {"ce": {"choice": {"northern": {"northern_a": 0.5, "northern_b": 0.5},
                                    "middle": {"middle_c": 1.0},
                                    "sea": {"sea_x": 1.0}}},
                  "fixed": {"routes": {"northern_a": 1.0}, "choice": None}},
        "choice": {"ignored_closure_causes": ["weather"], "alternatives": {"sea_x": {}}},
        "closures": closures}


WORKS = {"kind": "window", "at": "east-west", "start": "2024-04-01T00:00:00",
         "end": "2024-04-04T00:00:00", "cause": "closure"}
WINDOW = (dt.datetime(2024, 1, 11), dt.datetime(2024, 6, 1))


def shipment(rep: int, route: str, teu: int, when: str, flow: str = "ce") -> dict:
    return {"replication": rep, "flow": flow, "route": route, "teu": teu, "released_at": when}


def test_only_closures_shippers_react_to_on_a_choosing_flows_route_count() -> None:
    closures = {"works": WORKS,
                "storm": {**WORKS, "at": "port", "cause": "weather"},
                "elsewhere": {**WORKS, "at": "somewhere"},
                "at_node": {**WORKS, "at": "north", "start": "2024-05-01"},
                "seasonal": {"kind": "seasonal", "at": "east", "cause": "strike"}}
    found = fg.closures_on_choices(scenario(closures))
    assert [(c.closure.name, c.flow) for c in found] == [("works", "ce"), ("at_node", "ce")]
    works = found[0]
    assert works.options == ("northern", "middle", "sea")  # the closed option first
    assert works.closed == {"northern"}
    assert works.closure.start == dt.datetime(2024, 4, 1)
    assert [c.name for c in fg.dated_closures(scenario(closures))] == [
        "elsewhere", "storm", "works", "at_node"]
    assert fg.closures_on_choices(scenario(closures), flows={"fixed"}) == []


def test_a_regional_closure_counts_where_any_of_its_places_is_on_a_route() -> None:
    regional = {**WORKS, "at": ["somewhere", "east-west"]}
    (found,) = fg.closures_on_choices(scenario({"regional": regional}))
    assert found.closure.at == ("somewhere", "east-west") and found.closed == {"northern"}
    outage = {"kind": "outage", "at": "north", "stage": "gauge_change",
              "start": "2024-04-01", "end": "2024-04-02"}
    assert fg.dated_closures(scenario({"cranes": outage})) == []  # no place closes


def test_diverted_teu_is_what_an_option_took_beyond_its_share_before() -> None:
    (works,) = fg.closures_on_choices(scenario({"works": WORKS}))
    rows = [  # replication 0: 3/4 Northern before, 40 of 100 TEU during
        shipment(0, "northern_a", 200, "2024-02-01T00:00"),  # 60 days before: the first
        shipment(0, "northern_b", 100, "2024-03-20T12:00"),
        shipment(0, "sea_x", 100, "2024-03-31T23:59"),
        shipment(0, "northern_b", 40, "2024-04-01T00:00"),
        shipment(0, "sea_x", 60, "2024-04-03T23:59"),
        shipment(0, "sea_x", 500, "2024-04-04T00:00"),  # after the closure
        shipment(0, "sea_x", 500, "2024-01-31T23:59"),  # more than 60 days before
        shipment(0, "northern_a", 500, "2024-04-02T00:00", flow="fixed"),  # other flow
        # replication 1: half Northern before, 11 of 100 TEU during, Middle unused
        shipment(1, "northern_a", 200, "2024-03-01T00:00"),
        shipment(1, "sea_x", 200, "2024-03-02T00:00"),
        shipment(1, "northern_a", 11, "2024-04-02T00:00"),
        shipment(1, "sea_x", 89, "2024-04-02T06:00")]
    data = fg.diverted_teu_data(rows, [works], WINDOW)
    by = {r["option"]: r for r in data}
    assert list(by) == ["northern", "middle", "sea"]
    north = by["northern"]
    e = estimate([40 - 0.75 * 100, 11 - 0.5 * 100])  # -35 and -39
    assert north["diverted_teu"] == pytest.approx(-37.0)
    assert (north["ci_low"], north["ci_high"]) == (round(e.low, 2), round(e.high, 2))
    assert north["teu_released"] == 25.5 and north["teu_at_share_before"] == 62.5
    assert by["sea"]["diverted_teu"] == pytest.approx(37.0)
    assert by["middle"]["diverted_teu"] == 0.0 and by["middle"]["closed_route"] == "no"
    assert north["closed_route"] == "yes" and north["note"] is None
    assert (north["start"], north["end"], north["corridor"]) == ("2024-04-01",
                                                                 "2024-04-04", "northern")
    words = diverted_words(data)
    assert words.startswith(
        "During works (2024-04-01 to 2024-04-04), the Northern option of ce took 37 TEU "
        f"fewer than at its share before (95 % interval {abs(e.high):,.0f} to "
        f"{abs(e.low):,.0f} fewer); the Middle option took what it would have at its "
        "share before (the same in every replication); the sea option took 37 TEU more")
    assert diverted_table(data)[0]["diverted TEU"] == f"-37 ± {e.half_width:,.0f}"


@pytest.mark.parametrize(("start", "end", "says"), [
    ("2024-01-05", "2024-01-20", "the closure starts before the warm-up ends (2024-01-11)"),
    ("2024-03-01", "2024-03-04", "fewer than 60 days of the demand window lie before the "
                                 "closure (the window opens 2024-01-11)"),
    ("2024-06-02", "2024-06-04", "the closure starts after the horizon (2024-06-01)")])
def test_a_closure_without_its_days_before_gets_words_not_a_number(start, end, says):
    (works,) = fg.closures_on_choices(scenario({"works": {**WORKS, "start": start,
                                                          "end": end}}))
    rows = [shipment(0, "northern_a", 100, "2024-03-02T00:00")]
    data = fg.diverted_teu_data(rows, [works], WINDOW)
    assert [r["diverted_teu"] for r in data] == [None, None, None]
    assert {r["note"] for r in data} == {says}
    assert diverted_words(data).endswith(
        f"the TEU diverted between the options of ce are not estimated: {says}.")
    assert diverted_table(data)[0]["diverted TEU"] == says


def test_a_closure_past_the_horizon_is_counted_to_it() -> None:
    (works,) = fg.closures_on_choices(scenario({"works": {**WORKS, "start": "2024-05-30",
                                                          "end": "2024-06-10T06:00"}}))
    rows = [shipment(0, "northern_a", 100, "2024-05-01T00:00"),
            shipment(0, "sea_x", 100, "2024-05-02T00:00"),
            shipment(0, "sea_x", 30, "2024-05-31T00:00")]
    data = fg.diverted_teu_data(rows, [works], WINDOW)
    assert [r["diverted_teu"] for r in data] == [-15.0, 0.0, 15.0]
    assert data[0]["end"] == "2024-06-10T06:00"
    assert data[0]["note"] == "counted to the horizon (2024-06-01), before the closure ends"
    assert diverted_words(data).startswith(
        "During works (2024-05-30 to 2024-06-10T06:00), counted to the horizon "
        "(2024-06-01), before the closure ends, the Northern option of ce took 15 TEU "
        "fewer than at its share before (one replication: no interval)")


def test_a_closures_span_is_placed_within_its_months() -> None:
    assert fg._month_position(dt.datetime(2024, 3, 1)) - fg._month_number("2024-03") == 0.0
    assert fg._month_position(dt.datetime(2024, 2, 15, 12)) - fg._month_number(
        "2024-02") == pytest.approx(0.5)


def test_dated_changes_are_numbered_by_date_for_the_time_series():
    scenario = {"start_date": "2024-01-01", "changes": {
        "hub": {"at": "2024-03-01", "set": {}},
        "works": {"at": "2024-02-16T12:00", "until": "2024-03-01", "set": {}}}}
    changes = fg.dated_changes(scenario)
    assert [c.name for c in changes] == ["works", "hub"]
    assert fg.change_key(changes) == [(1, "2024-02-16T12:00: works"),
                                      (2, "2024-03-01: end of works, hub")]
    # On days since the start: 46.5 and 60; on an axis of months (each month's cell
    # centred on its index), 16 Feb 12:00 is 15.5 of February's 29 days in, and 1 March
    # the boundary between February's cell and March's, 1.5.
    assert fg.change_marks_by_day(changes, dt.date(2024, 1, 1)) == [(46.5, "1"), (60.0, "2")]
    months = ["2024-01", "2024-02", "2024-03"]
    marks = fg.change_marks_by_month(changes, months)
    assert [label for _, label in marks] == ["1", "2"]
    assert marks[0][0] == pytest.approx(0.5 + 15.5 / 29) and marks[1][0] == pytest.approx(1.5)


def test_dated_outages_are_marked_with_the_changes():
    scenario = {"start_date": "2024-01-01", "closures": {
        "cranes": {"kind": "outage", "at": "altynkol", "stage": "gauge_change", "servers": 2,
                   "start": "2024-10-11T05:00", "end": "2024-11-01"},
        "storm": {"kind": "window", "at": "aktau", "start": "2024-02-01", "end": "2024-02-03"}}}
    assert fg.change_key(fg.dated_changes(scenario)) == [
        (1, "2024-10-11T05:00: outage cranes"), (2, "2024-11-01: end of outage cranes")]
