"""Sweeps with a share target: the share at each point in ``sweep.csv``, the frontier where
it reaches ``at_least`` (interpolated, with an interval), the same files on every executor,
resume, and bad targets.

Sweeps here run on ``tests/scenarios/mini-choice.yaml`` (shippers choose between the
Northern route, the Middle route and the sea; a replication takes about a tenth of a
second), with 2 replications and 3-point grids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import corridorsim as cs
from corridorsim.experiment.sweep_files import load_sweep
from corridorsim.report.sweep_tables import (
    FRONTIER_STAT_COLUMNS,
    TargetShare,
    frontier_columns,
    share_frontier_rows,
)
from corridorsim.stats import estimate

from ..conftest import assert_sweep_refused, sweep_tables, write_sweep_file

TESTS = Path(__file__).parent.parent
CHOICE = TESTS / "scenarios" / "mini-choice.yaml"
MINI = TESTS / "scenarios" / "mini-corridor.yaml"
REPO = TESTS.parent

# The Middle Corridor's constant lowered from 3000 USD/TEU (discount 0) to 0 (discount
# 3000): its share of the flow rises from about 0.11 to about 0.22.
DISCOUNT = {"keys": [{"key": "choice.constants_usd_per_teu.middle", "scale": -1,
                      "offset": 3000}], "values": [0, 1500, 3000]}
MIDDLE = {"share": {"flow": "china_europe", "corridor": "middle"}, "at_least": 0.15}


def write_sweep(folder: Path, name: str = "share-sweep", base: Path = CHOICE,
                **fields: Any) -> Path:
    """A sweep file over the discount in ``folder``, with the Middle share target."""
    return write_sweep_file(folder, name, base, **{
        "target": MIDDLE, "factors": {"middle_discount": DISCOUNT}, **fields})


files = sweep_tables


def shares(result: cs.SweepResult) -> list[dict[str, Any]]:
    return [r for r in result.rows if r["kpi"] == "share"]


# --- the share and its frontier -------------------------------------------------------------

def test_share_rises_and_the_frontier_lies_where_it_crosses(tmp_path: Path) -> None:
    result = cs.sweep(write_sweep(tmp_path), serial=True, out=tmp_path / "out")
    rows = shares(result)
    assert [(r["point"], r["scope"], r["name"], r["n"]) for r in rows] == [
        (p, "corridor_share", "china_europe:middle", 2) for p in range(3)]
    means = [r["mean"] for r in rows]
    assert means == sorted(means) and means[0] < 0.15 <= means[1]  # crosses in [0, 1500]
    assert all(r["ci_low"] <= r["mean"] <= r["ci_high"] for r in rows)
    assert [o["share"] for o in result.overview()] == means

    (row,) = result.frontier
    assert row["factor"] == "middle_discount" and row["note"] == ""
    assert row["criterion"] == "middle corridor share of china_europe >= 0.15"
    assert row["point"] == 1 and row["share"] == means[1]
    x0, x1, y0, y1 = 0, 1500, means[0], means[1]
    assert 0 < row["middle_discount"] < 1500
    assert row["middle_discount"] == pytest.approx(x0 + (0.15 - y0) * (x1 - x0) / (y1 - y0),
                                                   abs=1e-4)
    low, high = row["frontier_ci_low"], row["frontier_ci_high"]
    assert low is not None and low <= row["middle_discount"]
    assert high is None or high >= row["middle_discount"]
    header = (result.out / "frontier.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ("factor,middle_discount,point,criterion,share,share_ci_low,"
                      "share_ci_high,frontier_ci_low,frontier_ci_high,note")
    assert result.manifest["target"] == MIDDLE


def test_an_option_share_is_summary_csv_s_share(tmp_path: Path) -> None:
    """An option target reports exactly what ``corridorsim run`` reports for the option."""
    target = {"share": {"flow": "china_europe", "option": "sea_suez"}, "at_least": 0.5}
    path = write_sweep(tmp_path, target=target, factors={"middle_discount": {
        "keys": DISCOUNT["keys"], "values": [1500]}})
    result = cs.sweep(path, serial=True, out=tmp_path / "out")
    (row,) = shares(result)
    run = cs.run(cs.load_scenario(CHOICE).with_overrides(
        {"choice.constants_usd_per_teu.middle": 1500}), replications=2, seed=5)
    (expected,) = [r for r in run.summary if r["scope"] == "share"
                   and r["name"] == "china_europe:sea_suez" and r["kpi"] == "share"]
    assert (row["scope"], row["name"]) == ("share", "china_europe:sea_suez")
    assert (row["mean"], row["ci_low"], row["ci_high"], row["n"]) == (
        expected["mean"], expected["ci_low"], expected["ci_high"], expected["replications"])
    (frontier,) = result.frontier  # one value, below a half: not reached
    assert frontier["middle_discount"] is None and frontier["point"] == 0
    assert frontier["note"] == (f"not reached within the swept range (max value 1500: "
                                f"share {row['mean']:.4f})")


def test_a_corridor_share_sums_the_flow_s_options_on_it(tmp_path: Path) -> None:
    """Two sea options: the sea corridor's share is their TEU over the flow's, per
    replication, as shares.csv gives them."""
    base = tmp_path / "two-seas.yaml"
    base.write_text(yaml.safe_dump({
        "extends": str(CHOICE), "name": "two-seas",
        "choice": {"alternatives": {"sea_cape": {
            "transit_time": {"dist": "lognormal", "mean": "45d", "cv": 0.1},
            "tariff_usd_per_teu": 1300}}},
        "flows": {"china_europe": {"choice": ["northern_main", "middle_caspian", "sea_suez",
                                              "sea_cape"]}}}), encoding="utf-8")
    target = {"share": {"flow": "china_europe", "corridor": "sea"}, "at_least": 0.3}
    path = write_sweep(tmp_path, base=base, target=target, factors={"middle_discount": {
        "keys": DISCOUNT["keys"], "values": [1500]}})
    (row,) = shares(cs.sweep(path, serial=True, out=tmp_path / "out"))
    run = cs.run(cs.load_scenario(base).with_overrides(
        {"choice.constants_usd_per_teu.middle": 1500}), replications=2, seed=5)
    per_replication = []
    for r in range(2):
        mine = [s for s in run.shares if s["replication"] == r]
        sea = sum(s["teu"] for s in mine if s["option"] in ("sea_suez", "sea_cape"))
        per_replication.append(sea / sum(s["teu"] for s in mine))
    assert {s["option"] for s in run.shares} >= {"sea_suez", "sea_cape"}
    expected = estimate(per_replication)
    assert row["name"] == "china_europe:sea" and row["mean"] == round(expected.mean, 4)
    assert (row["ci_low"], row["ci_high"]) == (round(expected.low, 4),
                                                round(expected.high, 4))


def test_frontier_definition_on_given_shares() -> None:
    """The frontier along a factor from the rounded means and bounds of sweep.csv: first
    value reaching the threshold, interpolated back; the interval from the bounds."""
    target = TargetShare(flow="f", option=None, corridor="middle", at_least=0.15)

    def rows(mean: float | None, low: float | None, high: float | None) -> list[dict]:
        return [{"scope": "corridor_share", "name": "f:middle", "kpi": "share",
                 "mean": mean, "ci_low": low, "ci_high": high}]

    points = [(i, {"x": x}) for i, x in enumerate((0, 10, 20, 30))]
    by_point = {0: rows(0.05, 0.02, 0.16), 1: rows(0.10, 0.08, 0.12),
                2: rows(0.20, 0.10, 0.30), 3: rows(0.30, 0.25, 0.35)}
    (row,) = share_frontier_rows(points, by_point, ["x"], True, target)
    assert row["x"] == 15.0 and row["point"] == 2 and row["share"] == 0.2
    # the upper bound reaches 0.15 at the first value, the lower one between 20 and 30
    assert row["frontier_ci_low"] == 0 and row["frontier_ci_high"] == 23.3333
    # falling: reached at the smallest value, no interpolation below the swept range
    falling = {p: by_point[3 - p] for p in range(4)}
    (row,) = share_frontier_rows(points, falling, ["x"], True, target)
    assert (row["x"], row["point"], row["note"]) == (0, 0, "")
    # one replication: no interval
    single = {p: rows(m, None, None) for p, m in enumerate((0.1, 0.12, 0.18, 0.2))}
    (row,) = share_frontier_rows(points, single, ["x"], True, target)
    assert row["x"] == pytest.approx(15.0) and row["frontier_ci_low"] is None
    assert row["frontier_ci_high"] is None
    # text values are not interpolated
    named = [(i, {"x": x}) for i, x in enumerate(("a", "b", "c", "d"))]
    (row,) = share_frontier_rows(named, by_point, ["x"], True, target)
    assert (row["x"], row["frontier_ci_low"], row["frontier_ci_high"]) == ("c", "a", "d")


# --- executors, resume, and sweeps without a target -----------------------------------------

def test_serial_and_process_pool_write_identical_files(tmp_path: Path) -> None:
    path = write_sweep(tmp_path)
    serial = cs.sweep(path, serial=True, out=tmp_path / "serial")
    pool = cs.sweep(path, workers=2, out=tmp_path / "pool")
    assert pool.manifest["executor"].startswith("process pool")
    assert files(serial.out) == files(pool.out)


def test_a_target_added_later_reuses_every_task(tmp_path: Path) -> None:
    """Tasks keep every option's TEU whether or not there is a target: adding one reruns
    nothing, appends the share rows to sweep.csv and changes no other row."""
    out = tmp_path / "out"
    plain = cs.sweep(write_sweep(tmp_path, target=None), serial=True, out=out)
    assert not shares(plain) and plain.tasks_run == 6
    assert (out / "frontier.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(
        frontier_columns(["middle_discount"])) and "gap_days" in FRONTIER_STAT_COLUMNS
    assert "target" not in plain.manifest
    targeted = cs.sweep(write_sweep(tmp_path), serial=True, out=out)
    assert (targeted.tasks_run, targeted.tasks_reused) == (0, 6)
    assert [r for r in targeted.rows if r["kpi"] != "share"] == plain.rows
    assert len(shares(targeted)) == 3
    again = cs.sweep(write_sweep(tmp_path, target=None), serial=True, out=out)
    assert again.tasks_run == 0 and again.rows == plain.rows


# --- bad targets ----------------------------------------------------------------------------

def _target(**share: Any) -> dict[str, Any]:
    return {"target": {"share": share, "at_least": 0.15}}


@pytest.mark.parametrize(("fields", "key_path", "expected"), [
    (_target(flow="china_europa", corridor="middle"), "target.share.flow",
     "no flow 'china_europa' in the base scenario; expected a flow that chooses "
     "('choice:'): china_europe; did you mean 'china_europe'?"),
    (_target(flow="caspian_background", corridor="middle"), "target.share.flow",
     "flow 'caspian_background' has fixed route shares"),
    (_target(flow="china_europe", option="sea_cape"), "target.share.option",
     "flow 'china_europe' has no option 'sea_cape'; expected one of northern_main, "
     "middle_caspian, sea_suez; did you mean 'sea_suez'?"),
    (_target(flow="china_europe", corridor="midle"), "target.share.corridor",
     "expected 'northern', 'middle' or 'sea', got 'midle'"),
    (_target(flow="china_europe", corridor="middle", option="middle_caspian"),
     "target.share", "give exactly one of 'corridor'"),
    (_target(flow="china_europe"), "target.share", "give exactly one of 'corridor'"),
    ({"target": {"share": {"flow": "china_europe", "corridor": "middle"}, "at_least": 1.5}},
     "target.at_least", "expected a number less than 1, got 1.5"),
    ({"target": {"share": {"flow": "china_europe", "corridor": "middle"}, "at_least": 0}},
     "target.at_least", "expected a number more than 0, got 0"),
    ({"target": {"share": {"flow": "china_europe", "corridor": "middle"}}},
     "target.at_least", "required key is missing"),
    ({"target": {"share": {"flow": "china_europe", "corridor": "middle"}, "at_most": 0.2}},
     "target.at_most", "did you mean 'at_least'?"),
    ({"target_days": 20}, "target", "give either 'target' (a share) or 'target_days'"),
    ({"factors": {"share": DISCOUNT}}, "factors.share", "this factor name is a column"),
])
def test_bad_target_is_one_line_naming_file_and_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, Any],
        key_path: str, expected: str) -> None:
    assert_sweep_refused(write_sweep(tmp_path, **fields), capsys, key_path, expected)


def test_a_flow_that_does_not_choose_or_a_corridor_without_options(
        tmp_path: Path) -> None:
    with pytest.raises(cs.ScenarioError) as info:  # the mini corridor's flow has routes
        load_sweep(write_sweep(tmp_path, base=MINI, factors={"vessels": {
            "keys": ["vessel_services.feeder.vessels"], "values": [3]}}))
    assert info.value.key_path == "target.share.flow"
    assert "fixed route shares ('routes:')" in info.value.message
    assert "no flow of the base scenario chooses" in info.value.message
    no_sea = tmp_path / "no-sea.yaml"
    no_sea.write_text(yaml.safe_dump({
        "extends": str(CHOICE), "name": "no-sea", "choice": {"alternatives": None},
        "flows": {"china_europe": {"choice": ["northern_main", "middle_caspian"]}}}),
        encoding="utf-8")
    with pytest.raises(cs.ScenarioError) as info:
        load_sweep(write_sweep(tmp_path, base=no_sea, target={
            "share": {"flow": "china_europe", "corridor": "sea"}, "at_least": 0.1}))
    assert info.value.key_path == "target.share.corridor"
    assert info.value.message == ("no option of flow 'china_europe' is on corridor 'sea'; "
                                  "its options: northern_main (northern), middle_caspian "
                                  "(middle)")


def test_the_reference_share_sweep_is_written_against_the_choosing_baseline() -> None:
    """sweeps/middle-share-x-digitization.yaml names keys of the 2024 baseline once it
    chooses (being converted on main); here only its own schema is checked."""
    from corridorsim.experiment.sweep_files import SweepFile

    document = yaml.safe_load((REPO / "sweeps" / "middle-share-x-digitization.yaml")
                              .read_text(encoding="utf-8"))
    spec = SweepFile.model_validate(document)
    assert spec.target is not None and spec.target.at_least == 0.06
    assert (spec.target.share.flow, spec.target.share.corridor) == ("cn_eu_duisburg",
                                                                   "middle")
    assert spec.factors["digitization_middle"].values == [0.1, 0.3, 0.5, 0.7, 0.9]
