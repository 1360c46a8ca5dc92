"""Values that pass validation can be simulated: every number is finite and bounded, a
boolean is not a number, dates stay in the calendar, and a scenario too large to run is
refused up front. Cases are generated from every number in the test scenario."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridorsim as cs
from corridorsim.errors import ScenarioError
from corridorsim.scenario.schema import Scenario

MINI = Path(__file__).parent.parent / "scenarios" / "mini-corridor.yaml"
BASE: dict[str, Any] = yaml.safe_load(MINI.read_text(encoding="utf-8"))
UNBOUNDED = {"max_events"}  # a guard: any size is a choice, not a mistake


DURATION = re.compile(r"^\d+(\.\d+)?\s*(min|h|d|w)$")


def numbers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every number or duration written in a document (booleans are not
    numbers)."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in numbers(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in numbers(v, (*path, i))]
    if isinstance(node, int | float) and not isinstance(node, bool):
        return [path]
    if isinstance(node, str) and DURATION.match(node):
        return [path]
    return []


NUMBERS = [p for p in numbers(BASE) if p[-1] not in UNBOUNDED]


def with_value(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    here = doc
    for part in path[:-1]:
        here = here[part]
    here[path[-1]] = value
    return doc


def error_of(doc: dict[str, Any]) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_document(doc, source=Path("x.yaml"))
    return caught.value


def dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


def test_the_cases_cover_every_section():
    assert len(NUMBERS) > 60
    assert {p[0] for p in NUMBERS} >= {"horizon", "customs_regimes", "terminals", "borders",
                                       "ports", "legs", "vessel_services", "flows",
                                       "closures", "costs"}


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e300, True, False],
                         ids=["inf", "-inf", "nan", "1e300", "true", "false"])
@pytest.mark.parametrize("path", NUMBERS, ids=dotted)
def test_every_number_refuses_infinity_nan_huge_values_and_booleans(path, value):
    error = error_of(with_value(path, value))
    message = str(error)
    assert "\n" not in message and message.startswith("x.yaml: ")
    # The key path names the value (or the mapping that holds it, for a shorthand).
    assert dotted(path).startswith(error.key_path) and error.key_path
    assert "Input should" not in message and "validation error" not in message


def test_a_bound_is_stated_in_the_message():
    error = error_of(with_value(("vessel_services", "feeder", "vessels"), 1e8))
    assert error.key_path == "vessel_services.feeder.vessels"
    assert "5000" in error.message.replace(",", "")
    error = error_of(with_value(("closures", "storms", "duration", "cv"), 1e200))
    assert error.key_path == "closures.storms.duration.cv"
    assert "10" in error.message


@pytest.mark.parametrize(("changes", "key_path", "words"), [
    ({"start_date": "9999-11-01"}, "start_date", "before the year 9999"),
    ({"horizon": "4000w", "drain": "2000w"}, "drain", "together must be at most 100 years"),
    ({"horizon": "100000w"}, "horizon", "at most 100 years (876,600 h), got 1,916 years"),
    ({"legs": {"east-west": {"trains_per_day": 5e-324}}}, "legs.east-west.trains_per_day",
     "expected a number of at least 0.001"),
    ({"vessel_services": {"feeder": {"departure": {"policy": "timetable",
                                                   "headway": "1s"}}}},
     "vessel_services.feeder.departure.headway", "expected at least a minute, got 1 s"),
])
def test_times_and_dates_stay_inside_the_calendar(changes, key_path, words):
    doc = copy.deepcopy(BASE)
    for key, value in changes.items():
        if isinstance(value, dict):
            for name, fields in value.items():
                for field, v in fields.items():
                    doc[key][name][field] = v
        else:
            doc[key] = value
    error = error_of(doc)
    assert error.key_path == key_path
    assert words in error.message


def test_a_scenario_too_large_to_run_is_refused_with_its_size():
    doc = copy.deepcopy(BASE)
    doc["horizon"] = "5000w"
    doc["flows"]["china_europe"]["trains_per_week"] = 10_000
    error = error_of(doc)
    assert error.key_path == "max_events"
    assert "would simulate about" in error.message and "consignments" in error.message
    doc["max_events"] = 10**12  # knowingly raised: accepted
    assert Scenario.from_document(doc).max_events == 10**12


def test_the_reference_scenarios_are_far_below_the_default_size():
    # Under a hundredth of the default per simulated year (a million events), in every
    # scenario a dated timeline puts in force (each is checked against max_events too).
    for path in (Path(__file__).parents[2] / "scenarios").glob("*.yaml"):
        scenario = cs.load_scenario(path)
        years = max(1.0, (scenario.horizon + scenario.drain) / 8766.0)
        for state in (scenario, *(s for _, s in scenario.timeline)):
            assert sum(state.estimated_events.values()) / years < scenario.max_events / 100


BOUNDARY = st.sampled_from([0.0, 1e-9, 1e-3, 0.5, 1.0, 24.0, 1e3, 1e6, 1e9])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(NUMBERS), BOUNDARY), min_size=1,
                        max_size=4))
def test_a_scenario_that_validates_runs_without_crashing(changes):
    doc = copy.deepcopy(BASE)
    doc.update(horizon="40d", warmup="5d", max_events=200_000)
    for path, value in changes:
        here = doc
        for part in path[:-1]:
            here = here[part]
        old = here[path[-1]]
        here[path[-1]] = int(value) if isinstance(old, int) and value == int(value) else value
    try:
        scenario = Scenario.from_document(doc)
    except ScenarioError:
        return  # refused with one message: fine
    result = cs.run(scenario, replications=1, seed=1)
    for row in result.shipments:
        assert row["transit_days"] is None or math.isfinite(row["transit_days"])
        assert math.isfinite(row["freight_usd_per_teu"])
