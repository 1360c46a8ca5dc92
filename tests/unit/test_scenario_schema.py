"""The JSON Schema of scenario files (``corridorsim schema``) and the reference built from
it: a valid draft-07 schema in plain keywords, a description on every key, every scenario
in the repository valid against it (as written, ``extends:`` files included, and merged),
known wrong values rejected, durations as the loader reads them, and the committed
``docs/`` files current."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from corridorsim.cli import main
from corridorsim.scenario.distributions import DURATION_PATTERN
from corridorsim.scenario.json_schema import scenario_json_schema, schema_text
from corridorsim.scenario.loader import read_document
from corridorsim.scenario.reference import scenario_reference
from corridorsim.units import parse_duration

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the 'test' extra")

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SCENARIO_FILES = sorted([*ROOT.glob("scenarios/*.yaml"), *ROOT.glob("scenarios/examples/*.yaml"),
                         *ROOT.glob("tests/scenarios/*.yaml")])
MINI = ROOT / "tests" / "scenarios" / "mini-corridor.yaml"
SCHEMA = scenario_json_schema()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
KEYWORDS = {"$schema", "$ref", "title", "description", "default", "type", "properties",
            "additionalProperties", "required", "items", "minItems", "maxItems",
            "minProperties", "minLength", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "enum", "const", "pattern", "format", "anyOf", "oneOf", "allOf",
            "if", "then", "else", "definitions", "propertyNames"}
"""The draft-07 keywords the schema may use: a misnamed one (pydantic's ``ge``) would be
silently ignored by every validator."""


def as_editor_reads(value: Any) -> Any:
    """A document as an editor sees it: YAML 1.2 has no dates, they stay text."""
    if isinstance(value, dict):
        return {str(k): as_editor_reads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_reads(v) for v in value]
    if isinstance(value, dt.date):  # datetimes included
        return value.isoformat()
    return value


def problems(document: Any) -> list[str]:
    """Each problem the schema finds, as ``key.path: message``, with those found inside
    the alternatives of an ``anyOf`` (where an editor points)."""
    found: list[str] = []
    pending = list(VALIDATOR.iter_errors(document))
    while pending:
        error = pending.pop(0)
        found.append(f"{'.'.join(map(str, error.absolute_path))}: {error.message}")
        pending.extend(error.context or ())
    return found


def schema_keywords(node: Any, names: bool = False) -> set[str]:
    """Every keyword used in the schema (not the names of keys, definitions or defaults)."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= schema_keywords(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if not names:
                found.add(key)
            if key != "default" and key != "enum" and key != "const":
                found |= schema_keywords(value, names=not names and key in ("properties",
                                                                             "definitions"))
    return found


def test_the_schema_is_a_valid_draft_7_schema_in_plain_keywords():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema_keywords(SCHEMA) <= KEYWORDS, schema_keywords(SCHEMA) - KEYWORDS


def test_every_key_of_every_section_has_its_docstring_as_description():
    definitions = SCHEMA["definitions"]
    for name, model in definitions.items():
        for key, prop in model.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key}"
    assert definitions["Terminal"]["properties"]["handling_time"]["description"] == (
        "Time to load (origin) or unload (destination) one train.")
    # One line per paragraph: hover text rewraps it.
    assert "\n" not in definitions["Scenario"]["properties"]["drain"]["description"]


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_scenario_file_is_valid_as_written_and_merged(path: Path):
    written = as_editor_reads(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert problems(written) == []
    assert problems(as_editor_reads(read_document(path))) == []


def test_the_reference_scenarios_include_files_that_extend_another():
    extending = [p for p in SCENARIO_FILES if "extends" in yaml.safe_load(p.read_text())]
    assert len(extending) >= 4  # so the 'extends:' branch of the schema is exercised


BASE = as_editor_reads(yaml.safe_load(MINI.read_text(encoding="utf-8")))


def changed(changes: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(BASE if base is None else base)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        here = doc
        for part in parents:
            here = here.setdefault(part, {})
        if value is None:
            del here[last]
        else:
            here[last] = value
    return doc


@pytest.mark.parametrize(("changes", "where", "words"), [
    ({"digitization": 1.5}, "digitization", "greater than the maximum of 1"),
    ({"borders.west_border.gauge_change.service_time": "36 parsecs"},
     "borders.west_border.gauge_change.service_time", "does not match"),
    ({"borders.west_border.gauge_change.service_time": "-3h"},
     "borders.west_border.gauge_change.service_time", "does not match"),
    ({"borders.west_border.gauge_chnage": {}}, "borders.west_border", "'gauge_chnage' was "
     "unexpected"),
    ({"bordres": {}}, "", "'bordres' was unexpected"),
    ({"legs.caspian.mode": "air"}, "legs.caspian", "not valid"),
    ({"terminals.hub.country": "XX"}, "terminals.hub.country", "not valid"),
    ({"ports.port_e.berths": 0}, "ports.port_e.berths", "less than the minimum of 1"),
    ({"flows.china_europe.arrivals": "random"}, "flows.china_europe.arrivals",
     "is not one of ['poisson', 'scheduled']"),
    ({"closures.works.start": "next monday"}, "closures.works", "not valid"),
    ({"horizon": None}, "", "'horizon' is a required property"),
    ({"name": "my scenario"}, "name", "does not match"),
], ids=["probability above 1", "unknown time unit", "negative duration", "misspelt key",
        "misspelt section", "unknown leg mode", "unknown country", "no berths",
        "unknown arrival process", "not a date", "required key missing", "name with a space"])
def test_a_known_wrong_value_is_rejected(changes, where, words):
    found = problems(changed(changes))
    assert found, "the schema accepted it"
    assert any(p.startswith(f"{where}: ") and words in p for p in found), found


def test_a_file_that_extends_another_gives_only_what_it_changes():
    child = {"extends": "mini-corridor.yaml", "digitization": 0.9,
             "borders": {"east_border": {"customs": {"exit": {"lanes": 3}}}},
             "terminals": {"hub": {"handling_time": {"mean": "3h"}}},
             "closures": {"storms": None}}  # null removes an inherited closure
    assert problems(child) == []
    # Names and types are still checked.
    assert problems({**child, "borders": {"east_border": {"gauge_chnage": {}}}})
    assert problems({**child, "digitization": "high"})
    # Without 'extends', the same file lacks the required keys.
    assert any("'name' is a required property" in p
               for p in problems({k: v for k, v in child.items() if k != "extends"}))


def test_a_distribution_is_a_duration_alone_or_a_mapping_naming_its_kind():
    key = "terminals.hub.handling_time"
    for good in ("4h", 4, "2.5 d", {"dist": "exponential", "mean": "6h"},
                 {"dist": "fixed", "value": "1h"}):
        assert problems(changed({key: good})) == [], good
    for bad in ({"value": "1h"}, {"dist": "gamma", "mean": "6h"}, {"dist": "uniform", "low": 1},
                True, [1, 2]):
        assert problems(changed({key: bad})), bad


@pytest.mark.parametrize("text", [
    "36h", "36 h", " 2.5d ", "45min", "45 MIN", "1.5Hours", "12", "0", ".5d", "3.", "1e2h",
    "+2w", "10 sec", "1 day", "2weeks", "36m", "36 parsecs", "-3h", "h", "", "3 h h", "3h4",
    "1,5h"])
def test_the_duration_pattern_accepts_the_text_the_loader_reads(text):
    try:
        reads = parse_duration(text) >= 0
    except ValueError:
        reads = False
    assert bool(re.match(DURATION_PATTERN, text)) == reads, (text, reads)


def test_the_committed_json_schema_is_current():
    """Regenerate with: corridorsim schema --out docs/scenario.schema.json"""
    assert (DOCS / "scenario.schema.json").read_text(encoding="utf-8") == schema_text()


def test_the_committed_scenario_reference_is_current():
    """Regenerate with: corridorsim schema --markdown --out docs/scenario-reference.md"""
    assert (DOCS / "scenario-reference.md").read_text(encoding="utf-8") == scenario_reference()


def test_the_reference_has_a_section_per_part_with_type_default_and_description():
    text = scenario_reference()
    for heading in ("## Top level", "## Border", "## Port", "## RailLeg", "## VesselService",
                    "## Flow", "## Durations", "## Distributions", "### Lognormal",
                    "## Files that extend another"):
        assert f"\n{heading}\n" in text, heading
    assert ("| `berths` | whole number, 1 to 1,000 | **required** | Vessels worked at the same "
            "time (shared by all vessel services calling here; 1 to 1,000). |") in text
    assert ("| `inspection_time` | [distribution](#distributions) | `0h` | Time of a physical "
            "inspection, on top of the document check. |") in text
    assert "| `horizon` | [duration](#durations), more than 0 h | **required** |" in text
    assert "Where: `borders.<name>.customs.exit`, `borders.<name>.customs.entry`" in text
    # Every link points at a heading of the page.
    anchors = {re.sub(r"[^a-z0-9 _-]", "", h.lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}
    assert set(re.findall(r"\]\(#([^)]+)\)", text)) <= anchors


def test_the_schema_command_writes_the_schema_to_stdout_or_a_file(tmp_path, capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == SCHEMA
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()
    assert main(["schema", "--markdown", "--out", str(tmp_path / "ref.md")]) == 0
    assert (tmp_path / "ref.md").read_text(encoding="utf-8") == scenario_reference()


def test_the_schema_command_reports_an_unwritable_file_in_one_line(tmp_path, capsys):
    target = tmp_path / "missing-folder" / "s.json"
    assert main(["schema", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err == f"corridorsim: error: {target}: cannot be written (No such file or directory)\n"
