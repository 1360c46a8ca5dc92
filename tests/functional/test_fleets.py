"""Fleets as they are, in whole scenarios: the two forms of a fleet give the same results
when they describe the same vessels, a sea leg served by two services reports each
apart and conserves cargo, a drydock window costs sailings, and bad fleet input is one
line naming file, key and expectation, with exit code 2."""

from __future__ import annotations

import copy
import filecmp
from pathlib import Path
from typing import Any

import pytest
import yaml

import corridorsim as cs
from corridorsim.cli import main
from corridorsim.scenario.schema import Scenario
from tests.functional.test_bad_input import (
    BASE,
    assert_nothing_written,
    assert_one_line_error,
    command_line,
)

FEEDER = "vessel_services.feeder"


def mini(changes: dict[str, Any]) -> dict[str, Any]:
    """The mini corridor with dotted keys set (``...`` deletes a key)."""
    doc = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is ...:
            del target[last]
        else:
            target[last] = value
    return doc


def fleet_of(*classes: dict[str, Any]) -> dict[str, Any]:
    """The mini feeder given as ``fleet`` classes instead of ``vessels`` x ``capacity_teu``."""
    return {f"{FEEDER}.vessels": ..., f"{FEEDER}.capacity_teu": ..., f"{FEEDER}.fleet":
            list(classes)}


def written(doc: dict[str, Any], folder: Path) -> Path:
    scenario = Scenario.from_document(doc)
    cs.run(scenario, replications=2, seed=5).write(folder)
    return folder


def same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir() if p.name not in ("manifest.json",
                                                                 "scenario.yaml"))
    assert names == sorted(p.name for p in b.iterdir()
                           if p.name not in ("manifest.json", "scenario.yaml"))
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert (match, mismatch, errors) == (names, [], [])


# --- one fleet, two ways of writing it -------------------------------------------------------


@pytest.mark.parametrize("changes", [
    fleet_of({"vessels": 3, "capacity_teu": 200}),
    fleet_of({"name": "kazmortransflot", "vessels": 1, "capacity_teu": 200},
             {"name": "asco", "vessels": 2, "capacity_teu": 200}),
    {"legs.caspian.service": ..., "legs.caspian.services": ["feeder"]},
], ids=["one-class", "two-equal-classes", "services-list"])
def test_a_fleet_written_as_classes_like_the_single_class_gives_byte_identical_results(
        changes, tmp_path):
    old = written(mini({}), tmp_path / "old")
    new = written(mini(changes), tmp_path / "new")
    same_files(old, new)


def test_a_class_of_bigger_vessels_carries_more_per_sailing(tmp_path):
    result = cs.run(Scenario.from_document(mini(fleet_of(
        {"name": "small", "vessels": 2, "capacity_teu": 200},
        {"name": "big", "vessels": 1, "capacity_teu": 700,
         "sailing_time": {"dist": "uniform", "low": "20h", "high": "26h"}}))),
        replications=1, seed=5)
    rows = [r for r in result.tables["services"] if r["from_port"] == "port_e"]
    (row,) = rows
    # Capacity per sailing lies between the small and the big vessel's.
    assert 200 * row["sailings"] < row["teu_carried"] / row["load_factor"] < \
        700 * row["sailings"]
    assert {"feeder.sailing", "feeder.big.sailing"} <= set(
        result.manifest()["random_streams"]["names"])


# --- a sea leg served by two services --------------------------------------------------------


def two_services() -> dict[str, Any]:
    """The mini corridor's Caspian legs served by the feeder and a rail ferry of 3 x 80
    TEU on a 36-hour timetable, from one cargo queue per direction; warm-up 0, so that
    what the vessels load at a port is what left it on sailings."""
    return mini({
        "warmup": 0,
        "vessel_services.ferry": {
            "ports": ["port_w", "port_e"], "vessels": 3, "capacity_teu": 80,
            "departure": {"policy": "timetable", "headway": "36h"},
            "sailing_time": {"dist": "uniform", "low": "16h", "high": "20h"}},
        "legs.caspian.service": ..., "legs.caspian.services": ["feeder", "ferry"],
        "legs.caspian-back.service": ..., "legs.caspian-back.services": ["ferry", "feeder"],
    })


def test_two_services_on_one_leg_report_apart_and_carry_what_the_ports_load():
    result = cs.run(Scenario.from_document(two_services()), replications=1, seed=5)
    services = result.tables["services"]
    assert sorted((r["service"], r["from_port"]) for r in services) == [
        ("feeder", "port_e"), ("feeder", "port_w"), ("ferry", "port_e"), ("ferry", "port_w")]
    for port in ("port_e", "port_w"):
        rows = [r for r in services if r["from_port"] == port]
        assert all(r["teu_carried"] > 0 for r in rows)  # both take cargo off the queue
        (node,) = [n for n in result.nodes if n["node"] == port]
        assert sum(r["teu_carried"] for r in rows) == pytest.approx(node["loaded_teu"])


def test_a_drydock_window_costs_the_service_sailings():
    def sailings(doc: dict[str, Any]) -> int:
        result = cs.run(Scenario.from_document(doc), replications=1, seed=5)
        return sum(r["sailings"] for r in result.tables["services"])

    window = {"vessels": 2, "start": "2024-02-01", "end": "2024-03-01"}
    assert sailings(mini({f"{FEEDER}.drydock": [window]})) < sailings(mini({}))


# --- bad input -------------------------------------------------------------------------------


CLASS = {"vessels": 2, "capacity_teu": 200}
WINDOW = {"vessels": 1, "start": "2024-02-01", "end": "2024-03-01"}

CASES = [
    pytest.param({f"{FEEDER}.fleet": [CLASS]}, FEEDER,
                 ["give 'fleet' (classes of vessels) or 'vessels' and 'capacity_teu' (one "
                  "class), not both; remove 'vessels'"], id="both-forms"),
    pytest.param({f"{FEEDER}.vessels": ..., f"{FEEDER}.capacity_teu": ...}, FEEDER,
                 ["give 'vessels' and 'capacity_teu' (vessels of one size) or 'fleet' "
                  "(classes of vessels)"], id="neither-form"),
    pytest.param({f"{FEEDER}.capacity_teu": ...}, FEEDER,
                 ["'vessels' needs 'capacity_teu' (or give 'fleet' instead)"],
                 id="vessels-without-capacity"),
    pytest.param(fleet_of(CLASS, {"vessels": 0, "capacity_teu": 700}),
                 f"{FEEDER}.fleet.1.vessels", ["expected a number of at least 1, got 0"],
                 id="class-with-zero-vessels"),
    pytest.param(fleet_of({"name": "asco", **CLASS}, {"name": "asco", **CLASS}), FEEDER,
                 ["two classes of the fleet are called 'asco'"], id="class-name-twice"),
    pytest.param(fleet_of({"name": "class_2", **CLASS}, CLASS), FEEDER,
                 ["two classes of the fleet are called 'class_2'", "class_<its position>"],
                 id="class-name-of-a-default"),
    pytest.param(fleet_of({"name": "big.ships", **CLASS}), f"{FEEDER}.fleet.0.name",
                 ["use up to 50 letters, digits, '-' or '_', starting with a letter, got "
                  "'big.ships'"], id="class-name-with-a-dot"),
    pytest.param({**fleet_of(CLASS), f"{FEEDER}.sailing_time": ...}, FEEDER,
                 ["'sailing_time' is required (the sailing time of every class without "
                  "its own)"], id="no-sailing-time"),
    pytest.param(fleet_of({**CLASS, "capacity": 700}), f"{FEEDER}.fleet.0.capacity",
                 ["unknown key", "did you mean 'capacity_teu'"], id="class-unknown-key"),
    pytest.param({"legs.caspian.services": ["feeder"]}, "legs.caspian",
                 ["give 'service' (one vessel service) or 'services' (a list of them), not "
                  "both"], id="service-and-services"),
    pytest.param({"legs.caspian.service": ...}, "legs.caspian",
                 ["give 'service' (the vessel service that carries cargo here) or "
                  "'services' (a list of them)"], id="no-service"),
    pytest.param({"legs.caspian.service": ..., "legs.caspian.services": ["feeder", "ferry"]},
                 "legs.caspian.services.1",
                 ["unknown vessel service 'ferry'; expected one of 'feeder'"],
                 id="services-unknown"),
    pytest.param({"legs.caspian.service": ..., "legs.caspian.services": ["feeder", "feeder"]},
                 "legs.caspian.services.1", ["vessel service 'feeder' is listed twice"],
                 id="services-twice"),
    pytest.param({"legs.caspian.service": ..., "legs.caspian.services": ["feeder", "other"],
                  "vessel_services.other": {"ports": ["port_e", "port_x"], "vessels": 1,
                                            "capacity_teu": 100, "sailing_time": "1d",
                                            "departure": {"policy": "when_full"}}},
                 "vessel_services.other.ports.1", ["unknown port 'port_x'"],
                 id="services-broken-service-reported-once"),
    pytest.param({f"{FEEDER}.drydock": [{**WINDOW, "class": "asco"}]},
                 f"{FEEDER}.drydock.0.class",
                 ["unknown vessel class 'asco'; expected one of 'class_1'"],
                 id="drydock-unknown-class"),
    pytest.param({f"{FEEDER}.drydock": [{**WINDOW, "vessels": 4}]},
                 f"{FEEDER}.drydock.0.vessels",
                 ["takes 4 vessels out, but the service has 3"], id="drydock-too-many"),
    pytest.param({f"{FEEDER}.drydock": [WINDOW, {**WINDOW, "vessels": 2},
                                        {**WINDOW, "start": "2024-02-15"}]},
                 f"{FEEDER}.drydock.2",
                 ["with the windows under way at its start, 4 vessels are out from "
                  "2024-02-15, but the service has 3"], id="drydock-overlap"),
    pytest.param({**fleet_of({"name": "asco", **CLASS}, {"name": "ktf", **CLASS}),
                  f"{FEEDER}.drydock": [{"class": "asco", "start": "2024-02-01",
                                         "end": "2024-03-01"},
                                        {"class": "asco", "vessels": 1,
                                         "start": "2024-02-10T12:00", "end": "2024-02-20"}]},
                 f"{FEEDER}.drydock.1",
                 ["3 vessels are out from 2024-02-10T12:00, but class 'asco' has 2"],
                 id="drydock-class-overlap"),
    pytest.param({f"{FEEDER}.drydock": [{**WINDOW, "end": "2024-01-15"}]},
                 f"{FEEDER}.drydock.0", ["end must be later than start"],
                 id="drydock-backwards"),
    pytest.param({f"{FEEDER}.drydock": [{"start": "2024-02-01", "end": "2024-03-01"}]},
                 f"{FEEDER}.drydock.0",
                 ["give 'vessels' (how many are out), 'class' (every vessel of that class) "
                  "or both"], id="drydock-neither-vessels-nor-class"),
    pytest.param({f"{FEEDER}.drydock": [{**WINDOW, "start": 20240201}]},
                 f"{FEEDER}.drydock.0.start", ["expected a date such as 2024-09-12"],
                 id="drydock-number-for-date"),
]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(("changes", "key_path", "expected"), CASES)
def test_bad_fleet_input_is_one_line_with_exit_code_2(command, changes, key_path, expected,
                                                       tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(mini(changes), sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"

    code = main(command_line(command, path, [], out))

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert_one_line_error(captured.err, path, key_path, expected)
    assert_nothing_written(tmp_path, {path.name})


def test_setting_vessels_on_a_fleet_of_classes_names_the_way_to_do_it(tmp_path, capsys):
    path = tmp_path / "classes.yaml"
    path.write_text(yaml.safe_dump(mini(fleet_of(CLASS, CLASS)), sort_keys=False))
    code = main(["validate", str(path), "--set", f"{FEEDER}.vessels=4"])
    assert code == 2
    assert_one_line_error(capsys.readouterr().err, path, FEEDER, ["remove 'vessels'"])
    assert main(["validate", str(path), "--set", f"{FEEDER}.fleet.1.vessels=4"]) == 0


def test_a_scenario_with_classes_drydock_and_shared_legs_survives_overrides_unchanged():
    doc = two_services()
    doc["vessel_services"]["feeder"] = {
        **{k: v for k, v in doc["vessel_services"]["feeder"].items()
           if k not in ("vessels", "capacity_teu")},
        "fleet": [{"name": "small", "vessels": 2, "capacity_teu": 150},
                  {"vessels": 1, "capacity_teu": 400, "sailing_time": "1d"}],
        "drydock": [{"class": "small", "vessels": 1, "start": "2024-02-01T06:00",
                     "end": "2024-02-10"}]}
    scenario = Scenario.from_document(doc)
    assert scenario.with_overrides({}) == scenario
    bigger = scenario.with_overrides({f"{FEEDER}.fleet.1.vessels": 2})
    assert [c.vessels for c in bigger.vessel_services["feeder"].classes] == [2, 2]
    assert [c.name for c in bigger.vessel_services["feeder"].classes] == ["small", "class_2"]
