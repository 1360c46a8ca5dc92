"""Sweeps: points, executors giving identical files, resume after a kill, the frontier,
bad sweep files, and the command line end to end.

Sweeps here run on ``tests/scenarios/mini-corridor.yaml`` (a replication takes a few
hundredths of a second), with 2 replications and small grids.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import corridorsim as cs
from corridorsim.cli import main
from corridorsim.errors import ScenarioError
from corridorsim.experiment.progress import Progress
from corridorsim.experiment.sweep_files import load_sweep

from ..conftest import assert_sweep_refused, sweep_tables, write_sweep_file

TESTS = Path(__file__).parent.parent
MINI = TESTS / "scenarios" / "mini-corridor.yaml"
REPO = TESTS.parent
SHIPPED = REPO / "sweeps"

DIGITIZATION = {"keys": ["borders.east_border.customs.digitization",
                         "ports.port_e.customs.digitization"], "values": [0.0, 1.0]}
VESSELS = {"keys": ["vessel_services.feeder.vessels"], "values": [2, 4]}


def write_sweep(folder: Path, name: str = "mini-sweep", base: Path = MINI,
                **fields: Any) -> Path:
    """A sweep file in ``folder`` whose ``base`` is given relative to it."""
    return write_sweep_file(folder, name, base, **{
        "factors": {"digitization": DIGITIZATION, "vessels": VESSELS}, **fields})


files = sweep_tables


# --- points ---------------------------------------------------------------------------------

def test_grid_has_every_combination_in_order(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path, factors={
        "digitization": DIGITIZATION,
        "vessels": {"keys": ["vessel_services.feeder.vessels"], "values": [2, 3, 5]}}))
    assert [p.values for p in sweep.points] == [
        {"digitization": d, "vessels": v} for d in (0.0, 1.0) for v in (2, 3, 5)]
    for point, scenario in zip(sweep.points, sweep.scenarios, strict=True):
        assert scenario.vessel_services["feeder"].vessels == point.values["vessels"]
        assert scenario.borders["east_border"].customs.digitization == point.values["digitization"]
        assert scenario.ports["port_e"].customs.digitization == point.values["digitization"]
    assert sweep.northern_route == "northern_main"


def test_latin_hypercube_is_deterministic_stratified_and_within_ranges(tmp_path: Path) -> None:
    fields = {"design": {"kind": "latin_hypercube", "samples": 8}, "factors": {
        "digitization": {"keys": DIGITIZATION["keys"], "range": [0.2, 0.9]},
        "vessels": {"keys": VESSELS["keys"], "range": [2, 9], "integer": True},
        "share": {"keys": [
            {"key": "flows.china_europe.routes.middle_caspian"},
            {"key": "flows.china_europe.routes.northern_main", "scale": -1, "offset": 1}],
            "range": [0.1, 0.5]}}}
    first = load_sweep(write_sweep(tmp_path, **fields))
    again = load_sweep(write_sweep(tmp_path, **fields))
    assert [p.values for p in first.points] == [p.values for p in again.points]
    assert len(first.points) == 8
    digit = [p.values["digitization"] for p in first.points]
    vessels = [p.values["vessels"] for p in first.points]
    assert all(0.2 <= d <= 0.9 for d in digit)
    assert all(isinstance(v, int) and 2 <= v <= 9 for v in vessels)
    # Latin hypercube: one sample in each of the 8 equal slices of every range
    assert sorted(int((d - 0.2) / 0.7 * 8) for d in digit) == list(range(8))
    assert sorted(vessels) == list(range(2, 10))
    for point, scenario in zip(first.points, first.scenarios, strict=True):
        shares = scenario.flows["china_europe"].routes
        assert shares["middle_caspian"] == pytest.approx(point.values["share"])
        assert shares["northern_main"] == pytest.approx(1 - point.values["share"])
    other_seed = load_sweep(write_sweep(tmp_path, seed=6, **fields))
    assert [p.values for p in other_seed.points] != [p.values for p in first.points]


# --- executors and numbers ------------------------------------------------------------------

def test_serial_and_process_pool_write_identical_files(tmp_path: Path) -> None:
    path = write_sweep(tmp_path)
    serial = cs.sweep(path, serial=True, out=tmp_path / "serial")
    pool = cs.sweep(path, workers=2, out=tmp_path / "pool")
    assert serial.manifest["executor"].startswith("serial")
    assert pool.manifest["executor"].startswith("process pool")
    assert files(serial.out) == files(pool.out)
    assert sorted(os.listdir(serial.out / "tasks")) == sorted(os.listdir(pool.out / "tasks"))
    assert len(serial.rows) > 0 and serial.tasks_run == 8


def test_dask_local_cluster_writes_identical_files(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    path = write_sweep(tmp_path)
    serial = cs.sweep(path, serial=True, out=tmp_path / "serial")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        dask = cs.sweep(path, scheduler=cluster.scheduler_address, out=tmp_path / "dask")
    assert dask.manifest["executor"].startswith("dask")
    assert dask.tasks_run == 8
    assert files(serial.out) == files(dask.out)


def test_missing_dask_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    code = main(["sweep", str(write_sweep(tmp_path)), "--scheduler", "tcp://127.0.0.1:1",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert "pip install corridorsim[dask]" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_progress_lines_without_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(20, already=4, stream=stream)
    for _ in range(16):
        progress.advance()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "4 of 20 tasks already done (resuming)"
    assert [line.split()[0] for line in lines[1:]] == [
        "6/20", "8/20", "10/20", "12/20", "14/20", "16/20", "18/20", "20/20"]
    assert "\r" not in stream.getvalue() and "ETA" in lines[1]


def test_point_numbers_match_corridorsim_run(tmp_path: Path) -> None:
    """A one-point sweep reports what ``cs.run`` reports for the same scenario and seed."""
    path = write_sweep(tmp_path, factors={"vessels": {"keys": VESSELS["keys"],
                                                      "values": [4]}})
    result = cs.sweep(path, serial=True, out=tmp_path / "out")
    run = cs.run(cs.load_scenario(MINI).with_overrides({"vessel_services.feeder.vessels": 4}),
                 replications=2, seed=5)
    summary = {(r["scope"], r["name"], r["kpi"]): r for r in run.summary}
    compared = 0
    for row in result.rows:
        if row["scope"] in ("route", "corridor"):
            expected = summary[(row["scope"], row["name"], row["kpi"])]
            assert (row["mean"], row["ci_low"], row["ci_high"], row["n"]) == (
                expected["mean"], expected["ci_low"], expected["ci_high"],
                expected["replications"])
            compared += 1
    assert compared >= 8 * 3
    gap = next(r for r in result.rows if r["scope"] == "gap"
               and r["kpi"] == "median_transit_days")
    pairs = [(m["median_transit_days"], n["median_transit_days"])
             for m, n in zip((g for g in run.tables["groups"] if g["scope"] == "corridor"
                              and g["name"] == "middle"),
                             (r for r in run.routes if r["route"] == "northern_main"),
                             strict=True)]
    assert gap["mean"] == pytest.approx(sum(a - b for a, b in pairs) / 2, abs=1e-4)


# --- resume ---------------------------------------------------------------------------------

def _slow_base(folder: Path) -> Path:
    """The mini scenario over a longer horizon, so that tasks take a little while."""
    path = folder / "slow.yaml"
    path.write_text(f"extends: {MINI}\nname: slow\nhorizon: 400d\n", encoding="utf-8")
    return path


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "corridorsim", *args]


def _task_files(folder: Path) -> list[Path]:
    tasks = folder / "tasks"
    return sorted(tasks.glob("*.json")) if tasks.exists() else []


def _start_and_wait(command: list[str], out: Path, at_least: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while len(_task_files(out)) < at_least:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no task files appeared"
        time.sleep(0.05)
    return process


def test_killed_sweep_resumes_without_rerunning_finished_tasks(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, base=_slow_base(tmp_path), replications=4)
    total = 2 * 2 * 4
    out = tmp_path / "killed"
    process = _start_and_wait(_cli("sweep", str(path), "--workers", "2", "--out", str(out)),
                              out, at_least=2)
    os.killpg(process.pid, signal.SIGKILL)  # the CLI and its worker processes
    process.wait()
    before = {p.name: p.stat().st_mtime_ns for p in _task_files(out)}
    assert 2 <= len(before) < total, "the kill came too late to test a resume"
    assert not (out / "sweep.csv").exists()

    done = subprocess.run(_cli("sweep", str(path), "--workers", "2", "--out", str(out)),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = {p.name: p.stat().st_mtime_ns for p in _task_files(out)}
    assert len(after) == total
    assert {name: after[name] for name in before} == before  # finished tasks not rerun
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tasks"] == {"total": total, "run": total - len(before),
                                 "reused": len(before)}

    whole = cs.sweep(path, workers=2, out=tmp_path / "whole")
    assert files(out) == files(whole.out)


def test_ctrl_c_saves_tasks_and_says_how_to_resume(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, base=_slow_base(tmp_path), replications=6)  # 24 tasks
    out = tmp_path / "out"
    process = _start_and_wait(_cli("sweep", str(path), "--workers", "2", "--out", str(out)),
                              out, at_least=1)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    _, err = process.communicate(timeout=60)
    text = err.decode()
    if process.returncode == 0:
        pytest.skip("the sweep finished before the interrupt arrived")
    assert process.returncode == 130, text
    assert "Traceback" not in text
    saved = len(_task_files(out))
    assert f"{saved} of 24 tasks are saved" in text
    assert "run the same command again to resume" in text


# --- frontier -------------------------------------------------------------------------------

def _frontier(result: cs.SweepResult, factor: str) -> list[dict[str, Any]]:
    return [r for r in result.frontier if r["factor"] == factor]


def test_frontier_against_a_target(tmp_path: Path) -> None:
    """On the mini corridor 2 feeders leave the Middle route near 37 days and 4 feeders
    near 16: with a 20-day target the frontier is 4 feeders, whatever the digitization."""
    vessels = {"keys": VESSELS["keys"], "values": [2, 4, 6]}
    path = write_sweep(tmp_path, target_days=20,
                       factors={"digitization": DIGITIZATION, "vessels": vessels})
    result = cs.sweep(path, serial=True, out=tmp_path / "out")
    rows = _frontier(result, "vessels")
    assert [(r["digitization"], r["vessels"]) for r in rows] == [(0.0, 4), (1.0, 4)]
    for row in rows:
        assert row["criterion"] == "median <= 20 d"
        assert row["middle_median_days"] <= 20 and row["gap_days"] <= 0
        assert row["gap_days"] == pytest.approx(row["middle_median_days"] - 20)
    two = [o for o in result.overview() if o["vessels"] == 2]
    assert len(two) == 2 and all(o["middle_median"] > 20 for o in two)
    # digitization alone never reaches the target with 2 feeders
    notes = {r["vessels"]: r for r in _frontier(result, "digitization")}
    assert notes[2]["digitization"] is None
    assert notes[2]["note"].startswith("not reached within the swept range (max value 1.0: "
                                       "gap +")
    assert notes[6]["digitization"] == 0.0 and notes[6]["note"] == ""
    text = (result.out / "frontier.csv").read_text(encoding="utf-8")
    assert "not reached within the swept range" in text


def test_frontier_against_the_northern_route(tmp_path: Path) -> None:
    """Slowing the Northern route's long rail leg makes the Middle Corridor faster."""
    speed = {"keys": ["legs.east-west.speed_kmh"], "values": [8, 15, 30]}
    path = write_sweep(tmp_path, factors={"northern_speed": speed,
                                          "vessels": {"keys": VESSELS["keys"], "values": [4]}})
    result = cs.sweep(path, serial=True, out=tmp_path / "out")
    (row,) = _frontier(result, "northern_speed")
    assert row["northern_speed"] == 8 and row["criterion"] == "median <= northern_main median"
    assert row["gap_days"] < 0 and row["gap_ci_high"] < 0
    gaps = {o["northern_speed"]: o["gap"] for o in result.overview()}
    assert gaps[8] < 0 < gaps[30]
    # 'smallest value' on the way up: speeds 8 and 30 decide, the row agrees with sweep.csv
    assert row["gap_days"] == gaps[8]


def test_latin_hypercube_frontier_says_it_needs_a_grid(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, design={"kind": "latin_hypercube", "samples": 3}, factors={
        "vessels": {"keys": VESSELS["keys"], "range": [1, 2], "integer": True}})
    result = cs.sweep(path, serial=True, out=tmp_path / "out")
    (row,) = result.frontier
    assert row["point"] is None
    assert row["note"].startswith("no sampled point meets the criterion (closest: point ")
    assert "needs a grid design" in row["note"]


# --- bad sweep files ------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "key_path", "expected"), [
    ({"factors": {"digitization": {"keys": ["borders.east_border.customs.digitisation"],
                                   "values": [0.5]}}},
     "factors.digitization.keys.0", "did you mean 'digitization'?"),
    ({"factors": {"vessels": {"keys": ["vessel_services.ferry.vessels"], "values": [2]}}},
     "factors.vessels.keys.0", "does not exist in the base scenario"),
    ({"factors": {"digitization": {"keys": DIGITIZATION["keys"], "values": [0.5, 1.5]}}},
     "factors.digitization", "value 1.5 (point 1) gives an invalid scenario: "
                             "borders.east_border.customs.digitization"),
    ({"factors": {"vessels": {"keys": VESSELS["keys"], "values": [0]}}},
     "factors.vessels", "value 0 (point 0) gives an invalid scenario"),
    ({"base": "no-such-scenario.yaml"}, "base", "not found"),
    ({"replication": 3}, "replication", "did you mean 'replications'?"),
    ({"factors": {"vessels": {"keys": VESSELS["keys"], "range": [1, 3]}}},
     "factors.vessels", "a grid design needs 'values'"),
])
def test_bad_sweep_file_is_one_line_naming_file_and_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, Any],
        key_path: str, expected: str) -> None:
    assert_sweep_refused(write_sweep(tmp_path, **fields), capsys, key_path, expected)


def test_sweep_refuses_a_folder_of_other_files(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(cs.RunError, match="not sweep results"):
        cs.sweep(write_sweep(tmp_path), serial=True, out=out)
    assert sorted(os.listdir(out)) == ["notes.txt"]


# --- command line and shipped examples ------------------------------------------------------

def test_shipped_sweep_files_validate() -> None:
    grid = load_sweep(SHIPPED / "digitization-x-caspian-fleet.yaml")
    assert len(grid.points) == 25 and grid.northern_route == "northern_duisburg"
    lhc = load_sweep(SHIPPED / "middle-corridor-lhc.yaml")
    assert len(lhc.points) == 40 and 4 <= len(lhc.factor_names) <= 6
    shares = load_sweep(SHIPPED / "middle-share-x-digitization.yaml")
    assert shares.target_share is not None and len(shares.points) == 25
    for scenario in lhc.scenarios:
        assert scenario.choice is not None
        assert 8000 <= scenario.choice.constant("middle") <= 14000


def test_cli_sweep_end_to_end_on_the_shipped_grid_reduced(tmp_path: Path) -> None:
    """The shipped grid file with two of its points and two replications, as a user runs it."""
    document = yaml.safe_load((SHIPPED / "digitization-x-caspian-fleet.yaml")
                              .read_text(encoding="utf-8"))
    document["base"] = str(REPO / "scenarios" / "baseline-2024.yaml")
    document["replications"] = 2
    document["factors"]["digitization_middle"]["values"] = [0.0, 1.0]
    document["factors"]["caspian_vessels"]["values"] = [4]
    path = tmp_path / "reduced.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run(_cli("sweep", str(path), "--out", str(out), "--workers", "2"),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "northern_duisburg median" in done.stdout and "Results:" in done.stdout
    assert "4/4 tasks" in done.stderr  # progress lines (stderr is not a terminal here)
    header = (out / "sweep.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ("point,digitization_middle,caspian_vessels,scope,name,kpi,n,mean,"
                      "ci_low,ci_high")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["points"][1]["values"] == {"digitization_middle": 1.0, "caspian_vessels": 4}
    assert manifest["replications"] == 2 and len(list((out / "tasks").glob("*.json"))) == 4
    gap = {o["digitization_middle"]: o["gap"] for o in
           cs.sweep(path, serial=True, out=out).overview()}  # all on disk: nothing reruns
    assert gap[1.0] < gap[0.0]  # digitizing the Middle Corridor narrows the gap


def test_sweep_in_library_accepts_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec = cs.experiment.SweepFile(name="m", base=str(MINI), replications=2, seed=5,
                                   factors={"vessels": {"keys": VESSELS["keys"], "values": [4]}})
    result = cs.sweep(spec, serial=True)
    assert result.out == (tmp_path / "results" / "m").resolve()
    assert (result.out / "sweep.csv").exists()


def test_scenario_errors_from_the_library_name_the_sweep_file(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, factors={"vessels": {"keys": VESSELS["keys"],
                                                      "values": [-1]}})
    with pytest.raises(ScenarioError) as info:
        cs.sweep(path, serial=True, out=tmp_path / "out")
    assert info.value.source == path and info.value.key_path == "factors.vessels"


@pytest.mark.parametrize("fail_after", [0, 3])
def test_a_full_disk_is_one_line_saying_what_is_saved(tmp_path: Path, capsys,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      fail_after: int) -> None:
    import errno

    from corridorsim.report import writer

    real = writer.os.replace
    calls = [0]

    def full_disk(source: str, target: str) -> None:
        calls[0] += 1
        if calls[0] > fail_after:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(source, target)

    monkeypatch.setattr(writer.os, "replace", full_disk)
    out = tmp_path / "out"
    code = main(["sweep", str(write_sweep(tmp_path)), "--serial", "--out", str(out)])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if not line[:1].isdigit()]  # progress aside
    assert code == 2 and len(errors) == 1 and "Traceback" not in err
    assert "No space left on device" in err
    assert f"{fail_after} of 8 tasks are saved" in err and "run the same command again" in err
    assert sorted(p.name for p in (out / "tasks").iterdir()) == sorted(
        p.name for p in (out / "tasks").glob("*.json"))  # no half-written task file left
