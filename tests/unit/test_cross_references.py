"""The cross-reference checks of the scenario root, one mutation of a small valid document
at a time, with the key path and message each reports; the order the checks run in; and
the one error translator answering a misspelt key with the keys of the right kind of
file (scenario, sweep, calibration targets)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from corridorsim.calibration import load_targets
from corridorsim.errors import ScenarioError
from corridorsim.experiment.sweep_files import load_sweep
from corridorsim.scenario.schema import Scenario

MINI = Path(__file__).resolve().parents[1] / "scenarios" / "mini-corridor.yaml"
RAIL = {"mode": "rail", "distance_km": 100, "speed_kmh": 50}
NODES = "'border', 'europe', 'hub', 'port_e', 'port_w'"
DROP = object()
"""A mutation's value that removes the key."""

DOCUMENT: dict[str, Any] = {
    "name": "tiny", "start_date": "2024-01-01", "horizon": "10d",
    "customs_regimes": {"paper": {"document_check": "4h"},
                        "digital": {"document_check": "30min"}},
    "terminals": {"hub": {"handling_time": "2h"}, "europe": {}},
    "borders": {"border": {"customs": {"exit": {}, "entry": {}}}},
    "ports": {
        "port_e": {"berths": 1, "handling_teu_per_hour": 20, "customs": {"exit": {}}},
        "port_w": {"berths": 1, "handling_teu_per_hour": 20, "customs": {"entry": {}},
                   "train_formation": {"train_teu": 80, "max_consolidation_wait": "2d"}},
    },
    "legs": {
        "hub-border": {**RAIL, "from": "hub", "to": "border"},
        "border-port": {**RAIL, "from": "border", "to": "port_e"},
        "crossing": {"mode": "sea", "from": "port_e", "to": "port_w", "service": "feeder",
                     "distance_km": 300},
        "port-europe": {**RAIL, "from": "port_w", "to": "europe"},
    },
    "vessel_services": {"feeder": {"ports": ["port_e", "port_w"], "vessels": 1,
                                   "capacity_teu": 100, "departure": {"policy": "when_full"},
                                   "sailing_time": "20h"}},
    "routes": {"middle_sea": ["hub", "border", "port_e", "port_w", "europe"]},
    "flows": {"f": {"origin": "hub", "destination": "europe", "trains_per_week": 2,
                    "consignment_teu": 80, "routes": {"middle_sea": 1.0}}},
}
"""China hub -> rail border -> port -> sea -> port (forms trains) -> Europe."""


def mutated(changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of the document with each dotted key path set (``DROP`` removes it)."""
    doc = copy.deepcopy(DOCUMENT)
    for path, value in changes.items():
        *parents, last = path.split(".")
        here: Any = doc
        for part in parents:
            here = here[int(part)] if isinstance(here, list) else here.setdefault(part, {})
        key: Any = int(last) if isinstance(here, list) else last
        if value is DROP:
            del here[key]
        else:
            here[key] = copy.deepcopy(value)
    return doc


def error_of(doc: dict[str, Any], source: Path | None = None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_document(doc, source)
    return info.value


def window_closure(at: str) -> dict[str, Any]:
    return {"kind": "window", "at": at, "start": "2024-01-02", "end": "2024-01-03"}


def test_the_document_is_valid():
    scenario = Scenario.from_document(copy.deepcopy(DOCUMENT))
    assert scenario.node_kinds == {"hub": "terminal", "europe": "terminal", "border": "border",
                                   "port_e": "port", "port_w": "port"}
    assert scenario.legs_by_pair[("port_e", "port_w")] == "crossing"
    assert scenario.horizon == 240.0


# Each case: one mutation, the key path reported, a distinctive part of the message.
CASES = {
    "name": ({"name": "my scenario"}, "name",
             "use up to 100 letters, digits, '-', '_' or '.', starting with a letter or "
             "digit, got 'my scenario' (it names the results folder)"),
    # 10 days of warm-up on a 10-day horizon; 240 h is the same.
    "warmup equal to the horizon": ({"warmup": "240h"}, "warmup",
                                    "must be shorter than the horizon (10 days), got 10 days"),
    "warmup longer than the horizon": ({"warmup": "12d"}, "warmup",
                                       "must be shorter than the horizon (10 days), got 12 days"),
    "node name in two sections": (
        {"ports.hub": {"berths": 1, "handling_teu_per_hour": 1}}, "ports.hub",
        "name already used under terminals"),
    "border named as a port": ({"ports.border": {"berths": 1, "handling_teu_per_hour": 1}},
                               "ports.border", "name already used under borders"),
    "vessel service to an unknown port": (
        {"vessel_services.feeder.ports": ["port_e", "port_x"]}, "vessel_services.feeder.ports.1",
        "unknown port 'port_x'; expected one of 'port_e', 'port_w'"),
    "vessel service between one port twice": (
        {"vessel_services.feeder.ports": ["port_e", "port_e"]}, "vessel_services.feeder.ports",
        "the two ports must differ"),
    "leg from an unknown node": ({"legs.hub-border.from": "hubb"}, "legs.hub-border.from",
                                 f"unknown node 'hubb'; expected one of {NODES}"),
    "leg to an unknown node": ({"legs.hub-border.to": "bordr"}, "legs.hub-border.to",
                               f"unknown node 'bordr'; expected one of {NODES}"),
    "leg joining a node to itself": ({"legs.loop": {**RAIL, "from": "hub", "to": "hub"}},
                                     "legs.loop", "a leg must join two different nodes"),
    "two legs for one pair": ({"legs.again": {**RAIL, "from": "hub", "to": "border"}},
                              "legs.again",
                              "a leg from 'hub' to 'border' already exists ('hub-border')"),
    "sea leg with an unknown service": (
        {"legs.crossing.service": "ferry"}, "legs.crossing.service",
        "unknown vessel service 'ferry'; expected one of 'feeder'"),
    "sea leg whose service serves other ports": (
        {"legs.odd": {"mode": "sea", "from": "border", "to": "port_w", "service": "feeder",
                      "distance_km": 10}}, "legs.odd.service",
        "vessel service 'feeder' serves ['port_e', 'port_w'], not 'border' and 'port_w'"),
    "route through an unknown node": ({"routes.middle_sea.1": "bordr"}, "routes.middle_sea.1",
                                      f"unknown node 'bordr'; expected one of {NODES}"),
    "route visiting a node twice": ({"routes.middle_back": ["hub", "border", "hub"]},
                                    "routes.middle_back", "a route may not visit a node twice"),
    "route with no leg between two nodes": (
        {"routes.middle_direct": ["hub", "europe"]}, "routes.middle_direct.1",
        "no leg from 'hub' to 'europe'; add one under 'legs'"),
    "port left by rail after a sea leg without train formation": (
        {"ports.port_w.train_formation": DROP}, "ports.port_w.train_formation",
        "route 'middle_sea' leaves this port by rail after a sea leg; expected a "
        "'train_formation' (train_teu, max_consolidation_wait)"),
    "flow from an unknown origin": ({"flows.f.origin": "hubb"}, "flows.f.origin",
                                    f"unknown node 'hubb'; expected one of {NODES}"),
    "flow to an unknown destination": ({"flows.f.destination": "europa"}, "flows.f.destination",
                                       f"unknown node 'europa'; expected one of {NODES}"),
    "flow on an unknown route": ({"flows.f.routes": {"middle_sae": 1.0}},
                                 "flows.f.routes.middle_sae",
                                 "unknown route; expected one of 'middle_sea'"),
    "flow on a route between other nodes": (
        {"routes.middle_short": ["hub", "border"], "flows.f.routes": {"middle_short": 1.0}},
        "flows.f.routes.middle_short",
        "route runs 'hub' -> 'border' but the flow runs 'hub' -> 'europe'"),
    "China-Europe flow on a route named for no corridor": (
        {"routes.middle_sea": DROP, "routes.sea_route": DOCUMENT["routes"]["middle_sea"],
         "flows.f.routes": {"sea_route": 1.0}}, "flows.f.routes.sea_route",
        "China-Europe routes are named 'northern_*' or 'middle_*' (or mark the flow "
        "'background: true')"),
    "node on no route": ({"terminals.spare": {}}, "terminals.spare",
                         "is not on any route; add it to a route or remove it"),
    "joint control with a port, at a border": (
        {"borders.border.customs.joint_control_with": "port_w"},
        "borders.border.customs.joint_control_with",
        "only a port can check for the port across the sea; at a border use "
        "'joint_control: true'"),
    "joint control with an unknown port": (
        {"ports.port_e.customs.joint_control_with": "port_x"},
        "ports.port_e.customs.joint_control_with",
        "unknown port 'port_x'; expected one of 'port_e', 'port_w'"),
    "joint control with a port no sea leg from here goes to": (
        # There is a sea leg port_e -> port_w but none back.
        {"ports.port_w.customs.joint_control_with": "port_e"},
        "ports.port_w.customs.joint_control_with",
        "no sea leg from 'port_w' to 'port_e'; expected the port a vessel service from here "
        "sails to"),
    "joint control with a port and joint control: true": (
        {"ports.port_e.customs.joint_control_with": "port_w",
         "ports.port_e.customs.joint_control": True},
        "ports.port_e.customs.joint_control_with",
        "cannot be combined with 'joint_control: true'"),
    "joint control at a port without an exit check": (
        {"ports.port_e.customs": {"entry": {}, "joint_control_with": "port_w"}},
        "ports.port_e.customs.joint_control_with",
        "this port has no exit check to do the joint control at; expected 'customs.exit'"),
    "joint control with a port without an entry check": (
        {"ports.port_e.customs.joint_control_with": "port_w",
         "ports.port_w.customs": {"exit": {}}},
        "ports.port_e.customs.joint_control_with",
        "port 'port_w' has no entry check to merge; expected 'ports.port_w.customs.entry'"),
    "joint control with a port without customs": (
        {"ports.port_e.customs.joint_control_with": "port_w", "ports.port_w.customs": DROP},
        "ports.port_e.customs.joint_control_with",
        "port 'port_w' has no entry check to merge"),
    "closure at an unknown place": (
        {"closures.strike": window_closure("nowhere")}, "closures.strike.at",
        "unknown node or leg 'nowhere'; expected a name under terminals, borders, ports, "
        "stations or legs"),
}


@pytest.mark.parametrize(("changes", "key_path", "message"), list(CASES.values()),
                         ids=list(CASES))
def test_each_cross_reference_problem_names_its_key_and_what_is_wrong(changes, key_path,
                                                                      message):
    error = error_of(mutated(changes))
    assert error.key_path == key_path
    assert message in error.message
    assert str(error) == f"<scenario>: {key_path}: {error.message}"


def test_the_error_names_the_file_it_came_from():
    error = error_of(mutated({"name": "my scenario"}), Path("scenarios/x.yaml"))
    assert str(error) == ("scenarios/x.yaml: name: use up to 100 letters, digits, '-', "
                          "'_' or '.', starting with a letter or digit, got 'my scenario' "
                          "(it names the results folder)")
    assert error.source == Path("scenarios/x.yaml")


@pytest.mark.parametrize("changes", [
    {"flows.f.background": True, "routes.middle_sea": DROP,
     "routes.sea_route": DOCUMENT["routes"]["middle_sea"], "flows.f.routes": {"sea_route": 1.0}},
    {"ports.port_e.customs.joint_control_with": "port_w"},
    {"closures.storm": window_closure("crossing"), "closures.works": window_closure("border")},
    {"warmup": "239h"},
    {"name": "A-1_b.2"},
], ids=["background flow on any route", "joint control across the sea", "closures of a leg "
        "and a node", "warmup just shorter than the horizon", "name of every allowed kind"])
def test_what_the_checks_allow(changes):
    Scenario.from_document(mutated(changes))


# One mutation per check, in the order the checks run.
IN_CHECK_ORDER = ["name", "node name in two sections", "vessel service between one port twice",
                  "leg joining a node to itself", "route with no leg between two nodes",
                  "flow from an unknown origin", "node on no route",
                  "joint control with a port, at a border", "closure at an unknown place"]


@pytest.mark.parametrize("k", range(len(IN_CHECK_ORDER)), ids=IN_CHECK_ORDER)
def test_of_several_problems_the_first_in_check_order_is_reported(k):
    changes: dict[str, Any] = {}
    for case in IN_CHECK_ORDER[k:]:
        changes.update(CASES[case][0])
    _, key_path, message = CASES[IN_CHECK_ORDER[k]]
    error = error_of(mutated(changes))
    assert error.key_path == key_path
    assert message in error.message


def test_a_route_through_a_misspelt_node_reports_the_route_not_the_node_left_off_routes():
    # 'border' is then on no route, but the route is checked first.
    error = error_of(mutated({"routes.middle_sea.1": "bordr"}))
    assert str(error) == ("<scenario>: routes.middle_sea.1: unknown node 'bordr'; "
                          f"expected one of {NODES}")


def test_a_leg_to_a_misspelt_node_is_reported_before_the_route_through_it():
    error = error_of(mutated({"legs.hub-border.to": "bordr", "routes.middle_sea.1": "bordr"}))
    assert error.key_path == "legs.hub-border.to"


# --- the error translator: misspelt keys answered with the right kind of file's keys ------

SCENARIO_KEYS = ("'borders', 'changes', 'choice', 'closures', 'costs', 'customs_regimes', "
                 "'description', 'digitization', 'drain', 'flows', 'horizon', 'legs', "
                 "'max_events', 'name', "
                 "'ports', 'promised_transit', 'replications', 'routes', 'seed', 'segments', "
                 "'start_date', 'stations', 'terminals', 'vessel_services', 'warmup'")


@pytest.mark.parametrize(("changes", "key_path", "message"), [
    ({"bordres": {}}, "bordres", "unknown key; did you mean 'borders'?"),
    ({"zzz": 1}, "zzz", f"unknown key; expected one of {SCENARIO_KEYS}"),
    ({"borders.border.gauge_chnage": {}}, "borders.border.gauge_chnage",
     "unknown key; did you mean 'gauge_change'?"),
    # A rail leg: pydantic's location holds the tag 'rail', the key path does not.
    ({"legs.hub-border.speed_kmhh": 50}, "legs.hub-border.speed_kmhh",
     "unknown key; did you mean 'speed_kmh'?"),
    ({"ports.port_e.customs.exit.paper.zzzzzzzzzz": 1},
     "ports.port_e.customs.exit.paper.zzzzzzzzzz",
     "unknown key; expected one of 'document_check', 'inspection_probability', "
     "'inspection_time'"),
], ids=["top level", "top level, no close match", "in a border", "in a rail leg",
        "in a regime patch"])
def test_a_misspelt_scenario_key_is_answered_with_scenario_keys(changes, key_path, message):
    error = error_of(mutated(changes))
    assert (error.key_path, error.message) == (key_path, message)


def test_a_misspelt_key_in_a_consignment_size_range_is_answered_with_its_keys():
    error = error_of(mutated({"flows.f.consignment_teu": {"low": 80, "hgh": 100}}))
    assert error.key_path == "flows.f.consignment_teu.hgh"
    assert error.message.startswith("unknown key; did you mean 'high'?")


TARGETS = """\
description: tiny targets
targets:
  - id: middle_median
    what: Middle Corridor median transit days
    band: [20, 30]
    source: somewhere
    metric: {statistic: median, corridor: middle}
"""


def target_error(tmp_path: Path, text: str) -> tuple[Path, ScenarioError]:
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_targets(path)
    return path, info.value


def test_the_target_file_is_valid(tmp_path: Path):
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS, encoding="utf-8")
    (target,) = load_targets(path).targets
    assert (target.id, target.band, target.metric.corridor) == ("middle_median", [20, 30],
                                                                "middle")


@pytest.mark.parametrize(("old", "new", "key_path", "message", "also"), [
    ("description:", "descripton:", "descripton", "unknown key; did you mean 'description'?",
     []),
    # A scenario key in a target file: told the target file's keys, not 'did you mean'.
    ("description:", "borders:", "borders",
     "unknown key; expected one of 'description', 'fit_constants', 'targets'", []),
    ("description:", "zzz:", "zzz",
     "unknown key; expected one of 'description', 'fit_constants', 'targets'", []),
    ("    metric:", "    metrc:", "targets.0.metrc", "unknown key; did you mean 'metric'?", []),
    # The missing 'source' is the other problem, listed on a line of its own.
    ("    source:", "    legs:", "targets.0.legs",
     "unknown key; expected one of 'band', 'id', 'metric', 'ratio', 'source', 'what' "
     "(and 1 more problem)", ["targets.0.source: required key is missing"]),
    # The missing 'statistic' is what the misspelling stands for: not repeated.
    ("{statistic:", "{statistc:", "targets.0.metric.statistc",
     "unknown key; did you mean 'statistic'?", []),
], ids=["top level", "a scenario key at the top level", "top level, no close match",
        "in a target", "a scenario key in a target", "in a metric"])
def test_a_misspelt_target_file_key_is_answered_with_target_file_keys(tmp_path: Path, old, new,
                                                                       key_path, message, also):
    assert old in TARGETS
    path, error = target_error(tmp_path, TARGETS.replace(old, new))
    assert (error.key_path, error.message) == (key_path, message)
    assert str(error).splitlines() == [f"{path}: {key_path}: {message}",
                                       *(f"{path}: {line}" for line in also)]
    assert "'borders'" not in error.message


SWEEP = f"""\
name: tiny-sweep
base: {MINI}
replications: 1
seed: 1
factors:
  paper_share:
    keys: [digitization]
    values: [0.0, 1.0]
"""
SWEEP_KEYS = ("'base', 'description', 'design', 'factors', 'name', 'northern_route', "
              "'replications', 'scheduler', 'seed', 'target', 'target_days'")
FACTOR_KEYS = "'description', 'integer', 'keys', 'range', 'values'"


def test_the_sweep_file_is_valid(tmp_path: Path):
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP, encoding="utf-8")
    sweep = load_sweep(path)
    assert [p.values for p in sweep.points] == [{"paper_share": 0.0}, {"paper_share": 1.0}]
    assert [s.digitization for s in sweep.scenarios] == [0.0, 1.0]
    assert sweep.northern_route == "northern_main"


@pytest.mark.parametrize(("old", "new", "key_path", "message", "also"), [
    # 'factors' is then missing too: what the misspelling stands for, not repeated.
    ("factors:", "factor:", "factor", "unknown key; did you mean 'factors'?", []),
    ("seed:", "borders:", "borders", f"unknown key; expected one of {SWEEP_KEYS} "
     "(and 1 more problem)", ["seed: required key is missing"]),
    ("    values:", "    valuez:", "factors.paper_share.valuez",
     "unknown key; did you mean 'values'?", []),
    ("    values:", "    borders:", "factors.paper_share.borders",
     f"unknown key; expected one of {FACTOR_KEYS}", []),
    # A key is text or a mapping: only the mapping's problem is reported.
    ("[digitization]", "[{key: digitization, scal: 2}]", "factors.paper_share.keys.0.scal",
     "unknown key; did you mean 'scale'?", []),
], ids=["top level", "a scenario key at the top level", "in a factor",
        "a scenario key in a factor", "in a key target"])
def test_a_misspelt_sweep_file_key_is_answered_with_sweep_file_keys(tmp_path: Path, old, new,
                                                                     key_path, message, also):
    assert old in SWEEP
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP.replace(old, new), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    error = info.value
    assert (error.key_path, error.message) == (key_path, message)
    assert str(error).splitlines() == [f"{path}: {key_path}: {message}",
                                       *(f"{path}: {line}" for line in also)]
