"""The command line end to end on the reference scenario, as a new user runs it."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

import corridorsim as cs
from corridorsim.cli import main
from corridorsim.report.periods import PERIOD_COLUMNS
from corridorsim.report.places import COUNTRY_COLUMNS, SEGMENT_COLUMNS, STOP_COLUMNS
from corridorsim.report.scenario_comparison import SCENARIO_COMPARISON_COLUMNS
from corridorsim.report.shares import SHARE_COLUMNS
from corridorsim.report.summaries import COMPARISON_COLUMNS, SUMMARY_COLUMNS
from corridorsim.report.tables import (
    CORRIDOR_COLUMNS,
    NODE_COLUMNS,
    OUTAGE_COLUMNS,
    ROUTE_COLUMNS,
    SERVICE_COLUMNS,
    SHIPMENT_COLUMNS,
    corridor_columns,
    route_columns,
    shipment_columns,
)
from corridorsim.report.timeseries import TIMESERIES_COLUMNS

from ..conftest import BASELINE, MINI


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "baseline"
    assert main(["run", str(BASELINE), "--replications", "2", "--seed", "3",
                 "--out", str(out)]) == 0
    return out


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_console_script_is_installed_and_validates_the_reference_scenario():
    exe = shutil.which("corridorsim", path=str(Path(sys.executable).parent))
    assert exe is not None, "the corridorsim console script is not installed"
    done = subprocess.run([exe, "validate", str(BASELINE)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "Scenario 'baseline-2024' is valid." in done.stdout
    assert "northern_duisburg" in done.stdout and "middle_btk" in done.stdout


def test_run_writes_every_file_with_the_documented_columns(baseline_run):
    assert sorted(p.name for p in baseline_run.iterdir()) == [
        "comparison.csv", "corridors.csv", "countries.csv", "manifest.json", "nodes.csv",
        "periods.csv", "routes.csv", "scenario.yaml", "segments.csv", "services.csv",
        "shares.csv", "shipments.csv", "summary.csv", "timeseries.csv"]
    places = cs.load_scenario(BASELINE).places
    assert "KZ" in places and places[-1] == "sea"
    for name, columns in (("shipments.csv", shipment_columns(places)),
                          ("routes.csv", route_columns(places)),
                          ("corridors.csv", corridor_columns(places)),
                          ("services.csv", SERVICE_COLUMNS),
                          ("countries.csv", COUNTRY_COLUMNS),
                          ("segments.csv", SEGMENT_COLUMNS),
                          ("shares.csv", SHARE_COLUMNS),
                          ("timeseries.csv", TIMESERIES_COLUMNS),
                          ("periods.csv", PERIOD_COLUMNS),
                          ("nodes.csv", NODE_COLUMNS), ("summary.csv", SUMMARY_COLUMNS),
                          ("comparison.csv", COMPARISON_COLUMNS)):
        header = (baseline_run / name).read_text(encoding="utf-8").splitlines()[0]
        assert tuple(header.split(",")) == columns
    manifest = json.loads((baseline_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario"] == "baseline-2024"
    assert manifest["seed"] == 3 and manifest["replications"] == 2
    assert len(manifest["scenario_sha256"]) == 64
    for balance in manifest["teu_balance"]:
        assert balance["released_teu"] == balance["delivered_teu"] + balance["in_system_teu"]


def test_results_documentation_covers_every_column():
    text = (BASELINE.parent.parent / "results" / "README.md").read_text(encoding="utf-8")
    for column in {*SHIPMENT_COLUMNS, *ROUTE_COLUMNS, *NODE_COLUMNS, *OUTAGE_COLUMNS,
                   *SUMMARY_COLUMNS,
                   *COMPARISON_COLUMNS, *CORRIDOR_COLUMNS, *SCENARIO_COMPARISON_COLUMNS,
                   *SERVICE_COLUMNS, *COUNTRY_COLUMNS, *SEGMENT_COLUMNS, *STOP_COLUMNS}:
        assert f"`{column}`" in text, column


def test_reference_scenario_is_plausible(baseline_run):
    """Northern faster than Middle, both in the tens of days (calibration is stricter)."""
    rows = [r for r in read(baseline_run / "shipments.csv") if r["transit_days"]]
    median = {corridor: statistics.median(float(r["transit_days"]) for r in rows
                                          if r["corridor"] == corridor)
              for corridor in ("northern", "middle")}
    assert 10 < median["northern"] < median["middle"] < 60
    routes = {r["route"] for r in rows if r["corridor"] not in ("other", "sea")}
    assert routes == {f"{route}{crossing}"
                      for route, crossing in itertools.product(
                          ("northern_duisburg", "northern_malaszewicze"), ("", "_khorgos"))} | {
        f"{route}{crossing}" for route, crossing in itertools.product(
            ("middle_poti_constanta", "middle_btk"), ("", "_dostyk"))}
    # China-Turkey and China-Central Asia trains are reported, as corridor 'other'.
    assert {r["flow"] for r in rows if r["corridor"] == "other"} == {"cn_turkey",
                                                                      "cn_central_asia"}
    # Shippers who choose the sea (round the Cape, 2024) take about 46 days, all at sea.
    sea = [r for r in rows if r["corridor"] == "sea"]
    assert {r["route"] for r in sea} == {"sea_cape"}
    assert 40 < statistics.fmean(float(r["transit_days"]) for r in sea) < 52
    assert all(abs(float(r["days_sailing"]) - float(r["transit_days"])) < 1e-3 for r in sea)
    # The Middle Corridor's time includes the Caspian and Black Sea legs.
    middle = [r for r in rows if r["corridor"] == "middle"]
    assert statistics.fmean(float(r["days_sailing"]) for r in middle) > 1.0
    assert all(float(r["days_sailing"]) == 0 for r in rows if r["corridor"] == "northern")


def test_set_overrides_reach_the_run(tmp_path, capsys):
    out = tmp_path / "digital"
    code = main(["run", str(BASELINE), "-n", "1", "--out", str(out), "--set", "horizon=90d",
                 "--set", "warmup=10d", "--set", "borders.altynkol.customs.digitization=1"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "middle_poti_constanta" in printed and f"Results: {out.resolve()}/" in printed
    released = [r["released_at"] for r in read(out / "shipments.csv")]
    assert max(released) < "2024-04-01"


def test_run_refuses_to_replace_a_folder_of_other_files(tmp_path, capsys):
    mine = tmp_path / "mydata"
    mine.mkdir()
    (mine / "forecast.xlsx").write_text("precious")
    code = main(["run", str(BASELINE), "-n", "1", "--out", str(mine)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "not corridorsim results (forecast.xlsx)" in err
    assert (mine / "forecast.xlsx").read_text() == "precious"


def test_run_replaces_its_own_earlier_results(tmp_path, capsys):
    out = tmp_path / "again"
    for _ in range(2):
        assert main(["run", str(BASELINE), "-n", "1", "--out", str(out),
                     "--set", "horizon=60d", "--set", "warmup=5d"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["overrides"] == [{"key": "horizon", "value": "60d"},
                                     {"key": "warmup", "value": "5d"}]


@pytest.mark.parametrize("args, message", [
    (["--seed", "-1"], "--seed: expected a whole number of at least 0"),
    (["--out", ""], "--out: expected a folder name"),
])
def test_bad_run_options_get_one_line(args, message, capsys):
    assert main(["run", str(BASELINE), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and str(BASELINE) in err


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["compare", "--help"],
                                  ["calibrate", "--help"], ["validate", "--help"]])
def test_help_texts_print(args, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 0
    assert "usage: corridorsim" in capsys.readouterr().out


@pytest.mark.parametrize("path", sorted(BASELINE.parent.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_reference_scenario_validates_and_names_itself(path):
    import corridorsim as cs

    scenario = cs.load_scenario(path)
    assert scenario.name == path.stem


def test_a_run_is_reproduced_from_its_folder_alone(tmp_path):
    """scenario.yaml holds the scenario as simulated (extends, --set, defaults, order)."""
    first, again = tmp_path / "first", tmp_path / "again"
    assert main(["run", str(MINI), "-n", "2", "--workers", "1", "--out", str(first),
                 "--set", "digitization=0.6", "--set", "vessel_services.feeder.vessels=2"]) == 0
    assert main(["run", str(first / "scenario.yaml"), "-n", "2", "--workers", "1",
                 "--out", str(again)]) == 0
    for name in ("shipments.csv", "routes.csv", "nodes.csv", "summary.csv", "comparison.csv"):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
