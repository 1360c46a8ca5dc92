"""Everyday conventions: progress of runs, -q/--quiet and -v/--verbose on every command,
the warm-up that ``warmup: auto`` chose, and the headline answer after ``run``'s table.

Runs here are of ``tests/scenarios/mini-corridor.yaml`` (a replication takes a few
hundredths of a second).
"""

from __future__ import annotations

import csv
import io
import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

import corridorsim as cs
from corridorsim.cli import _print_pointers, main
from corridorsim.experiment.progress import Progress, ReplicationProgress
from corridorsim.report.headline import headline
from corridorsim.report.manifest import scenario_hash

from ..conftest import MINI, TESTS

MINI_COUNTRIES = TESTS / "scenarios" / "mini-countries.yaml"


class Recorder:
    """A ``ReplicationObserver`` that keeps what it is told."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def started(self, phase: str, replications: int, executor: str) -> None:
        self.events.append(("started", phase, replications, executor))

    def finished(self, replication: int, seconds: float) -> None:
        assert seconds > 0
        self.events.append(("finished", replication))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- progress of a run ----------------------------------------------------------------------

def test_a_run_tells_its_observer_each_replication_and_its_results_do_not_change(
        mini_scenario: cs.Scenario, mini_result: cs.RunResult,
        capsys: pytest.CaptureFixture[str]) -> None:
    recorder = Recorder()
    observed = cs.run(mini_scenario, replications=2, seed=5, progress=recorder)
    assert recorder.events == [("started", "replications", 2, "serial (in process)"),
                               ("finished", 0), ("finished", 1)]
    assert observed.tables == mini_result.tables
    assert capsys.readouterr().err == ""  # an observer prints nothing of its own


def test_every_phase_is_told_warm_up_pilot_and_added_replications(
        mini_scenario: cs.Scenario) -> None:
    recorder = Recorder()
    cs.run(mini_scenario.with_overrides({"warmup": "auto"}), replications=2, seed=5,
           workers=2, progress=recorder)
    assert recorder.events == [
        ("started", "warm-up pilot", 2, "process pool, 2 workers"), ("finished", 0),
        ("finished", 1), ("started", "replications", 2, "process pool, 2 workers"),
        ("finished", 0), ("finished", 1)]
    recorder = Recorder()
    result = cs.run(mini_scenario, replications=2, seed=5, target_halfwidth=0.001,
                    max_replications=4, progress=recorder)
    assert len(result.outcomes) == 4
    assert [e[:3] for e in recorder.events if e[0] == "started"] == [
        ("started", "replications", 2), ("started", "more replications", 2)]
    assert [e[1] for e in recorder.events if e[0] == "finished"] == [0, 1, 2, 3]


def test_cs_run_is_silent_by_default_and_shows_progress_when_asked(
        mini_scenario: cs.Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    cs.run(mini_scenario, replications=2, seed=5)
    assert capsys.readouterr() == ("", "")
    cs.run(mini_scenario, replications=2, seed=5, progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split()[:2] for line in lines] == [["1/2", "replications"],
                                                    ["2/2", "replications"]]
    assert "ETA" in lines[0]


def test_replication_progress_grows_its_total_and_verbose_adds_lines() -> None:
    stream = io.StringIO()
    progress = ReplicationProgress(stream=stream, verbose=True)
    progress.started("warm-up pilot", 2, "serial (in process)")
    progress.finished(0, 0.25)
    progress.finished(1, 0.5)
    progress.started("replications", 2, "serial (in process)")
    progress.finished(0, 1.0)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "warm-up pilot: 2 replications on serial (in process)"
    assert lines[1] == "replication 0 done in 0.25 s"
    assert lines[2].startswith("1/2 replications")
    assert lines[3] == "replication 1 done in 0.50 s"
    assert lines[4].startswith("2/2 replications")
    assert lines[5] == "replications: 2 replications on serial (in process)"
    assert lines[6] == "replication 0 done in 1.00 s"
    assert lines[7].startswith("3/4 replications")
    assert len(lines) == 8


def test_on_a_terminal_one_line_is_redrawn_and_notes_go_above_it() -> None:
    stream = Terminal()
    bar = Progress(4, stream=stream, label="replications")
    bar.advance()
    bar.note("replication 0 done in 0.10 s")
    bar.extend(4)
    bar.advance()
    bar.close()
    text = stream.getvalue()
    lines = text.split("\n")
    assert len(lines) == 3 and lines[-1] == ""  # the note's line and the bar's, ended once
    assert lines[0].endswith("\rreplication 0 done in 0.10 s")
    assert "1/4 replications" in lines[0]
    assert lines[1].split("\r")[-1].startswith("[#######") and "2/8 replications" in lines[1]


# --- run: headline, warm-up, pointers ---------------------------------------------------------

def test_run_prints_the_headline_after_its_table_and_the_pointers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mini"
    assert main(["run", str(MINI), "-n", "2", "--seed", "5", "-w", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    answer = headline(read(out / "summary.csv"), read(out / "comparison.csv"),
                      read(out / "corridors.csv"))
    table_end = printed.out.index("(means over replications; ± is the 95% CI half-width)")
    assert printed.out.index(textwrap.fill(answer, width=88)) > table_end
    lines = printed.out.splitlines()
    assert lines[-1] == "Columns explained in results/README.md."
    assert not any(line.startswith("report:") for line in lines)
    assert "Warm-up" not in printed.out  # a fixed warm-up is the scenario's, not chosen
    assert [line.split()[0] for line in printed.err.splitlines()] == ["1/2", "2/2"]


def all_row(result: cs.RunResult, kpi: str) -> dict[str, Any]:
    return next(r for r in result.tables["comparison"] if r["scope"] == "all" and r["kpi"] == kpi)


def test_the_headline_of_a_real_run_gives_its_gap_and_largest_activity(
        mini_scenario: cs.Scenario) -> None:
    result = cs.run(mini_scenario, replications=3)  # the scenario's seed, 11
    gap = all_row(result, "median_transit_days")
    activities = {r["kpi"]: r["difference"] for r in result.tables["comparison"]
                  if r["scope"] == "all" and r["kpi"].startswith("mean_days_")}
    largest = max(activities, key=lambda k: activities[k])
    text = headline(result.summary, result.tables["comparison"])
    assert gap["difference"] > 0 and gap["significant"] == "yes"
    assert text.startswith(f"The Middle Corridor takes {gap['difference']:.1f} ± "
                           f"{gap['half_width']:.1f} days longer than the Northern route "
                           "(median transit, each corridor's routes pooled, 3 replications, "
                           "95% interval). ")
    mean_gap = all_row(result, "mean_transit_days")["difference"]
    assert (f"Its mean transit is {mean_gap:.1f} days longer, mostly waiting for a vessel "
            f"(+{activities[largest]:.1f} d)") in text
    assert largest == "mean_days_vessel_wait"
    assert "By country" not in text  # the mini corridor has no countries


def test_a_real_run_whose_interval_includes_zero_says_no_significant_difference(
        mini_result: cs.RunResult) -> None:
    gap = all_row(mini_result, "median_transit_days")  # 2 replications, seed 5
    assert gap["ci_low"] < 0 < gap["ci_high"] and gap["significant"] == "no"
    text = headline(mini_result.summary, mini_result.tables["comparison"])
    assert text.startswith("The Middle Corridor and the Northern route do not differ "
                           f"significantly: Middle minus Northern is {gap['difference']:+.1f} "
                           f"± {gap['half_width']:.1f} days")
    assert "the corridors spend their days differently: the Middle Corridor more on " \
        "waiting for a vessel (+" in text


def test_a_scenario_with_countries_gets_the_country_sentence() -> None:
    result = cs.run(cs.load_scenario(MINI_COUNTRIES), replications=3)
    text = headline(result.summary, result.tables["comparison"], result.tables["corridors"])
    assert "By country, the extra days are mostly in Poland (+" in text
    assert "in Kazakhstan (+" in text and "partly offset by fewer days in Russia (-" in text


def test_a_report_page_in_the_folder_is_pointed_to(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "report").mkdir()
    _print_pointers(tmp_path)
    assert "report:" not in capsys.readouterr().out
    (tmp_path / "report" / "index.html").write_text("<html></html>", encoding="utf-8")
    _print_pointers(tmp_path)
    assert capsys.readouterr().out.splitlines()[-1] == \
        f"report: {tmp_path / 'report' / 'index.html'}"


def test_the_warm_up_chosen_by_auto_is_printed(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "auto"
    assert main(["run", str(MINI), "-n", "2", "--seed", "5", "--set", "warmup=auto",
                 "--out", str(out)]) == 0
    choice = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["warmup_choice"]
    assert " ".join(capsys.readouterr().out.split()).count(
        f"Warm-up (warmup: auto): {choice['days']} days, chosen by MSER-5 on the daily mean "
        "transit days by release day over 2 pilot replication(s).") == 1


# --- -q/--quiet and -v/--verbose --------------------------------------------------------------

@pytest.mark.parametrize("before", [True, False])
def test_quiet_run_prints_only_the_results_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], before: bool) -> None:
    out = tmp_path / "quiet"
    args = ["run", str(MINI), "-n", "2", "--out", str(out)]
    assert main(["-q", *args] if before else [*args, "--quiet"]) == 0
    assert capsys.readouterr() == (f"{out}\n", "")
    assert (out / "summary.csv").exists()


def test_quiet_still_prints_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "missing.yaml"), "-q"]) == 2
    printed = capsys.readouterr()
    assert printed.out == "" and printed.err.startswith("corridorsim: error: ")
    assert len(printed.err.splitlines()) == 1


def test_verbose_run_adds_replication_lines_executor_and_the_hash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "verbose"
    assert main(["-v", "run", str(MINI), "-n", "2", "-w", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (f"Scenario SHA-256: {manifest['scenario_sha256']} (scenario_sha256 in "
            "manifest.json)") in printed.out.splitlines()
    err = printed.err.splitlines()
    assert err[0] == "replications: 2 replications on serial (in process)"
    assert [line.split(" done in ")[0] for line in err if " done in " in line] == [
        "replication 0", "replication 1"]
    assert all(line.endswith(" s") for line in err if " done in " in line)


def test_quiet_and_verbose_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["-q", "validate", str(MINI), "-v"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "corridorsim: error: -q/--quiet and -v/--verbose: choose one")


def test_validate_quiet_prints_nothing_and_verbose_the_hash(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-q", str(MINI)]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["validate", "--verbose", str(MINI)]) == 0
    out = capsys.readouterr().out
    assert "Scenario 'mini-corridor' is valid." in out
    assert out.splitlines()[-1].endswith(scenario_hash(cs.load_scenario(MINI)))


def test_every_command_takes_quiet_and_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("validate", "run", "calibrate", "compare", "sweep", "sensitivity"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        assert "-q, --quiet" in text and "-v, --verbose" in text, command


def test_compare_quiet_prints_the_folder_and_verbose_every_kpi(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b"):
        assert main(["run", str(MINI), "-n", "2", "-q", "--out", str(tmp_path / name)]) == 0
    capsys.readouterr()
    out = tmp_path / "cmp"
    args = ["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)]
    assert main([*args, "-q"]) == 0
    assert capsys.readouterr() == (f"{out}\n", "")
    assert main(args) == 0
    default = capsys.readouterr().out
    assert main([*args, "-v"]) == 0
    verbose = capsys.readouterr().out
    rows = read(out / "scenario_comparison.csv")
    assert " mean_days_vessel_wait " in verbose and " mean_days_vessel_wait " not in default
    assert len(verbose.splitlines()) == len(rows) + 4  # header, rule, blank, closing line


def test_calibrate_quiet_prints_the_folder_and_keeps_its_exit_status(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": [
        {"id": "impossible", "what": "too fast", "band": [0, 1], "source": "test",
         "metric": {"statistic": "median", "corridor": "middle"}}]}), encoding="utf-8")
    out = tmp_path / "cal"
    args = ["calibrate", str(MINI), "--targets", str(targets), "-n", "2", "--out", str(out)]
    assert main([*args, "-q"]) == 1
    assert capsys.readouterr() == (f"{out}\n", "")
    assert main([*args, "-v", "-w", "1"]) == 1
    printed = capsys.readouterr()
    assert "0 of 1 targets met" in printed.out and "Scenario SHA-256: " in printed.out
    assert "replication 1 done in" in printed.err and "2/2 replications" in printed.err


def write_sweep(folder: Path) -> Path:
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tiny", "base": os.path.relpath(MINI, folder), "replications": 2, "seed": 5,
        "factors": {"vessels": {"keys": ["vessel_services.feeder.vessels"],
                                "values": [2, 4]}}}), encoding="utf-8")
    return path


def test_sweep_quiet_has_no_progress_and_verbose_names_the_executor(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_sweep(tmp_path)
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--serial", "-q", "--out", str(out)]) == 0
    assert capsys.readouterr() == (f"{out}\n", "")
    assert (out / "sweep.csv").exists()
    assert main(["-v", "sweep", str(path), "--serial", "--out", str(tmp_path / "again")]) == 0
    printed = capsys.readouterr()
    manifest = json.loads((tmp_path / "again" / "manifest.json").read_text(encoding="utf-8"))
    assert (f"Executor: serial (in process). Base scenario SHA-256: "
            f"{manifest['base_scenario_sha256']}") in printed.out.splitlines()
    assert "4/4 tasks" in printed.err


def test_sensitivity_quiet_prints_only_the_folder(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("SALib", reason="the sensitivity extra (SALib) is not installed")
    path = tmp_path / "sens.yaml"
    path.write_text(yaml.safe_dump({
        "name": "sens", "base": os.path.relpath(MINI, tmp_path), "replications": 1,
        "seed": 5, "design": {"kind": "morris", "trajectories": 2},
        "factors": {"vessels": {"keys": ["vessel_services.feeder.vessels"], "range": [2, 5],
                                "integer": True},
                    "fee": {"keys": ["borders.east_border.customs_fee_usd_per_teu"],
                            "range": [10, 100]}}}), encoding="utf-8")
    out = tmp_path / "sens-out"
    assert main(["sensitivity", str(path), "--serial", "--quiet", "--out", str(out)]) == 0
    assert capsys.readouterr() == (f"{out}\n", "")
    assert (out / "sensitivity.csv").exists()
