"""Parquet output (``--format parquet``): the same rows as the CSV files, typed columns
with one schema whatever the data, byte-identical files, shipments streamed a row group
per replication, and a clear line when pyarrow is missing."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

import corridorsim as cs
from corridorsim.calibration import CALIBRATION_COLUMNS
from corridorsim.cli import main
from corridorsim.experiment.replications import run_to_folder
from corridorsim.report.parquet import column_type
from corridorsim.report.results_reader import read_results_folder
from corridorsim.report.writer import table_files

from ..conftest import MINI

pq = pytest.importorskip("pyarrow.parquet", reason="the parquet extra is not installed")

COUNTRIES = MINI.parent / "mini-countries.yaml"
ARROW = {"int": "int64", "float": "double", "text": "string"}


@pytest.fixture(scope="module")
def results() -> dict[str, cs.RunResult]:
    return {path.stem: cs.run(cs.load_scenario(path), replications=2, seed=5, stops=True)
            for path in (MINI, COUNTRIES)}


def table_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.name != "manifest.json"}


@pytest.mark.parametrize("name", ["mini-corridor", "mini-countries"])
def test_parquet_tables_read_back_as_the_csv_rows(results, tmp_path, name):
    result = results[name]
    csv_folder = read_results_folder(result.write(tmp_path / "csv"))
    parquet = read_results_folder(result.write(tmp_path / "parquet", file_format="parquet"))
    files = table_files(result.scenario.places, True, "parquet")
    assert parquet.file_format == "parquet"
    assert parquet.manifest["files"] == sorted([f for f, _ in files.values()]
                                               + ["scenario.yaml"])
    assert set(parquet.tables) == set(csv_folder.tables)
    for table, rows in csv_folder.tables.items():
        assert parquet.tables[table] == rows, table
        assert parquet.columns[table] == csv_folder.columns[table]
    loaded = cs.load_results(parquet.path)
    assert loaded.routes == csv_folder.tables["routes"]
    assert cs.compare(loaded, csv_folder.path) == cs.compare(result, result)


def test_every_column_a_run_writes_has_a_declared_type():
    places = ("AZ", "KZ", "sea")
    columns = {c for _, cols in table_files(places, True).values() for c in cols}
    columns |= set(CALIBRATION_COLUMNS)
    assert {column_type(c) for c in columns} == {"int", "float", "text"}
    assert column_type("released_at") == "text" and column_type("teu") == "int"
    assert column_type("days_in_KZ") == "float" and column_type("max_yard_teu") == "float"
    assert column_type("day") == "int" and column_type("period") == "text"
    with pytest.raises(ValueError, match="column 'weekday' has no declared Parquet type"):
        column_type("weekday")


def test_the_schema_is_the_same_whatever_the_data(results, tmp_path):
    """The mini corridor has no countries: its countries table is empty and still typed,
    and node rows (empty stage columns) type like stage rows."""
    empty = results["mini-corridor"].write(tmp_path / "a", file_format="parquet")
    full = results["mini-countries"].write(tmp_path / "b", file_format="parquet")
    for table in ("countries", "segments", "nodes", "services", "summary"):
        a, b = pq.read_schema(empty / f"{table}.parquet"), pq.read_schema(full / f"{table}.parquet")
        assert a.equals(b, check_metadata=True), table
        assert {f.name: str(f.type) for f in a} == {f.name: ARROW[column_type(f.name)]
                                                   for f in a}
    assert pq.ParquetFile(empty / "countries.parquet").metadata.num_rows == 0


def test_parquet_files_are_byte_identical_and_carry_no_write_time(tmp_path):
    scenario = cs.load_scenario(COUNTRIES)
    first = cs.run(scenario, replications=2, seed=5).write(tmp_path / "a", file_format="parquet")
    time.sleep(1.1)  # a stored write time (seconds) would now differ
    _, second = run_to_folder(tmp_path / "b", scenario, replications=2, seed=5,
                              file_format="parquet", workers=2)
    assert table_bytes(first) == table_bytes(second)
    metadata = pq.ParquetFile(first / "shipments.parquet").metadata
    assert set(metadata.metadata) == {b"ARROW:schema"}  # no pandas or writer metadata
    assert metadata.created_by.startswith("parquet-cpp-arrow version")
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["versions"]["pyarrow"] == sys.modules["pyarrow"].__version__


def test_streamed_shipments_have_a_row_group_per_replication(tmp_path):
    _, out = run_to_folder(tmp_path / "s", cs.load_scenario(MINI), replications=3, seed=2,
                           file_format="parquet", stops=True, workers=1)
    for table in ("shipments", "stops"):
        file = pq.ParquetFile(out / f"{table}.parquet")
        groups = [file.read_row_group(i).column("replication").to_pylist()
                  for i in range(file.num_row_groups)]
        assert [set(g) for g in groups] == [{0}, {1}, {2}], table
    manifest = json.loads((out / "manifest.json").read_text())
    assert "shipments.parquet" in manifest["files"] and "shipments.csv" not in manifest["files"]


def test_cli_run_and_calibrate_write_parquet(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(MINI), "-n", "1", "-w", "1", "--format", "parquet",
                 "--out", str(out)]) == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".json", *[".parquet"] * 12, ".yaml"]
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  - {id: med, what: median, band: [1, 200], source: test,\n"
                       "     metric: {statistic: median, corridor: northern}}\n")
    cal = tmp_path / "cal"
    assert main(["calibrate", str(MINI), "--targets", str(targets), "-n", "2", "-w", "1",
                 "--format", "parquet", "--out", str(cal)]) == 0
    (row,) = read_results_folder(cal).tables["calibration"]
    assert row["target"] == "med" and row["band_low"] == 1.0 and row["passed"] == "yes"
    assert pq.read_schema(cal / "calibration.parquet").field("replications").type == "int64"


@pytest.mark.parametrize("command", ["run", "calibrate"])
def test_missing_pyarrow_is_one_line_and_nothing_runs(tmp_path, monkeypatch, capsys, command):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "out"
    assert main([command, str(MINI), "-n", "2", "--format", "parquet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == ("corridorsim: error: Parquet files need pyarrow, which is not installed; "
                   "pip install 'corridorsim[parquet]'\n")
    assert not out.exists()
