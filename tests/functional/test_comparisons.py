"""Comparisons users act on: common random numbers, paired differences, compare command."""

from __future__ import annotations

import csv

import pytest

import corridorsim as cs
from corridorsim.cli import main
from corridorsim.model import CorridorModel


def test_changing_one_border_leaves_every_other_stream_unchanged(mini_scenario):
    """Common random numbers: demand and the other border draw the same numbers."""
    base = CorridorModel(mini_scenario, 0)
    changed = CorridorModel(mini_scenario.with_overrides(
        {"borders.east_border.customs.exit.lanes": 5,
         "borders.east_border.gauge_change.tracks": 4}), 0)
    base_out, changed_out = base.run(), changed.run()
    released = lambda r: [(c.flow, c.route, c.teu, c.released_at)  # noqa: E731
                          for c in r.consignments]
    assert released(base) == released(changed)
    # The untouched west border's streams start from the same state in both scenarios.
    fresh_a = CorridorModel(mini_scenario, 0).streams.get("west_border.joint_customs.paper"
                                                        ".document_check")
    fresh_b = CorridorModel(changed.scenario, 0).streams.get("west_border.joint_customs.paper"
                                                           ".document_check")
    assert [fresh_a.random() for _ in range(5)] == [fresh_b.random() for _ in range(5)]
    assert base_out.released_teu == changed_out.released_teu


def test_paired_comparison_of_a_change_is_tighter_than_unpaired(mini_scenario):
    a = cs.run(mini_scenario, replications=6, seed=3)
    b = cs.run(mini_scenario.with_overrides({"digitization": 1.0}), replications=6, seed=3)
    paired = {(r["name"], r["kpi"]): r for r in cs.compare(a, b) if r["scope"] == "route"}
    welch = {(r["name"], r["kpi"]): r for r in cs.compare(a, b, unpaired=True)
             if r["scope"] == "route"}
    key = ("northern_main", "mean_transit_days")
    assert paired[key]["difference"] < 0 and paired[key]["significant"] == "yes"
    assert paired[key]["difference"] == pytest.approx(welch[key]["difference"], abs=1e-3)
    assert paired[key]["half_width"] < welch[key]["half_width"]


def test_compare_refuses_runs_with_different_seeds_unless_unpaired(mini_scenario):
    a = cs.run(mini_scenario, replications=2, seed=1)
    b = cs.run(mini_scenario, replications=2, seed=2)
    with pytest.raises(cs.RunError, match="different seeds"):
        cs.compare(a, b)
    assert cs.compare(a, b, unpaired=True)[0]["method"] == "welch"


def test_comparison_csv_within_a_run_is_middle_minus_northern(mini_result):
    rows = {(r["scope"], r["name"], r["kpi"]): r for r in mini_result.tables["comparison"]}
    row = rows[("flow", "china_europe", "mean_transit_days")]
    assert row["difference"] == pytest.approx(row["middle_mean"] - row["northern_mean"],
                                              abs=1e-3)
    summary = {(r["scope"], r["name"], r["kpi"]): r for r in mini_result.tables["summary"]}
    middle = summary[("corridor", "middle", "mean_transit_days")]
    assert middle["ci_low"] <= middle["mean"] <= middle["ci_high"]
    assert middle["replications"] == 2


def test_compare_command_writes_paired_differences(tmp_path, capsys):
    from ..conftest import MINI

    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(MINI), "-n", "3", "-w", "1", "--out", str(a)]) == 0
    assert main(["run", str(MINI), "-n", "3", "-w", "1", "--out", str(b),
                 "--set", "vessel_services.feeder.vessels=2"]) == 0
    capsys.readouterr()
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "ab")]) == 0
    assert "paired comparison" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "ab").iterdir()) == [
        "manifest.json", "scenario_comparison.csv"]
    with open(tmp_path / "ab" / "scenario_comparison.csv", newline="") as handle:
        rows = {(r["scope"], r["name"], r["kpi"]): r for r in csv.DictReader(handle)}
    fewer_vessels = rows[("route", "middle_caspian", "mean_days_vessel_wait")]
    assert float(fewer_vessels["difference"]) > 0 and fewer_vessels["significant"] == "yes"
    # The Northern route does not use the vessels at all: no difference there.
    assert rows[("route", "northern_main", "mean_days_sailing")]["difference"] == "0.0"
    # Corridors pooled over their routes are compared too (here one route each).
    pooled = rows[("corridor", "middle", "mean_days_vessel_wait")]
    assert pooled["difference"] == fewer_vessels["difference"]
    assert pooled["method"] == "paired"


def test_a_route_only_one_run_has_is_reported_not_dropped(tmp_path, capsys):
    from ..conftest import MINI

    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(MINI), "-n", "2", "-w", "1", "--out", str(a)]) == 0
    assert main(["run", str(MINI), "-n", "2", "-w", "1", "--out", str(b), "--set",
                 "flows.china_europe.routes={northern_main: 1.0}"]) == 0
    capsys.readouterr()
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "ab")]) == 0
    assert "only in a" in capsys.readouterr().out
    with open(tmp_path / "ab" / "scenario_comparison.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["name"] in ("middle_caspian", "middle")]
    assert rows and all(r["method"] == "only in a" and r["b_mean"] == "" and
                        r["difference"] == "" for r in rows)
    assert {r["scope"] for r in rows} == {"route", "corridor"}


def test_compare_command_errors_are_one_line(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "nope"), str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "routes.csv: not found" in err


def test_replications_are_added_until_the_target_precision(mini_scenario):
    result = cs.run(mini_scenario, replications=2, seed=1, target_halfwidth=0.03,
                    max_replications=30)
    p = result.precision
    assert p["reached"] and p["replications"] == len(result.outcomes) >= 2
    assert all(v <= 0.03 for v in p["relative_halfwidth"].values())
    # Adding replications in batches gives exactly the fixed-count run.
    fixed = cs.run(mini_scenario, replications=len(result.outcomes), seed=1)
    assert fixed.shipments == result.shipments


def test_an_unreachable_target_stops_at_the_cap_and_says_so(mini_scenario, tmp_path, capsys):
    result = cs.run(mini_scenario, seed=1, target_halfwidth=0.0001, max_replications=4)
    assert len(result.outcomes) == 4 and result.precision["reached"] is False
    from ..conftest import MINI

    assert main(["run", str(MINI), "--target-halfwidth", "0.0001", "--max-replications", "3",
                 "-w", "1", "--out", str(tmp_path / "r")]) == 0
    assert "NOT reached" in capsys.readouterr().out


def test_automatic_warmup_is_chosen_recorded_and_applied(mini_scenario):
    auto = cs.run(mini_scenario.with_overrides({"warmup": "auto"}), replications=2, seed=1)
    choice = auto.warmup_choice
    assert choice["method"] == "MSER-5" and choice["pilot_replications"] == 2
    assert 0 <= choice["hours"] <= mini_scenario.horizon / 2
    assert auto.manifest()["warmup_choice"] == choice
    assert auto.manifest()["warmup_hours"] == choice["hours"]
    fixed = cs.run(mini_scenario.with_overrides({"warmup": choice["hours"]}), replications=2,
                   seed=1)
    assert fixed.shipments == auto.shipments
    assert min(r["released_at"] for r in auto.shipments) >= "2024-01-01"
