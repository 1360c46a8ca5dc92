"""Sensitivity analysis (Sobol' and Morris designs): a case whose answer is known,
byte-identical indices (twice, serial and pool), resume, bad files, the shipped example.

Like the sweep tests, these run on ``tests/scenarios/mini-corridor.yaml`` (a replication
takes a few hundredths of a second) with 2 replications and few points.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import corridorsim as cs
from corridorsim.cli import main
from corridorsim.experiment.sweep_files import Factor, load_sweep, scaled

pytest.importorskip("SALib")

TESTS = Path(__file__).parent.parent
MINI = TESTS / "scenarios" / "mini-corridor.yaml"
SHIPPED = TESTS.parent / "sweeps"

# The Caspian feeder fleet decides the Middle route's wait for a ship (2 feeders: about
# 37 days door to door, 4: about 16); a customs fee changes no time and no random draw.
VESSELS = {"keys": ["vessel_services.feeder.vessels"], "range": [2, 5], "integer": True}
FEE = {"keys": ["borders.east_border.customs_fee_usd_per_teu"], "range": [10, 100]}
MORRIS = {"kind": "morris", "trajectories": 4}
SOBOL = {"kind": "sobol", "samples": 8}


def write_file(folder: Path, name: str = "mini-sens", **fields: Any) -> Path:
    document: dict[str, Any] = {"name": name, "base": os.path.relpath(MINI, folder),
                                "replications": 2, "seed": 5, "design": MORRIS,
                                "factors": {"vessels": VESSELS, "fee": FEE}}
    document.update(fields)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def index(result: cs.SweepResult, factor: str, name: str) -> dict[str, Any]:
    return next(r for r in result.indices if r["factor"] == factor and r["index"] == name)


def files(folder: Path) -> dict[str, bytes]:
    return {n: (folder / n).read_bytes() for n in ("sensitivity.csv", "sweep.csv",
                                                   "frontier.csv")}


# --- a case whose answer is known -----------------------------------------------------------

def test_morris_finds_the_fleet_and_not_the_fee(tmp_path: Path) -> None:
    result = cs.sensitivity(write_file(tmp_path), serial=True, out=tmp_path / "out")
    assert len(result.sweep.points) == 4 * 3  # r x (factors + 1)
    vessels, fee = index(result, "vessels", "mu_star"), index(result, "fee", "mu_star")
    assert vessels["value"] > 5  # days of gap over 2-5 feeders
    assert vessels["ci_low"] > 0
    assert index(result, "vessels", "mu")["value"] < 0  # more feeders, smaller gap
    # common random numbers: a fee moves no random draw, so its effects are exactly zero
    assert (fee["value"], fee["ci_low"], fee["ci_high"]) == (0.0, 0.0, 0.0)
    assert index(result, "fee", "sigma")["value"] == 0.0
    assert (vessels["rank"], fee["rank"]) == (1, 2)
    assert vessels["points"] == 12 and vessels["replications"] == 2
    assert vessels["output"] == "middle median minus northern_main median (days)"
    # the output is the gap of sweep.csv at each point
    gaps = {o["point"]: o["gap"] for o in result.overview()}
    assert len(gaps) == 12 and all(g is not None for g in gaps.values())
    header = (result.out / "sensitivity.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ("factor,method,index,value,ci_low,ci_high,rank,output,points,"
                      "replications")
    assert result.manifest["sensitivity"]["method"] == "morris"
    assert result.manifest["design"] == {"kind": "morris", "trajectories": 4}


def test_sobol_finds_the_fleet_and_not_the_fee(tmp_path: Path) -> None:
    result = cs.sensitivity(write_file(tmp_path, design=SOBOL), serial=True,
                            out=tmp_path / "out")
    assert len(result.sweep.points) == 8 * (2 + 2)  # N x (factors + 2)
    for name in ("S1", "ST"):
        fee = index(result, "fee", name)
        assert (fee["value"], fee["ci_low"], fee["ci_high"]) == (0.0, 0.0, 0.0)
    assert index(result, "vessels", "ST")["value"] > 0.5
    assert index(result, "vessels", "S1")["value"] > 0.3
    assert index(result, "vessels", "ST")["rank"] == 1
    text = (result.out / "sensitivity.csv").read_text(encoding="utf-8")
    assert [line.split(",")[:3] for line in text.splitlines()[1:]] == [
        ["vessels", "sobol", "S1"], ["vessels", "sobol", "ST"],
        ["fee", "sobol", "S1"], ["fee", "sobol", "ST"]]


def test_integer_factors_are_rounded_as_in_the_latin_hypercube() -> None:
    berths = Factor(keys=["ports.port_e.berths"], range=(1, 3), integer=True)
    assert [scaled(berths, u) for u in (0.0, 1 / 3, 2 / 3, 1.0)] == [1, 2, 3, 3]
    assert [scaled(berths, u) for u in (0.1, 0.34, 0.9)] == [1, 2, 3]
    share = Factor(keys=["x"], range=(0.05, 0.25))
    assert scaled(share, 1 / 3) == 0.116667


# --- reproducible, on any executor, resumable -----------------------------------------------

def test_same_file_twice_gives_identical_files(tmp_path: Path) -> None:
    path = write_file(tmp_path)
    first = cs.sensitivity(path, serial=True, out=tmp_path / "a")
    again = cs.sensitivity(path, serial=True, out=tmp_path / "b")
    assert files(first.out) == files(again.out)
    other = cs.sensitivity(write_file(tmp_path, seed=6), serial=True, out=tmp_path / "c")
    assert [p.values for p in other.sweep.points] != [p.values for p in first.sweep.points]


def test_serial_and_process_pool_give_identical_files(tmp_path: Path) -> None:
    path = write_file(tmp_path, design=SOBOL)
    serial = cs.sensitivity(path, serial=True, out=tmp_path / "serial")
    pool = cs.sensitivity(path, workers=2, out=tmp_path / "pool")
    assert pool.manifest["executor"] == "process pool, 2 workers"
    assert files(serial.out) == files(pool.out)


def test_rerun_reuses_every_task_and_resumes_missing_ones(tmp_path: Path) -> None:
    path = write_file(tmp_path)
    out = tmp_path / "out"
    first = cs.sensitivity(path, serial=True, out=out)
    total = first.tasks_run
    assert total == len(list((out / "tasks").glob("*.json")))
    expected = files(out)
    again = cs.sensitivity(path, serial=True, out=out)
    assert (again.tasks_run, again.tasks_reused) == (0, total)
    assert again.manifest["executor"] == "none (every task was on disk)"
    for task in sorted((out / "tasks").glob("*.json"))[:3]:  # as if killed before these
        task.unlink()
    resumed = cs.sensitivity(path, workers=2, out=out)
    assert (resumed.tasks_run, resumed.tasks_reused) == (3, total - 3)
    assert files(out) == expected


def test_a_grid_sweep_in_the_same_folder_drops_stale_indices(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cs.sensitivity(write_file(tmp_path), serial=True, out=out)
    assert (out / "sensitivity.csv").exists()
    grid = write_file(tmp_path, design={"kind": "grid"}, factors={
        "vessels": {"keys": VESSELS["keys"], "values": [3]}})
    assert cs.sweep(grid, serial=True, out=out).indices == []
    assert not (out / "sensitivity.csv").exists()


# --- bad files ------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "key_path", "expected"), [
    ({"design": {"kind": "fast", "samples": 8}}, "design.kind", "'sobol' or 'morris'"),
    ({"factors": {"vessels": {"keys": VESSELS["keys"], "values": [2, 4]}, "fee": FEE}},
     "factors.vessels", "a Morris design needs 'range: [low, high]' (a list of 'values' "
                        "is for a grid design)"),
    ({"design": {"kind": "sobol", "samples": 10}}, "design.samples", "a power of 2"),
    ({"design": {"kind": "morris"}}, "design.trajectories", "at least 2"),
    ({"design": {"kind": "morris", "trajectories": 4, "levels": 5}}, "design.levels",
     "even number of levels"),
    ({"design": {"kind": "sobol", "samples": 8, "trajectories": 4}}, "design.trajectories",
     "not used by a sobol design"),
    ({"design": {"kind": "latin_hypercube", "samples": 4}}, "design.kind",
     "not a sensitivity analysis"),
])
def test_bad_file_is_one_line_naming_file_and_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, Any],
        key_path: str, expected: str) -> None:
    path = write_file(tmp_path, **fields)
    out = tmp_path / "results"
    assert main(["sensitivity", str(path), "--serial", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"corridorsim: error: {path}: {key_path}: "), lines[0]
    assert expected in lines[0]
    assert not out.exists()


def test_missing_salib_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    for name in [m for m in sys.modules if m == "SALib" or m.startswith("SALib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # imports fail as if not installed
    monkeypatch.setitem(sys.modules, "SALib", None)
    path = write_file(tmp_path)
    assert main(["sensitivity", str(path), "--serial", "--out", str(tmp_path / "out")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"corridorsim: error: {path}: design.kind: ")
    assert "pip install corridorsim[sensitivity]" in line
    assert not (tmp_path / "out").exists()


# --- command line and the shipped example ---------------------------------------------------

def test_cli_prints_factors_by_importance(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = write_file(tmp_path, factors={"fee": FEE, "vessels": VESSELS})
    assert main(["sensitivity", str(path), "--serial", "--out", str(tmp_path / "out")]) == 0
    text = capsys.readouterr().out
    rows = [line.split()[0] for line in text.splitlines()[2:4]]
    assert rows == ["vessels", "fee"]
    assert "mu* (95% CI)" in text and "12 points x 2 replications" in text


def test_shipped_morris_file_matches_the_latin_hypercube_factors() -> None:
    morris = load_sweep(SHIPPED / "middle-corridor-morris.yaml")
    lhc = load_sweep(SHIPPED / "middle-corridor-lhc.yaml")
    assert morris.spec.design.kind == "morris"
    assert morris.spec.factors == lhc.spec.factors
    assert len(morris.points) == morris.spec.design.trajectories * (len(morris.factor_names) + 1)
    assert morris.northern_route == "northern_duisburg"
    for scenario in morris.scenarios:
        assert scenario.choice is not None
        assert 8000 <= scenario.choice.constant("middle") <= 14000


def test_a_point_without_middle_deliveries_is_a_clear_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    share = {"keys": [{"key": "flows.china_europe.routes.middle_caspian"},
                      {"key": "flows.china_europe.routes.northern_main", "scale": -1,
                       "offset": 1}], "range": [0.0, 0.2]}
    path = write_file(tmp_path, factors={"share": share, "fee": FEE})
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--serial", "--out", str(out)]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]  # after the progress lines
    assert line.startswith(f"corridorsim: error: {path}: point ")
    assert "has no Middle Corridor median transit in any replication" in line
    assert (out / "sweep.csv").exists() and not (out / "sensitivity.csv").exists()
