"""Results and scenarios in a notebook: DataFrames with parsed timestamps and categories,
short reprs and small HTML summaries."""

from __future__ import annotations

import re
import sys

import pytest

import corridorsim as cs
from corridorsim.experiment.replications import run_to_folder

from ..conftest import BASELINE, MINI, tiny_sweep

pd = pytest.importorskip("pandas", reason="the pandas extra is not installed")


def test_to_pandas_gives_every_table_typed(mini_result):
    frames = mini_result.to_pandas()
    assert set(frames) == {"shipments", "nodes", "routes", "corridors", "services",
                           "countries", "segments", "shares", "timeseries", "periods",
                           "summary", "comparison"}
    ships = frames["shipments"]
    assert len(ships) == len(mini_result.shipments)
    assert str(ships["released_at"].dtype).startswith("datetime64")
    assert str(ships["delivered_at"].dtype).startswith("datetime64")
    first = mini_result.shipments[0]
    assert ships["released_at"].iloc[0] == pd.Timestamp(first["released_at"])
    for column in ("route", "corridor", "flow"):
        assert isinstance(ships[column].dtype, pd.CategoricalDtype), column
    assert set(ships["corridor"].cat.categories) == {"middle", "northern"}
    assert ships["transit_days"].dtype == "float64" and ships["teu"].dtype == "int64"
    undelivered = [i for i, r in enumerate(mini_result.shipments) if r["delivered_at"] is None]
    assert undelivered and ships["delivered_at"].iloc[undelivered].isna().all()
    nodes = frames["nodes"]
    assert isinstance(nodes["node"].dtype, pd.CategoricalDtype)
    assert nodes["servers"].dtype == "Int64"  # whole numbers, empty on the node rows
    assert list(frames["countries"].columns)[:3] == ["replication", "scope", "name"]
    assert frames["countries"].empty  # no countries in the mini corridor, columns still there
    summary = frames["summary"]
    assert summary["mean"].tolist() == pytest.approx(
        [r["mean"] if r["mean"] is not None else float("nan") for r in mini_result.summary],
        nan_ok=True)


def test_a_loaded_result_gives_the_same_frames(mini_result, tmp_path):
    loaded = cs.load_results(mini_result.write(tmp_path / "r"))
    ours, theirs = mini_result.to_pandas(), loaded.to_pandas()
    assert set(ours) == set(theirs)
    for name, frame in ours.items():
        pd.testing.assert_frame_equal(frame, theirs[name], check_categorical=False,
                                      obj=name)


def test_stops_frames_parse_arrivals_and_the_node_country(tmp_path):
    result = cs.run(cs.load_scenario(MINI.parent / "mini-countries.yaml"), replications=1,
                    seed=5, stops=True)
    stops = result.to_pandas()["stops"]
    assert str(stops["arrived_at"].dtype).startswith("datetime64")
    assert (stops["departed_at"] >= stops["arrived_at"]).all()
    assert isinstance(stops["country"].dtype, pd.CategoricalDtype)
    assert isinstance(stops["node"].dtype, pd.CategoricalDtype)


def test_missing_pandas_is_one_clear_error(mini_result, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import fails as if not installed
    with pytest.raises(cs.RunError, match="^" + re.escape(
            "DataFrames need pandas, which is not installed; "
            "pip install 'corridorsim[pandas]'") + "$"):
        mini_result.to_pandas()


def test_a_streamed_run_refuses_frames_but_prints(tmp_path):
    result, _ = run_to_folder(tmp_path / "s", cs.load_scenario(MINI), replications=1, seed=1,
                              workers=1)
    assert repr(result).startswith("RunResult(scenario='mini-corridor', seed=1, "
                                   "replications=1, wall_seconds=")
    with pytest.raises(cs.RunError, match=re.escape("streamed to its results folder")):
        result.to_pandas()


def test_sweep_result_to_pandas(tmp_path):
    swept = tiny_sweep(tmp_path)
    frames = swept.to_pandas()
    assert set(frames) == {"sweep", "frontier"}
    assert list(frames["sweep"].columns)[:2] == ["point", "vessels"]
    assert len(frames["sweep"]) == len(swept.rows)
    assert isinstance(frames["sweep"]["kpi"].dtype, pd.CategoricalDtype)


def test_a_scenario_prints_on_one_line():
    scenario = cs.load_scenario(BASELINE)
    text = repr(scenario)
    assert "\n" not in text and len(text) < 200 and str(scenario) == text
    assert text == (f"Scenario(name='baseline-2024', start_date=2024-01-01, horizon=365d, "
                    f"replications={scenario.replications}, seed={scenario.seed}, "
                    f"nodes={len(scenario.node_kinds)}, legs={len(scenario.legs)}, "
                    f"routes={len(scenario.routes)}, flows={len(scenario.flows)}, "
                    f"vessel_services={len(scenario.vessel_services)}, "
                    f"closures={len(scenario.closures)})")
    page = scenario._repr_html_()
    assert "<code>baseline-2024</code>" in page and "Xi&#x27;an" in page  # escaped
    assert f"<td style=\"text-align:left\">routes</td><td style=\"text-align:left\">" \
           f"{len(scenario.routes)}</td>" in page


def test_a_result_shows_route_medians_with_intervals(mini_result):
    page = mini_result._repr_html_()
    median = {r["name"]: r for r in mini_result.summary
              if r["scope"] == "route" and r["kpi"] == "median_transit_days"}
    for route, row in median.items():
        assert (f"<td style=\"text-align:left\">{route}</td><td>{row['mean']:,.1f} "
                f"<span style=\"color:#666\">[{row['ci_low']:,.1f}, {row['ci_high']:,.1f}]"
                "</span></td>") in page
    assert "<i>northern, pooled</i>" in page and "2 replications, seed 5" in page
