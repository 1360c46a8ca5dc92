"""Shared fixtures: test scenario files located relative to this file, never the CWD."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

import corridorsim as cs

TESTS = Path(__file__).parent
REPO = TESTS.parent
MINI = TESTS / "scenarios" / "mini-corridor.yaml"
BASELINE = REPO / "scenarios" / "baseline-2024.yaml"


@pytest.fixture(scope="session")
def mini_scenario() -> cs.Scenario:
    return cs.load_scenario(MINI)


@pytest.fixture(scope="session")
def mini_result(mini_scenario: cs.Scenario) -> cs.RunResult:
    return cs.run(mini_scenario, replications=2, seed=5)


def tiny_sweep(folder: Path) -> cs.SweepResult:
    """A two-point sweep of the mini corridor (the feeder fleet), run serially into
    ``folder / "sweep"``: a real sweep folder in about a second."""
    sweep_file = folder / "s.yaml"
    sweep_file.write_text(yaml.safe_dump({
        "name": "s", "base": str(MINI), "replications": 1, "seed": 5,
        "factors": {"vessels": {"keys": ["vessel_services.feeder.vessels"],
                                "values": [2, 4]}}}))
    return cs.sweep(sweep_file, serial=True, out=folder / "sweep")


def assert_sweep_refused(path: Path, capsys: pytest.CaptureFixture[str], key_path: str,
                         expected: str) -> None:
    """``corridorsim sweep`` refuses the file before anything runs: exit 2, one line
    naming the file, the key path and ``expected``, no results folder."""
    from corridorsim.cli import main

    out = path.parent / "results"
    assert main(["sweep", str(path), "--serial", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    assert lines[0].startswith(f"corridorsim: error: {path}: {key_path}: "), lines[0]
    assert expected in lines[0], lines[0]
    assert not out.exists()


def write_sweep_file(folder: Path, name: str, base: Path, **fields: Any) -> Path:
    """A sweep file ``folder/<name>.yaml`` over ``base`` (given relative to it), 2
    replications from seed 5, with ``fields`` (factors, target...) as given."""
    document: dict[str, Any] = {"name": name, "base": os.path.relpath(base, folder),
                                "replications": 2, "seed": 5, **fields}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def sweep_tables(folder: Path) -> dict[str, bytes]:
    """The bytes of a sweep folder's ``sweep.csv`` and ``frontier.csv``."""
    return {name: (folder / name).read_bytes() for name in ("sweep.csv", "frontier.csv")}
