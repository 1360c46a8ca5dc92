"""Bad scenarios and bad command lines: one line naming file, key and expectation; exit 2.

Each case starts from ``tests/scenarios/mini-corridor.yaml``, breaks one thing,
and runs the command line on it: the user must get exactly one line on stderr
naming the file, the dotted key path and what was expected, exit code 2, no
traceback, and (for ``run``) no results folder and no staging folder left over.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from corridorsim.cli import main

SCENARIOS = Path(__file__).parent.parent / "scenarios"
MINI = SCENARIOS / "mini-corridor.yaml"
BASE: dict[str, Any] = yaml.safe_load(MINI.read_text(encoding="utf-8"))

Mutation = Callable[[dict[str, Any]], None]


def _parent(doc: dict[str, Any], dotted: str) -> tuple[Any, str | int]:
    *parents, last = dotted.split(".")
    target: Any = doc
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    return target, (int(last) if isinstance(target, list) else last)


def setting(dotted: str, value: object) -> Mutation:
    """A mutation setting the key at ``dotted`` (list items by index) to ``value``."""
    def mutate(doc: dict[str, Any]) -> None:
        target, key = _parent(doc, dotted)
        target[key] = value
    return mutate


def renaming(dotted: str, new_name: str) -> Mutation:
    """A mutation renaming the key at ``dotted`` (a misspelling), keeping its value."""
    def mutate(doc: dict[str, Any]) -> None:
        target, key = _parent(doc, dotted)
        target[new_name] = target.pop(key)
    return mutate


def adding(dotted: str, value: object) -> Mutation:
    """A mutation adding a key that the schema does not know."""
    return setting(dotted, value)


def write_scenario(folder: Path, mutation: Mutation | str | None, name: str = "bad.yaml") -> Path:
    """The mini scenario with ``mutation`` applied (or raw text, for broken YAML)."""
    path = folder / name
    if isinstance(mutation, str):
        path.write_text(mutation, encoding="utf-8")
        return path
    doc = copy.deepcopy(BASE)
    if mutation is not None:
        mutation(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


# id, scenario (mutation, raw text, or None for the valid file), extra CLI arguments,
# expected key path (None: the whole file), phrases saying what was expected.
CASES = [
    pytest.param("name: x\nhorizon: [120d, 10d\nwarmup: 3\n", [], None,
                 ["not valid YAML", "line 3"], id="malformed-yaml"),
    pytest.param("name: x\n\thorizon: 120d\n", [], None,
                 ["not valid YAML", "line 2"], id="malformed-yaml-tab"),
    pytest.param("- just\n- a list\n", [], None,
                 ["expected a mapping of scenario keys at the top level"],
                 id="top-level-not-a-mapping"),
    pytest.param(renaming("ports.port_e.berths", "berth"), [], "ports.port_e.berth",
                 ["unknown key", "did you mean 'berths'"], id="unknown-key-in-port"),
    pytest.param(renaming("horizon", "horizn"), [], "horizn",
                 ["unknown key", "did you mean 'horizon'"], id="unknown-key-top-level"),
    pytest.param(adding("warmpu", "5d"), [], "warmpu",
                 ["unknown key", "did you mean 'warmup'"], id="unknown-optional-key-top-level"),
    pytest.param(setting("ports.port_e.berths", "many"), [], "ports.port_e.berths",
                 ["expected a whole number", "'many'"], id="string-for-number"),
    pytest.param(setting("borders.east_border.gauge_change.tracks", 0), [],
                 "borders.east_border.gauge_change.tracks",
                 ["expected a number of at least 1", "got 0"], id="zero-tracks"),
    pytest.param(setting("borders.east_border.customs.exit.lanes", -1), [],
                 "borders.east_border.customs.exit.lanes",
                 ["expected a number of at least 1", "got -1"], id="negative-lanes"),
    pytest.param(setting("vessel_services.feeder.capacity_teu", 0), [],
                 "vessel_services.feeder.capacity_teu",
                 ["expected a number of at least 1", "got 0"], id="zero-vessel-capacity"),
    pytest.param(setting("borders.east_border.gauge_change.trains_per_day", 0), [],
                 "borders.east_border.gauge_change.trains_per_day",
                 ["expected a number of at least 0.001", "got 0"], id="zero-trains-per-day"),
    pytest.param(setting("customs_regimes.paper.inspection_probability", 1.5), [],
                 "customs_regimes.paper.inspection_probability",
                 ["expected a number of at most 1", "got 1.5"],
                 id="probability-above-one"),
    pytest.param(setting("digitization", -0.1), [], "digitization",
                 ["expected a number of at least 0", "got -0.1"],
                 id="probability-below-zero"),
    pytest.param(setting("flows.china_europe.routes.northern_main", 1.2), [],
                 "flows.china_europe.routes.northern_main",
                 ["expected a number of at most 1", "got 1.2"],
                 id="route-share-above-one"),
    pytest.param(setting("routes.northern_main.2", "nowhere"), [], "routes.northern_main.2",
                 ["unknown node 'nowhere'", "expected one of", "'west_border'"],
                 id="unknown-node-in-route"),
    pytest.param(setting("routes.northern_main", ["hub", "east_border", "europe"]), [],
                 "routes.northern_main.2",
                 ["no leg from 'east_border' to 'europe'", "add one under 'legs'"],
                 id="route-step-without-leg"),
    pytest.param(setting("vessel_services.feeder.ports.0", "port_x"), [],
                 "vessel_services.feeder.ports.0",
                 ["unknown port 'port_x'", "expected one of 'port_e', 'port_w'"],
                 id="vessel-service-unknown-port"),
    pytest.param(setting("legs.caspian.service", "ferry"), [], "legs.caspian.service",
                 ["unknown vessel service 'ferry'", "expected one of 'feeder'"],
                 id="sea-leg-unknown-service"),
    pytest.param(setting("costs.empty_return_share", 1.5), [], "costs.empty_return_share",
                 ["expected a number of at most 1", "got 1.5"],
                 id="empty-return-share-above-one"),
    pytest.param(setting("costs.platform_usd_per_teu_km", -0.1), [],
                 "costs.platform_usd_per_teu_km",
                 ["expected a number of at least 0", "got -0.1"], id="negative-platform-hire"),
    pytest.param(setting("costs.safety_stock_usd_per_teu_day", "a lot"), [],
                 "costs.safety_stock_usd_per_teu_day", ["expected a number", "'a lot'"],
                 id="safety-stock-not-a-number"),
    pytest.param(renaming("costs.time_value_usd_per_teu_day", "insurance_usd_per_teu"), [],
                 "costs.insurance_usd_per_teu", ["unknown key"], id="unknown-cost-key"),
    pytest.param(setting("warmup", "120d"), [], "warmup",
                 ["must be shorter than the horizon"], id="warmup-equals-horizon"),
    pytest.param(setting("warmup", "200d"), [], "warmup",
                 ["must be shorter than the horizon"], id="warmup-beyond-horizon"),
    pytest.param(setting("extends", "no-such-parent.yaml"), [], "extends",
                 ["'no-such-parent.yaml' not found", "expected the path of another scenario"],
                 id="extends-missing-file"),
    pytest.param(setting("borders.west_border.gauge_change.service_time", "36 parsecs"), [],
                 "borders.west_border.gauge_change.service_time",
                 ["unknown time unit 'parsecs'", "use one of"], id="bad-duration-unit"),
    pytest.param(setting("borders.east_border.gauge_change.service_time.low", "36 parsecs"),
                 [], "borders.east_border.gauge_change.service_time.low",
                 ["unknown time unit 'parsecs'", "use one of"],
                 id="bad-duration-unit-in-distribution"),
    pytest.param(setting("terminals.hub.country", "XX"), [], "terminals.hub.country",
                 ["expected an ISO 3166-1 alpha-2 country code", "got 'XX'"],
                 id="unknown-country-code"),
    pytest.param(setting("terminals.hub.country", "kz"), [], "terminals.hub.country",
                 ["expected an ISO 3166-1 alpha-2 country code in capitals", "got 'kz'"],
                 id="lower-case-country-code"),
    # A country on one node only: every other node and rail leg is a problem, one line
    # each (tests/functional/test_every_problem.py).
    pytest.param(setting("segments", {"east_to_hub": ["east_border", "hub"]}), [],
                 "segments.east_to_hub",
                 ["no reported route visits 'east_border' and then 'hub'"],
                 id="segment-out-of-order"),
    pytest.param(setting("segments", {"s": ["hub", "nowhere"]}), [], "segments.s.1",
                 ["unknown node 'nowhere'", "expected one of"], id="segment-unknown-node"),
    pytest.param(setting("segments", {"s": ["port_w", "port_e"]}), [], "segments.s",
                 ["no reported route visits 'port_w' and then 'port_e'"],
                 id="segment-on-no-reported-route"),
    pytest.param(setting("flows.china_europe.priority", 1.5), [],
                 "flows.china_europe.priority", ["expected a whole number", "got 1.5"],
                 id="priority-not-an-integer"),
    pytest.param(setting("borders.east_border.operations",
                         [{"kind": "interchange", "servers": 0, "service_time": "2h"}]), [],
                 "borders.east_border.operations.0.servers",
                 ["expected a number of at least 1", "got 0"], id="operation-without-servers"),
    pytest.param(setting("borders.east_border.operations",
                         [{"kind": "interchange", "service_time": "2h"}]), [],
                 "borders.east_border.operations.0.servers",
                 ["missing"], id="operation-servers-missing"),
    pytest.param(setting("borders.east_border.operations",
                         [{"kind": "shunting", "servers": 1, "service_time": "2h"}]), [],
                 "borders.east_border.operations.0.kind",
                 ["'interchange'", "'marshalling'"], id="operation-unknown-kind"),
    pytest.param(None, ["--set", "digitization=2"], "digitization",
                 ["expected a number of at most 1", "got 2"],
                 id="set-invalid-value"),
    pytest.param(None, ["--set", "borders.east_border.gauge_change.tracks=0"],
                 "borders.east_border.gauge_change.tracks",
                 ["expected a number of at least 1"], id="set-invalid-nested-value"),
    # Dated changes (issue 15): each problem names the change and the key.
    pytest.param(setting("changes", {"early": {"at": "2023-12-01",
                                               "set": {"ports.port_e.berths": 3}}}), [],
                 "changes.early.at", ["before the run starts", "start_date 2024-01-01"],
                 id="change-before-the-run"),
    pytest.param(setting("changes", {"cut": {"at": "2024-02-01", "until": "2024-01-15",
                                             "set": {"ports.port_e.berths": 1}}}), [],
                 "changes.cut", ["until (2024-01-15T00:00:00) must be later than at"],
                 id="change-until-before-at"),
    pytest.param(setting("changes", {
        "a": {"at": "2024-02-01", "set": {"ports.port_e.berths": 3}},
        "b": {"at": "2024-02-01", "until": "2024-03-01", "set": {"ports.port_e.berths": 1}}}),
        [], "changes.b.set.ports.port_e.berths",
        ["change 'a' sets ports.port_e.berths from the same date", "neither comes first"],
        id="changes-same-key-no-order"),
    pytest.param(setting("changes", {"cut": {"at": "2024-02-01",
                                             "set": {"ports.port_e.berthz": 3}}}), [],
                 "changes.cut.set.ports.port_e.berthz",
                 ["unknown key", "did you mean 'berths'", "in the scenario from 2024-02-01"],
                 id="change-unknown-key"),
    pytest.param(setting("changes", {"cut": {"at": "2024-02-01",
                                             "set": {"ports.port_x.berths": 3}}}), [],
                 "changes.cut.set.ports.port_x.berths", ["unknown port 'port_x'"],
                 id="change-unknown-node"),
    pytest.param(setting("changes", {"move": {"at": "2024-02-01",
                                              "set": {"routes.northern_main.1": "port_e"}}}),
                 [], "changes.move.set.routes.northern_main.1",
                 ["cannot change during a run", "what can: the servers of every stage"],
                 id="change-unchangeable-key"),
    pytest.param(setting("changes", {"cut": {"at": "2024-02-01",
                                             "set": {"ports.port_e.berths": 0}}}), [],
                 "changes.cut.set.ports.port_e.berths",
                 ["expected a number of at least 1", "got 0", "in the scenario from 2024-02-01"],
                 id="change-invalid-value"),
    pytest.param(setting("changes", {"gauge": {"at": "2024-02-01", "set": {
        "ports.port_e.customs.entry": {"lanes": 1}}}}), [],
                 "changes.gauge.set.ports.port_e.customs.entry",
                 ["ports.port_e.customs.entry.lanes cannot change during a run",
                  "would change what is built"], id="change-adds-a-stage"),
    # Regional closures and outages (issue 15).
    pytest.param(setting("closures.storms.at", ["port_e", "port_x"]), [],
                 "closures.storms.at.1", ["unknown node or leg 'port_x'"],
                 id="regional-closure-unknown-place"),
    pytest.param(setting("closures.storms.at", ["port_e", "port_w", "port_e"]), [],
                 "closures.storms.at.2", ["'port_e' is listed twice"],
                 id="regional-closure-place-twice"),
    pytest.param(setting("closures.storms.at", []), [], "closures.storms.at",
                 ["a list of at least one", "got an empty list"], id="regional-closure-empty"),
    pytest.param(setting("closures.storms.at", ["port_e", 3]), [], "closures.storms.at",
                 ["expected node or leg names, got 3 at position 1"],
                 id="regional-closure-not-a-name"),
    pytest.param(setting("closures.cranes", {
        "kind": "outage", "at": "east_border", "stage": "cranes", "servers": 1,
        "start": "2024-02-01", "end": "2024-02-03"}), [], "closures.cranes.stage",
                 ["node 'east_border' has no stage 'cranes'",
                  "its stages are exit_customs, entry_customs, gauge_change"],
                 id="outage-unknown-stage"),
    pytest.param(setting("closures.cranes", {
        "kind": "outage", "at": "east-west", "stage": "tracks",
        "start": "2024-02-01", "end": "2024-02-03"}), [], "closures.cranes.at",
                 ["unknown node 'east-west'", "a leg has no stages"], id="outage-on-a-leg"),
    pytest.param(setting("closures.cranes", {
        "kind": "outage", "at": "port_e", "stage": "berths", "interrupts": True,
        "start": "2024-02-01", "end": "2024-02-03"}), [], "closures.cranes.interrupts",
                 ["vessels keep their berth", "interrupts: false at berths"],
                 id="outage-interrupting-berths"),
    pytest.param(setting("closures.cranes", {
        "kind": "outage", "at": "east_border", "stage": "gauge_change",
        "time_between_failures": "10d"}), [], "closures.cranes",
                 ["random outages need repair_time too"], id="outage-without-repair-time"),
    pytest.param(setting("closures.cranes", {
        "kind": "outage", "at": "east_border", "stage": "gauge_change",
        "time_between_failures": "10d", "repair_time": "1d", "start": "2024-02-01",
        "end": "2024-02-03"}), [], "closures.cranes",
                 ["either time_between_failures and repair_time", "or start and end"],
                 id="outage-random-and-dated"),
    pytest.param(setting("closures.cranes", {
        "kind": "outage", "at": "east_border", "stage": "gauge_change",
        "time_between_failures": "0h", "repair_time": "1d"}), [], "closures.cranes",
                 ["time_between_failures must have a mean above 0"],
                 id="outage-failing-all-the-time"),
    pytest.param(setting("vessel_services.feeder.breakdowns", [
        {"class": "tanker", "time_between_failures": "30d", "repair_time": "3d"}]), [],
                 "vessel_services.feeder.breakdowns.0.class",
                 ["unknown vessel class 'tanker'", "expected one of 'class_1'"],
                 id="vessel-breakdowns-unknown-class"),
    pytest.param(setting("vessel_services.feeder.breakdowns", [
        {"time_between_failures": "0h", "repair_time": "3d"}]), [],
                 "vessel_services.feeder.breakdowns.0",
                 ["time_between_failures must have a mean above 0"],
                 id="vessel-breakdowns-failing-all-the-time"),
]

COMMANDS = ["validate", "run"]


def command_line(command: str, scenario: Path, extra: list[str], out: Path) -> list[str]:
    argv = [command, str(scenario), *extra]
    if command == "run":
        argv += ["--out", str(out), "--replications", "1"]
    return argv


def assert_one_line_error(stderr: str, scenario: Path, key_path: str | None,
                          expected: list[str]) -> str:
    assert "Traceback" not in stderr
    line = stderr.rstrip("\n")
    assert line, "nothing on stderr"
    assert "\n" not in line, f"expected one line on stderr, got:\n{stderr}"
    where = f"{scenario}: " if key_path is None else f"{scenario}: {key_path}: "
    assert where in line, f"{where!r} not in {line!r}"
    for phrase in expected:
        assert phrase in line, f"{phrase!r} not in {line!r}"
    return line


def assert_nothing_written(folder: Path, inputs: set[str]) -> None:
    """Only the input files remain: no results folder, no hidden staging folder."""
    left = {p.name for p in folder.iterdir()}
    assert left == inputs, f"unexpected files left in {folder}: {sorted(left - inputs)}"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("scenario", "extra", "key_path", "expected"), CASES)
def test_bad_scenario_is_one_line_with_exit_code_2(
        command, scenario, extra, key_path, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a default results/ folder would land here too
    path = write_scenario(tmp_path, scenario)
    out = tmp_path / "out"

    code = main(command_line(command, path, extra, out))

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert_one_line_error(captured.err, path, key_path, expected)
    assert not out.exists()
    assert_nothing_written(tmp_path, {path.name})


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_file_is_one_line_with_exit_code_2(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "no-such-scenario.yaml"
    out = tmp_path / "out"

    code = main(command_line(command, path, [], out))

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert_one_line_error(captured.err, path, None,
                          ["file not found", "expected a scenario YAML file"])
    assert_nothing_written(tmp_path, set())


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("override", ["digitization", "=0.5"])
def test_set_without_key_and_value_is_one_line_with_exit_code_2(
        command, override, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_scenario(tmp_path, None, name="ok.yaml")
    out = tmp_path / "out"

    code = main(command_line(command, path, ["--set", override], out))

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    line = captured.err.rstrip("\n")
    assert "Traceback" not in line and "\n" not in line
    assert f"--set {override!r}" in line
    assert "expected key.path=value" in line
    assert_nothing_written(tmp_path, {path.name})


def test_set_without_value_names_the_file(tmp_path, capsys):
    path = write_scenario(tmp_path, None, name="ok.yaml")

    assert main(["validate", str(path), "--set", "digitization"]) == 2

    assert_one_line_error(capsys.readouterr().err, path, None, ["expected key.path=value"])


SUBPROCESS_CASES = [
    pytest.param("run", setting("borders.east_border.gauge_change.tracks", 0), [],
                 "borders.east_border.gauge_change.tracks", ["of at least 1"], id="run-schema"),
    pytest.param("run", "name: x\nhorizon: [120d\n", [], None, ["not valid YAML", "line 3"],
                 id="run-malformed-yaml"),
    pytest.param("run", None, ["--set", "digitization=2"], "digitization",
                 ["of at most 1"], id="run-bad-set"),
    pytest.param("validate", setting("routes.northern_main.2", "nowhere"), [],
                 "routes.northern_main.2", ["unknown node 'nowhere'"],
                 id="validate-cross-reference"),
]


@pytest.mark.parametrize(("command", "scenario", "extra", "key_path", "expected"),
                         SUBPROCESS_CASES)
def test_console_command_prints_no_traceback(command, scenario, extra, key_path, expected,
                                             tmp_path):
    path = write_scenario(tmp_path, scenario)
    out = tmp_path / "out"

    proc = subprocess.run([sys.executable, "-m", "corridorsim",
                           *command_line(command, path, extra, out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert_one_line_error(proc.stderr, path, key_path, expected)
    assert not out.exists()
    assert_nothing_written(tmp_path, {path.name})


@pytest.mark.parametrize("command", ["run", "calibrate"])
def test_an_out_folder_of_another_kind_is_refused_before_the_simulation(
        command, tmp_path, capsys, monkeypatch):
    """A calibrate folder is not replaced by a run (nor the reverse): refused at once, so
    no simulation time is spent and the folder is kept."""
    out = tmp_path / "kept"
    out.mkdir()
    other = "calibrate" if command == "run" else "run"
    (out / "manifest.json").write_text(json.dumps(
        {"written_by": "corridorsim", "folder_kind": other, "files": ["routes.csv"]}))
    (out / "routes.csv").write_text("route\n")
    monkeypatch.setattr("corridorsim.experiment.run", _no_simulation)
    baseline = Path(__file__).parents[2] / "scenarios" / "baseline-2024.yaml"
    code = main([command, str(baseline), "--out", str(out), "--replications", "2"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert f"holds corridorsim {other} results, not {command} results" in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "routes.csv"]


def _no_simulation(*_args, **_kwargs):
    raise AssertionError("the simulation ran")
