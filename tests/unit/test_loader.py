from pathlib import Path

import pytest
import yaml

import corridorsim as cs
from corridorsim.scenario.overrides import apply_overrides, deep_merge, parse_override

from ..conftest import MINI


def test_extends_inherits_and_overrides(tmp_path: Path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {MINI}\nname: child\ndigitization: 0.9\n"
                     "borders:\n  east_border:\n    customs:\n      digitization: 0.5\n")
    scenario = cs.load_scenario(child)
    base = cs.load_scenario(MINI)
    assert scenario.name == "child"
    assert scenario.digitization == 0.9
    assert scenario.borders["east_border"].customs.digitization == 0.5
    # Untouched keys of the same mapping are inherited, not dropped.
    assert scenario.borders["east_border"].gauge_change == base.borders["east_border"].gauge_change
    assert scenario.flows == base.flows


def test_extends_null_removes_an_inherited_key(tmp_path: Path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {MINI}\nclosures:\n  works: null\n")
    assert set(cs.load_scenario(child).closures) == {"storms"}


def test_extends_cycle_is_an_error(tmp_path: Path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\n")
    b.write_text("extends: a.yaml\n")
    with pytest.raises(cs.ScenarioError, match="cycle"):
        cs.load_scenario(a)


def test_with_overrides_returns_a_new_validated_scenario(mini_scenario):
    variant = mini_scenario.with_overrides({"borders.east_border.customs.digitization": 0.9,
                                            "vessel_services.feeder.vessels": "5"})
    assert variant.borders["east_border"].customs.digitization == 0.9
    assert variant.vessel_services["feeder"].vessels == 5
    assert mini_scenario.borders["east_border"].customs.digitization is None
    assert variant.legs == mini_scenario.legs


def test_with_overrides_rejects_invalid_values_naming_the_key(mini_scenario):
    with pytest.raises(cs.ScenarioError, match=r"vessel_services\.feeder\.vessels"):
        mini_scenario.with_overrides({"vessel_services.feeder.vessels": 0})


def test_override_values_are_read_as_yaml():
    assert parse_override("a.b=0.5") == ("a.b", 0.5)
    assert parse_override("a=[1, 2]") == ("a", [1, 2])
    assert parse_override("a=36h") == ("a", "36h")
    assert apply_overrides({"a": {"b": 1}}, {"a.c": "2"}) == {"a": {"b": 1, "c": 2}}


def test_deep_merge_replaces_lists_and_merges_mappings():
    assert deep_merge({"a": [1, 2], "m": {"x": 1, "y": 2}}, {"a": [3], "m": {"y": 5}}) == {
        "a": [3], "m": {"x": 1, "y": 5}}


def test_durations_with_units_are_hours(mini_scenario):
    assert mini_scenario.horizon == 120 * 24
    assert mini_scenario.customs_regimes.digital.document_check.value == 0.5


def test_yaml_is_loaded_safely(tmp_path: Path):
    bad = tmp_path / "evil.yaml"
    bad.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(cs.ScenarioError, match="not valid YAML"):
        cs.load_scenario(bad)


def test_round_trip_of_the_model_dump_is_stable(mini_scenario):
    dumped = mini_scenario.model_dump(by_alias=True, exclude_none=True)
    again = cs.Scenario.model_validate(yaml.safe_load(yaml.safe_dump(
        dumped, default_flow_style=False, sort_keys=False)))
    assert again.model_dump() == mini_scenario.model_dump()


def test_override_inside_a_misspelt_entry_is_refused_with_a_suggestion(mini_scenario):
    with pytest.raises(cs.ScenarioError, match="unknown border 'east_bordr'; did you mean "
                                               "'east_border'"):
        mini_scenario.with_overrides({"borders.east_bordr.customs.digitization": 0.9})
    with pytest.raises(cs.ScenarioError, match="unknown port 'port_q'"):
        cs.load_scenario(MINI, {"ports.port_q.berths": 1})


def test_override_may_add_a_whole_new_entry(mini_scenario):
    variant = mini_scenario.with_overrides({"closures.strike": {
        "kind": "window", "at": "east_border", "start": "2024-02-01", "end": "2024-02-02"}})
    assert set(variant.closures) == {"storms", "works", "strike"}


def test_a_node_on_no_route_is_an_error(tmp_path: Path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {MINI}\nborders:\n  altynkl:\n    gauge_change: "
                     "{tracks: 1, service_time: 2h}\n")
    with pytest.raises(cs.ScenarioError, match=r"borders\.altynkl: is not on any route"):
        cs.load_scenario(child)


def test_overrides_are_remembered_for_the_manifest(mini_scenario):
    variant = cs.load_scenario(MINI, {"digitization": "0.5"}).with_overrides(
        {"vessel_services.feeder.vessels": 4})
    assert variant.overrides == (("digitization", 0.5), ("vessel_services.feeder.vessels", 4))
    assert mini_scenario.overrides == ()


def test_a_leg_without_a_mode_names_the_missing_key(mini_scenario):
    with pytest.raises(cs.ScenarioError, match=r"legs\.extra: expected a 'mode' key"):
        mini_scenario.with_overrides({"legs.extra": {"from": "hub", "to": "europe"}})
