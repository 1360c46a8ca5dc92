"""Every validation problem reads in the house style, in scenario and sweep files alike:
no pydantic wording reaches the user. Cases are generated from every value of the test
scenario and of a sweep file, replaced by values of the wrong kind."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from corridorsim.errors import ScenarioError
from corridorsim.experiment.sweep_files import load_sweep
from corridorsim.scenario.schema import Scenario

MINI = Path(__file__).parent.parent / "scenarios" / "mini-corridor.yaml"
BASE: dict[str, Any] = yaml.safe_load(MINI.read_text(encoding="utf-8"))
PYDANTIC_WORDS = ("Input should", "List should", "found using", "validation error",
                  "Field required", "Extra inputs", "Value error", "String should",
                  "Dictionary should", "does not match any of the expected tags", "pydantic",
                  "after validation", "[type=")
WRONG = [None, "abc", [], {}, [1, 2], {"x": 1}, -1, 0, 10**9, "2024-13-45", True]


def leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [path] + [p for k, v in node.items() for p in leaves(v, (*path, k))]
    if isinstance(node, list):
        return [path] + [p for i, v in enumerate(node) for p in leaves(v, (*path, i))]
    return [path]


def replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    here = doc
    for part in path[:-1]:
        here = here[part]
    here[path[-1]] = value
    return doc


PATHS = [p for p in leaves(BASE) if p]


def assert_house_style(message: str, source: str) -> None:
    """One line per problem, each naming the file (the last may count those not shown)."""
    lines = message.split("\n")
    for line in lines:
        assert line.startswith(source) or (line is lines[-1] and line.startswith("... and ")
                                           and " more problem" in line), message
        for words in PYDANTIC_WORDS:
            assert words not in line, message


@pytest.mark.parametrize("path", PATHS, ids=lambda p: ".".join(map(str, p)))
def test_a_wrong_value_anywhere_in_a_scenario_reads_in_the_house_style(path):
    for value in WRONG:
        try:
            Scenario.from_document(replaced(BASE, path, value), source=Path("x.yaml"))
        except ScenarioError as exc:
            assert_house_style(str(exc), "x.yaml: ")


SWEEP = {"name": "s", "base": str(MINI), "replications": 2, "seed": 1,
         "design": {"kind": "grid"},
         "factors": {"d": {"keys": ["digitization", {"key": "seed", "scale": 2}],
                           "values": [0.1, 0.2]}}}


@pytest.mark.parametrize("path", [p for p in leaves(SWEEP) if p],
                         ids=lambda p: ".".join(map(str, p)))
def test_a_wrong_value_anywhere_in_a_sweep_file_reads_in_the_house_style(path, tmp_path):
    for value in WRONG:
        spec = tmp_path / "sweep.yaml"
        spec.write_text(yaml.safe_dump(replaced(SWEEP, path, value)), encoding="utf-8")
        try:
            load_sweep(spec)
        except ScenarioError as exc:
            assert_house_style(str(exc), f"{spec}: ")


@pytest.mark.parametrize(("path", "value", "message"), [
    (("closures", "storms", "events_per_month"), [1] * 11,
     "closures.storms.events_per_month: expected at least 12 entries, got 11"),
    (("closures", "storms", "duration", "dist"), "gamma",
     "closures.storms.duration: unknown dist 'gamma'; expected one of 'fixed', "
     "'exponential', 'uniform', 'triangular', 'lognormal', 'empirical'"),
    (("start_date",), "yesterday", "start_date: expected a date such as 2024-01-01, got "
     "'yesterday'"),
    (("legs", "caspian", "mode"), "air",
     "legs.caspian: unknown mode 'air'; expected one of 'rail', 'sea'"),
])
def test_common_problems_read_as_written(path, value, message):
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_document(replaced(BASE, path, value), source=Path("x.yaml"))
    assert str(caught.value) == f"x.yaml: {message}"


def test_sweep_name_and_replications_read_in_the_house_style(tmp_path):
    for changes, expected in (({"name": "my sweep"}, "name: use up to 100 letters"),
                              ({"replications": 0}, "replications: expected a number of "
                                                    "at least 1, got 0"),
                              ({"factors": {f"f{i}": {"keys": ["digitization"],
                                                      "values": list(range(10))}
                                            for i in range(6)}},
                               "factors: this design has 1,000,000 points, more than 100,000"),
                              ({"factors": {}}, "factors: expected at least 1 entries")):
        spec = tmp_path / "sweep.yaml"
        spec.write_text(yaml.safe_dump({**SWEEP, **changes}), encoding="utf-8")
        with pytest.raises(ScenarioError) as caught:
            load_sweep(spec)
        assert f"{spec}: {expected}" in str(caught.value)
