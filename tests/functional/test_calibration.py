"""The calibrate command: targets from a data file, model means with intervals, pass/fail."""

from __future__ import annotations

import csv
import statistics

import pytest
import yaml

import corridorsim as cs
from corridorsim.calibration import Targets, calibration_rows, load_targets
from corridorsim.cli import main

from ..conftest import MINI


def targets(*entries: dict) -> Targets:
    return Targets.model_validate({"targets": list(entries)})


def test_metrics_match_a_hand_computation_from_the_shipments(mini_result):
    rows = calibration_rows(mini_result, targets(
        {"id": "med", "what": "m", "band": [0, 100], "source": "s",
         "metric": {"statistic": "median", "route": "northern_main"}},
        {"id": "count", "what": "c", "band": [0, 1e9], "source": "s",
         "metric": {"statistic": "consignments_per_year", "corridor": "middle"}},
        {"id": "ratio", "what": "r", "band": [0, 0.1], "source": "s",
         "ratio": [{"statistic": "mean", "of": ["days_sailing"]},
                   {"statistic": "mean"}]},
    ))
    by_id = {r["target"]: r for r in rows}
    per_rep = []
    for rep in (0, 1):
        days = [r["transit_days"] for r in mini_result.shipments
                if r["replication"] == rep and r["route"] == "northern_main"
                and r["transit_days"] is not None]
        per_rep.append(statistics.median(days))
    assert by_id["med"]["model_mean"] == pytest.approx(statistics.fmean(per_rep), abs=1e-3)
    assert by_id["med"]["passed"] == "yes" and by_id["med"]["replications"] == 2
    years = (mini_result.scenario.horizon - mini_result.scenario.warmup) / (365 * 24)
    middle = [sum(1 for r in mini_result.shipments if r["replication"] == rep
                  and r["corridor"] == "middle") / years for rep in (0, 1)]
    assert by_id["count"]["model_mean"] == pytest.approx(statistics.fmean(middle), abs=1e-3)
    # Sailing is a small, non-zero share of transit on this network (one short sea leg).
    assert 0 < by_id["ratio"]["model_mean"] < 0.1 and by_id["ratio"]["passed"] == "yes"


def test_calibrate_command_writes_calibration_csv(tmp_path, capsys):
    target_file = tmp_path / "targets.yaml"
    target_file.write_text(yaml.safe_dump({"targets": [
        {"id": "northern_median", "what": "median", "band": [1, 200], "source": "test",
         "metric": {"statistic": "median", "corridor": "northern"}},
        {"id": "impossible", "what": "too fast", "band": [0, 1], "source": "test",
         "metric": {"statistic": "median", "corridor": "middle"}}]}))
    out = tmp_path / "cal"
    assert main(["calibrate", str(MINI), "--targets", str(target_file), "-n", "2", "-w", "1",
                 "--out", str(out)]) == 1  # a missed target: exit status 1, results written
    assert "1 of 2 targets met" in capsys.readouterr().out
    with open(out / "calibration.csv", newline="") as handle:
        rows = {r["target"]: r for r in csv.DictReader(handle)}
    assert rows["northern_median"]["passed"] == "yes" and rows["impossible"]["passed"] == "no"
    assert rows["impossible"]["source"] == "test"
    assert (out / "shipments.csv").exists()


def test_a_bad_target_file_is_one_clear_error(tmp_path, capsys):
    bad = tmp_path / "targets.yaml"
    bad.write_text("targets:\n  - id: x\n    what: y\n    band: [1, 2]\n    source: z\n"
                   "    metric: {statistic: mode}\n")
    with pytest.raises(cs.ScenarioError, match=r"targets\.0\.metric\.statistic"):
        load_targets(bad)
    assert main(["calibrate", str(MINI), "--targets", str(bad), "-n", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "targets.yaml" in err


def test_the_reference_target_file_is_valid():
    from ..conftest import REPO

    loaded = load_targets(REPO / "scenarios" / "targets" / "baseline-2024.yaml")
    assert {t.id for t in loaded.targets} >= {"northern_poland_median", "middle_p90",
                                              "transit_ratio", "cost_ratio"}
