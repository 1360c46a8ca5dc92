"""Results folders read back as data: every table typed as it was written, the manifest
checked, a loaded run is the result ``cs.run`` returned (what it cannot have says so),
and ``cs.compare`` works on folders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

import corridorsim as cs
from corridorsim.cli import main
from corridorsim.report.manifest import scenario_hash
from corridorsim.report.results_reader import cell_value, read_results_folder
from corridorsim.report.writer import table_files
from corridorsim.version import package_version

from ..conftest import MINI, tiny_sweep

COUNTRIES = MINI.parent / "mini-countries.yaml"


@pytest.fixture(scope="module")
def runs() -> dict[str, cs.RunResult]:
    """A run of the mini corridor (no countries: empty place tables) and of the one with
    countries and segments, both with stops, so every table has rows somewhere."""
    return {path.stem: cs.run(cs.load_scenario(path), replications=2, seed=5, stops=True)
            for path in (MINI, COUNTRIES)}


@pytest.fixture(scope="module")
def folder(runs: dict[str, cs.RunResult], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return runs["mini-corridor"].write(tmp_path_factory.mktemp("written") / "mini")


def as_written(result: cs.RunResult) -> dict[str, list[dict]]:
    """The result's tables as their files hold them: every column, a missing key empty."""
    return {table: [{c: row.get(c) for c in columns} for row in result.tables[table]]
            for table, (_, columns) in table_files(result.scenario.places, True).items()}


def typed(rows: list[dict]) -> list[list[tuple[str, object]]]:
    return [[(type(v).__name__, v) for v in row.values()] for row in rows]


@pytest.mark.parametrize("name", ["mini-corridor", "mini-countries"])
def test_every_table_reads_back_as_the_run_held_it(runs, tmp_path, name):
    result = runs[name]
    read = read_results_folder(result.write(tmp_path / name))
    expected = as_written(result)
    assert read.kind == "run" and set(read.tables) == set(expected)
    for table, rows in expected.items():
        assert read.tables[table] == rows, table
        assert typed(read.tables[table]) == typed(rows), table  # 3 stays int, 3.0 float
        assert read.columns[table] == table_files(result.scenario.places, True)[table][1]
    assert any(rows for rows in read.tables.values())
    assert read.manifest == json.loads((read.path / "manifest.json").read_text())


@pytest.mark.parametrize("text, value", [
    ("", None), ("12", 12), ("-3", -3), ("0.0", 0.0), ("1.5", 1.5), ("-0.25", -0.25),
    ("1e-05", 1e-05), ("2024-01-01T06:00", "2024-01-01T06:00"), ("yes", "yes"),
    ("1_000", "1_000"), (" 7", " 7"), ("northern_main", "northern_main")])
def test_a_cell_is_typed_as_python_wrote_it(text, value):
    got = cell_value(text)
    assert got == value and type(got) is type(value)


def test_a_loaded_run_is_the_run_result(runs, folder):
    original = runs["mini-corridor"]
    loaded = cs.load_results(folder)
    assert isinstance(loaded, cs.RunResult)
    assert loaded.manifest() == json.loads((folder / "manifest.json").read_text())
    assert loaded.seed == 5 and loaded.replications == 2 and loaded.stops_kept
    assert scenario_hash(loaded.scenario) == scenario_hash(original.scenario)
    assert loaded.wall_seconds == round(original.wall_seconds, 3)
    columns = {t: c for t, (_, c) in table_files((), True).items()}
    for name, table in (("shipments", "shipments"), ("routes", "routes"),
                        ("summary", "summary"), ("nodes", "nodes"), ("stages", "nodes"),
                        ("countries", "countries"), ("segments", "segments"),
                        ("stops", "stops")):
        assert getattr(loaded, name) == [{c: row.get(c) for c in columns[table]}
                                         for row in getattr(original, name)], name
    assert repr(loaded) == (f"RunResult(scenario='mini-corridor', seed=5, replications=2, "
                            f"shipments={len(original.shipments)}, wall_seconds="
                            f"{loaded.wall_seconds:.2f}, folder={str(folder)!r})")


def test_what_a_folder_cannot_hold_is_refused_clearly(folder, tmp_path):
    loaded = cs.load_results(folder)
    with pytest.raises(cs.RunError, match=re.escape(
            f"{folder}: a result read from a results folder has no per-replication records "
            "(outcomes); use its tables and manifest(), or run the scenario again")):
        loaded.outcomes  # noqa: B018
    without_stops = cs.run(cs.load_scenario(MINI), replications=1, seed=5).write(tmp_path / "n")
    with pytest.raises(cs.RunError, match=re.escape(
            f"{without_stops}: holds no stops table; it was run without --stops")):
        cs.load_results(without_stops).stops  # noqa: B018


def test_a_loaded_result_writes_the_same_csv_files(folder, tmp_path):
    again = cs.load_results(folder).write(tmp_path / "again")
    names = [n for n in manifest_of(folder)["files"] if n.endswith(".csv")]
    assert len(names) == 13
    for name in names:
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name


def test_compare_takes_folders_as_well_as_results(tmp_path):
    scenario = cs.load_scenario(MINI)
    a = cs.run(scenario, replications=2, seed=3)
    b = cs.run(scenario.with_overrides({"vessel_services.feeder.vessels": 4}),
               replications=2, seed=3)
    a_dir, b_dir = a.write(tmp_path / "a"), b.write(tmp_path / "b")
    rows = cs.compare(a, b)
    assert any(r["difference"] not in (0.0, None) for r in rows)
    assert cs.compare(str(a_dir), str(b_dir)) == rows
    assert cs.compare(cs.load_results(a_dir), cs.load_results(b_dir)) == rows
    assert cs.compare(a, b_dir) == rows
    c = cs.run(scenario, replications=3, seed=3).write(tmp_path / "c")
    with pytest.raises(cs.RunError, match="different replication counts"):
        cs.compare(a_dir, c)


def test_a_calibrate_folder_loads_with_its_calibration_table(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": [
        {"id": "northern_median", "what": "median", "band": [1, 200], "source": "test",
         "metric": {"statistic": "median", "corridor": "northern"}}]}))
    out = tmp_path / "cal"
    assert main(["calibrate", str(MINI), "--targets", str(targets), "-n", "2", "-w", "1",
                 "--out", str(out)]) == 0
    loaded = cs.load_results(out)
    assert loaded.folder is not None and loaded.folder.kind == "calibrate"
    (row,) = loaded.tables["calibration"]
    assert row["target"] == "northern_median" and row["band_low"] == 1
    assert row["passed"] == "yes" and row["replications"] == 2


def test_compare_and_sweep_folders_are_read_but_not_loaded_as_runs(folder, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(folder), str(folder), "--out", str(out)]) == 0
    read = read_results_folder(out)
    assert read.kind == "compare" and set(read.tables) == {"scenario_comparison"}
    assert {r["method"] for r in read.tables["scenario_comparison"]} == {"paired"}
    assert all(r["difference"] == 0.0 for r in read.tables["scenario_comparison"]
               if r["difference"] is not None)
    with pytest.raises(cs.RunError, match=re.escape(
            f"{out}: holds corridorsim compare results; expected a run or calibrate results "
            "folder (read_results_folder reads any)")):
        cs.load_results(out)
    swept = tiny_sweep(tmp_path)
    read = read_results_folder(swept.out)
    assert read.kind == "sweep" and set(read.tables) == {"sweep", "frontier"}
    assert read.tables["sweep"] == swept.rows


# --- folders that cannot be read ---------------------------------------------------------------

EXPECTED = "expected a corridorsim results folder (run, calibrate, compare, sweep, appraise)"


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def copy_of(folder: Path, target: Path, **changes: object) -> Path:
    target.mkdir()
    for path in folder.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    manifest = {**manifest_of(folder), **changes}
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def test_a_path_that_is_not_a_results_folder_is_one_clear_error(folder, tmp_path):
    file = tmp_path / "routes.csv"
    file.write_text("a\n1\n")
    cases = {
        tmp_path / "missing": f"{tmp_path / 'missing'}: not found; {EXPECTED}",
        file: f"{file}: is not a folder; {EXPECTED}",
        tmp_path: f"{tmp_path}: has no manifest.json; {EXPECTED}",
    }
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "manifest.json").write_text(json.dumps({"written_by": "someone", "files": []}))
    cases[foreign] = f"{foreign}: its manifest.json was not written by corridorsim; {EXPECTED}"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    odd = copy_of(folder, tmp_path / "odd", folder_kind="atlas")
    cases[odd] = (f"{odd}: its manifest.json names no folder kind corridorsim knows "
                  f"('atlas'); {EXPECTED}")
    for path, message in cases.items():
        with pytest.raises(cs.RunError, match=f"^{re.escape(message)}$"):
            read_results_folder(path)
    with pytest.raises(cs.RunError, match=re.escape(f"{broken / 'manifest.json'}: cannot be "
                                                    "read as JSON")):
        read_results_folder(broken)


def test_a_folder_of_another_version_is_refused(folder, tmp_path):
    versions = {**manifest_of(folder)["versions"], "corridorsim": "0.0.1"}
    old = copy_of(folder, tmp_path / "old", versions=versions)
    with pytest.raises(cs.RunError, match="^" + re.escape(
            f"{old}: written by corridorsim 0.0.1; expected results of corridorsim "
            f"{package_version()} (run it again with this version)") + "$"):
        cs.load_results(old)
    unversioned = copy_of(folder, tmp_path / "unversioned", versions={})
    with pytest.raises(cs.RunError, match=re.escape(
            f"{unversioned}: its manifest.json records no corridorsim version")):
        read_results_folder(unversioned)


def test_a_damaged_folder_names_the_file(folder, tmp_path):
    damaged = copy_of(folder, tmp_path / "damaged")
    (damaged / "routes.csv").unlink()
    with pytest.raises(cs.RunError, match="^" + re.escape(
            f"{damaged / 'routes.csv'}: listed in manifest.json but missing; expected the "
            "folder as corridorsim wrote it") + "$"):
        read_results_folder(damaged)
    ragged = copy_of(folder, tmp_path / "ragged")
    with open(ragged / "services.csv", "a", encoding="utf-8") as out:
        out.write("1,2\n")
    with pytest.raises(cs.RunError, match=re.escape(f"{ragged / 'services.csv'}: line ")):
        read_results_folder(ragged)
    edited = copy_of(folder, tmp_path / "edited")
    text = (edited / "scenario.yaml").read_text().replace("seed: 11", "seed: 12")
    (edited / "scenario.yaml").write_text(text)
    with pytest.raises(cs.RunError, match=re.escape(
            f"{edited / 'scenario.yaml'}: is not the scenario the manifest records")):
        cs.load_results(edited)
