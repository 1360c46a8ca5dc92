"""Validation lists every problem it finds in a file, one line each, so an author fixes a
file in one round: independent mistakes all reported in check order, problems that only
echo another left out, at most ``MAX_PROBLEMS`` lines and a count of the rest; the command
line still exits 2 without a traceback. And customs regimes are asked for only where a
node has customs."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml

from corridorsim.cli import main
from corridorsim.errors import ScenarioError
from corridorsim.scenario.messages import MAX_PROBLEMS, ScenarioProblems
from corridorsim.scenario.schema import Scenario

MINI = Path(__file__).parent.parent / "scenarios" / "mini-corridor.yaml"
BASE: dict[str, Any] = yaml.safe_load(MINI.read_text(encoding="utf-8"))


def broken(changes: dict[str, Any]) -> dict[str, Any]:
    """The mini corridor with each dotted key set (``None`` removes it)."""
    doc = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        here: Any = doc
        for part in parents:
            here = here[int(part)] if isinstance(here, list) else here[part]
        key: Any = int(last) if isinstance(here, list) else last
        if value is None:
            del here[key]
        else:
            here[key] = value
    return doc


def lines_of(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_document(doc, source=Path("x.yaml"))
    return str(info.value).splitlines()


def test_independent_type_problems_are_all_listed_in_the_file_s_order():
    assert lines_of(broken({"ports.port_e.berths": 0, "digitization": 2,
                            "legs.hub-east.speed_kmh": "fast"})) == [
        "x.yaml: digitization: expected a number of at most 1, got 2 (and 2 more problems)",
        "x.yaml: ports.port_e.berths: expected a number of at least 1, got 0",
        "x.yaml: legs.hub-east.speed_kmh: expected a number, got 'fast'",
    ]


def test_independent_cross_reference_problems_are_all_listed_in_check_order():
    assert lines_of(broken({"legs.caspian.service": "ferry",
                            "flows.china_europe.routes": {"northern_main": 0.85,
                                                          "middle_caspain": 0.15},
                            "closures.storms.at": "port_x"})) == [
        "x.yaml: legs.caspian.service: unknown vessel service 'ferry'; expected one of "
        "'feeder' (and 2 more problems)",
        "x.yaml: flows.china_europe.routes.middle_caspain: unknown route; expected one of "
        "'background_caspian', 'background_eastbound', 'middle_caspian', 'northern_main'",
        "x.yaml: closures.storms.at: unknown node or leg 'port_x'; expected a name under "
        "terminals, borders, ports, stations or legs",
    ]


@pytest.mark.parametrize(("changes", "expected"), [
    # 'berths' is missing because it is misspelt: said once, as the misspelling.
    ({"ports.port_e.berths": None, "ports.port_e.berht": 2},
     ["ports.port_e.berht: unknown key; did you mean 'berths'?"]),
    # A size that is a mapping is a range: its problem, not "expected a whole number".
    ({"flows.china_europe.consignment_teu": {"low": 80, "hihg": 100}},
     ["flows.china_europe.consignment_teu.hihg: unknown key; did you mean 'high'?"]),
    # A warm-up that is neither a duration nor 'auto': one problem, not one per reading.
    ({"warmup": "soon"},
     ["warmup: expected a duration such as '36h', '2.5d' or '45min', got 'soon'"]),
    # A leg to a misspelt node: the routes through it then lack that leg; not repeated.
    ({"legs.hub-east.to": "east_bordr"},
     ["legs.hub-east.to: unknown node 'east_bordr'; expected one of 'east_border', 'europe', "
      "'hub', 'port_e', 'port_w', 'west_border'"]),
    # A route through a misspelt node leaves the real one off every route; not repeated.
    ({"routes.northern_main.2": "west_bordr"},
     ["routes.northern_main.2: unknown node 'west_bordr'; expected one of 'east_border', "
      "'europe', 'hub', 'port_e', 'port_w', 'west_border'"]),
    # A vessel service to an unknown port: its sea legs then serve other ports; not repeated.
    ({"vessel_services.feeder.ports": ["port_e", "port_x"]},
     ["vessel_services.feeder.ports.1: unknown port 'port_x'; expected one of 'port_e', "
      "'port_w'"]),
], ids=["misspelt required key", "union member", "warm-up", "leg to a misspelt node",
        "route through a misspelt node", "service to an unknown port"])
def test_a_problem_that_only_echoes_another_is_left_out(changes, expected):
    assert lines_of(broken(changes)) == [f"x.yaml: {line}" for line in expected]


def test_a_country_on_one_node_asks_for_every_other_once_with_the_reason():
    found = lines_of(broken({"terminals.hub.country": "CN"}))
    assert [line.split(": ")[1] for line in found] == [
        "terminals.europe.country", "borders.east_border.country", "borders.west_border.country",
        "ports.port_e.country", "ports.port_w.country", "legs.hub-east.country",
        "legs.east-west.country", "legs.west-europe.country", "legs.east-port.country",
        "legs.port-europe.country"]
    assert "every node and rail leg needs one" in found[0]
    assert found[0].endswith("(and 9 more problems)")
    assert all(line.endswith("missing, like the country above") for line in found[1:])


def test_beyond_the_limit_the_rest_are_counted():
    flows = {f"f{i}": {"origin": "hub", "destination": "europe", "trains_per_week": 1,
                       "consignment_teu": 80, "routes": {f"northern_r{i}": 1.0}}
             for i in range(MAX_PROBLEMS + 5)}
    found = lines_of(broken({"flows": flows}))
    assert len(found) == MAX_PROBLEMS + 1
    assert found[0].startswith("x.yaml: flows.f0.routes.northern_r0: unknown route")
    assert found[0].endswith(f"(and {MAX_PROBLEMS + 4} more problems)")
    assert found[MAX_PROBLEMS - 1].startswith(f"x.yaml: flows.f{MAX_PROBLEMS - 1}.routes.")
    assert found[-1] == "... and 5 more problems"


def test_the_error_keeps_the_first_problem_as_its_key_and_message_and_survives_pickling():
    with pytest.raises(ScenarioProblems) as info:
        Scenario.from_document(broken({"digitization": 2, "seed": -1}), source=Path("x.yaml"))
    error = info.value
    assert (error.key_path, error.message) == ("seed", "expected a number of at least 0, got "
                                                        "-1 (and 1 more problem)")
    assert error.problems == (("seed", "expected a number of at least 0, got -1"),
                              ("digitization", "expected a number of at most 1, got 2"))
    copied = pickle.loads(pickle.dumps(error))
    assert (str(copied), copied.source) == (str(error), Path("x.yaml"))


@pytest.mark.parametrize("command", ["validate", "run"])
def test_the_command_line_prints_every_problem_and_exits_2(command, tmp_path, capsys,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(broken({"ports.port_e.berths": 0, "digitization": 2})),
                    encoding="utf-8")
    assert main([command, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"corridorsim: error: {path}: digitization: expected a number of at most 1, got 2 "
        "(and 1 more problem)\n"
        f"{path}: ports.port_e.berths: expected a number of at least 1, got 0\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


# --- customs regimes only where there are customs -----------------------------------------

def without_customs() -> dict[str, Any]:
    doc = broken({"customs_regimes": None})
    for section in ("borders", "ports"):
        for node in doc[section].values():
            node.pop("customs", None)
    return doc


def test_a_scenario_without_customs_needs_no_customs_regimes():
    scenario = Scenario.from_document(without_customs())
    assert "customs_regimes" not in scenario.model_dump()
    # ... and a node given customs later must still ask for them.
    with pytest.raises(ScenarioError) as info:
        scenario.with_overrides({"borders.east_border.customs": {"exit": {}}})
    assert info.value.key_path == "customs_regimes"


def test_a_scenario_with_customs_and_no_regimes_is_told_which_node_needs_them():
    found = lines_of(broken({"customs_regimes": None}))
    assert found == ["x.yaml: customs_regimes: required key is missing: borders.east_border "
                     "has customs, whose checks take their times from the scenario-wide "
                     "'paper' and 'digital' regimes (each with a document_check)"]


def test_a_scenario_without_customs_runs(tmp_path):
    from corridorsim.experiment import run

    scenario = Scenario.from_document(without_customs()).with_overrides(
        {"horizon": "40d", "warmup": "5d"})
    result = run(scenario, replications=1, seed=3, workers=1)
    delivered = {r["route"]: r["consignments_delivered"] for r in result.routes}
    assert delivered["northern_main"] > 0 and delivered["middle_caspian"] > 0
