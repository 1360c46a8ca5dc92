"""Back-test: the 2024 baseline reproduces every published band in its target file.

Runs `corridorsim calibrate` as a user would (30 replications, the scenario's seed),
so a change to the engine or to the scenario that moves a figure out of its band fails
here, naming the target, its band and the model's value.
"""

from __future__ import annotations

import csv

import pytest
import yaml

from corridorsim.cli import main

from ..conftest import BASELINE

TARGETS = BASELINE.parent / "targets" / "baseline-2024.yaml"


@pytest.fixture(scope="module")
def calibration(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[dict[str, str]]]:
    out = tmp_path_factory.mktemp("calibration") / "baseline"
    code = main(["calibrate", str(BASELINE), "--out", str(out), "--workers", "2"])
    with open(out / "calibration.csv", newline="") as f:
        return code, list(csv.DictReader(f))


def test_every_published_target_is_checked(calibration):
    _, rows = calibration
    listed = [t["id"] for t in yaml.safe_load(TARGETS.read_text())["targets"]]
    assert [r["target"] for r in rows] == listed
    assert all(r["replications"] == "30" for r in rows)


def test_the_baseline_meets_every_band(calibration):
    code, rows = calibration
    missed = [f"{r['target']}: {float(r['model_mean']):.2f} outside "
              f"[{r['band_low']}, {r['band_high']}]" for r in rows if r["passed"] != "yes"]
    assert not missed, "; ".join(missed)
    assert code == 0


@pytest.mark.parametrize("target", ["middle_p90", "transit_ratio", "cost_ratio"])
def test_the_tuned_figures_are_not_at_a_band_edge(calibration, target):
    """The figures the calibration had to move (see the scenario header) sit inside their
    band with a margin, not on its edge."""
    _, rows = calibration
    row = next(r for r in rows if r["target"] == target)
    low, high = float(row["band_low"]), float(row["band_high"])
    mean = float(row["model_mean"])
    margin = 0.02 * (high - low)
    assert low + margin < mean < high - margin
