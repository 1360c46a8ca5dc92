"""The JSON Schema of scenario files, for editors: completion, hover text and validation.

It is generated from the same pydantic models that validate a file (``schema.py`` and
``sections.py``), so it cannot drift from what the loader accepts: each field's
docstring is its description, durations are numbers of hours or text with a unit, and
a distribution may be a duration alone. What the models do not know is added here: the
loader's ``extends:`` key, under which a file gives only the keys it changes (every key
optional, ``null`` removing an inherited one).

The schema is JSON Schema draft-07, the newest draft the YAML language server (VS Code's
``redhat.vscode-yaml``) supports. It checks types, bounds and key names; names across
sections (a route through a missing leg) are checked by ``corridorsim validate`` only.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from pydantic.json_schema import GenerateJsonSchema

from corridorsim.countries import COUNTRY_NAMES
from corridorsim.scenario.distributions import DURATION_ALTERNATIVES, MAX_HOURS, Fixed
from corridorsim.scenario.loader import MAX_EXTENDS_DEPTH
from corridorsim.scenario.schema import Scenario

if TYPE_CHECKING:  # a type alias pydantic defines for type checkers only
    from pydantic.json_schema import CoreSchemaOrField

DRAFT = "http://json-schema.org/draft-07/schema#"
DEFS = "#/definitions/"
DURATION = "Duration"
DISTRIBUTION = "Distribution"
COUNTRY = "Country"
ROOT = "Scenario"
EXTENSION = "ScenarioExtension"
PARTIAL = "Partial"
"""Prefix of the definitions used in a file with ``extends:`` (every key optional)."""

EXTENDS_DESCRIPTION = (
    "Another scenario file this one is based on, as a path relative to this file. Its "
    "keys are read first (following its own 'extends', at most "
    f"{MAX_EXTENDS_DEPTH} files deep), then this file's keys change them: mappings merge "
    "key by key, a list or a value replaces the inherited one, and null removes an "
    "inherited key. Such a file gives only the keys it changes.")
DURATION_DESCRIPTION = (
    "A duration: a number of hours (36, 1.5), or text with a unit: s, sec, min, mins, "
    "minutes; h, hr, hrs, hour, hours; d, day, days; w, week, weeks (in any case, with or "
    "without a space: '36h', '2.5 d', '45min'). Text without a unit is hours; 'm' is "
    "refused (minutes or months?). At most 100 years.")
DISTRIBUTION_DESCRIPTION = (
    "A duration distribution: a duration alone ('36h') is always that duration, or a "
    "mapping whose 'dist' names the kind: fixed, exponential, uniform, triangular, "
    "lognormal or empirical.")
_BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}
"""Pydantic's names of bounds it cannot place on a type (behind a validator) -> JSON Schema's."""
_MAPS_OF_NAMES = ("properties", "definitions")
"""Keywords whose value maps names (of keys, of definitions) to schemas."""


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (draft-07), as a mapping."""
    raw = Scenario.model_json_schema(by_alias=True, ref_template=DEFS + "{model}",
                                     schema_generator=_Generator, mode="validation")
    definitions: dict[str, Any] = {name: _standard(d) for name, d in raw.pop("$defs").items()}
    definitions[ROOT] = _standard(raw)
    members = [{"$ref": DEFS + name} for name in
               ("Fixed", "Exponential", "Uniform", "Triangular", "Lognormal", "Empirical")]
    definitions[DURATION] = {"description": DURATION_DESCRIPTION,
                             "anyOf": copy.deepcopy(DURATION_ALTERNATIVES)}
    definitions[COUNTRY] = {"description": "An ISO 3166-1 alpha-2 country code, in capitals.",
                            "type": "string", "enum": sorted(COUNTRY_NAMES)}
    definitions[DISTRIBUTION] = {
        "description": DISTRIBUTION_DESCRIPTION,
        "anyOf": [{"allOf": [{"$ref": DEFS + DURATION}], "minimum": 0, "maximum": MAX_HOURS},
                  {"oneOf": members}]}
    extension = _Partial(definitions).of(definitions[ROOT])
    extension["properties"] = {"extends": {"type": "string", "minLength": 1,
                                           "description": EXTENDS_DESCRIPTION},
                               **extension["properties"]}
    extension["required"] = ["extends"]
    extension["title"] = EXTENSION
    definitions[EXTENSION] = extension
    return {
        "$schema": DRAFT,
        "title": "corridorsim scenario",
        "description": (
            "A corridorsim scenario file: network, demand, customs, closures, costs and run "
            "settings (docs/scenario-reference.md). This schema checks keys, types and "
            "bounds; 'corridorsim validate' also checks the names one section uses of "
            "another."),
        "type": "object",
        "properties": {"extends": {"type": "string", "description": EXTENDS_DESCRIPTION}},
        "if": {"required": ["extends"]},
        "then": {"$ref": DEFS + EXTENSION},
        "else": {"$ref": DEFS + ROOT},
        "definitions": dict(sorted(definitions.items())),
    }


def schema_text() -> str:
    """The schema as a JSON file's text (two-space indent, a final newline)."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"


class _Generator(GenerateJsonSchema):
    """Pydantic's generator without its per-field titles (``Handling Fee Usd Per Teu``:
    editors would show them before the description) and with durations as written."""

    def field_title_should_be_set(self, schema: CoreSchemaOrField) -> bool:
        return False

    def encode_default(self, dft: Any) -> Any:
        if isinstance(dft, Fixed):
            return f"{dft.value:g}h"
        return super().encode_default(dft)


def _paragraphs(text: str) -> str:
    """A docstring's paragraphs, each on one line (hover text rewraps it anyway)."""
    return "\n\n".join(" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip())


def _standard(node: Any, names: bool = False) -> Any:
    """Pydantic's schema in plain draft-07: bounds under their JSON Schema names, no
    ``discriminator`` (an OpenAPI keyword), nothing beside a ``$ref`` (ignored there in
    draft-07: it moves under ``allOf``), durations, distributions and country codes by
    reference, and descriptions one line per paragraph. ``names``: ``node`` maps names
    to schemas."""
    if isinstance(node, list):
        return [_standard(item) for item in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {key: _standard(value) for key, value in node.items()}
    node = dict(node)
    alternatives = node.get("anyOf")
    if alternatives == DURATION_ALTERNATIVES:
        del node["anyOf"]
        node["allOf"] = [{"$ref": DEFS + DURATION}]
    elif isinstance(alternatives, list) and any(_is_distribution(a) for a in alternatives):
        # A distribution is [a duration, the mapping kinds]; pydantic flattens an optional
        # one into [a duration, the mapping kinds, null].
        kept = [{"$ref": DEFS + DISTRIBUTION} if _is_distribution(a) else a
                for i, a in enumerate(alternatives)
                if not (i + 1 < len(alternatives) and _is_distribution(alternatives[i + 1]))]
        del node["anyOf"]
        node.pop("minimum", None)
        node.pop("maximum", None)
        if len(kept) == 1:
            node["allOf"] = kept
        else:
            node["anyOf"] = kept
    if node.get("enum") == sorted(COUNTRY_NAMES):
        del node["enum"], node["type"]
        node["allOf"] = [{"$ref": DEFS + COUNTRY}]
    node.pop("discriminator", None)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description" and isinstance(value, str):
            out[key] = _paragraphs(value)
        else:
            out[_BOUNDS.get(key, key)] = _standard(value, names=key in _MAPS_OF_NAMES)
    if "$ref" in out and len(out) > 1:
        out["allOf"] = [{"$ref": out.pop("$ref")}, *out.get("allOf", [])]
    if list(out) == ["allOf"] and len(out["allOf"]) == 1:
        return out["allOf"][0]
    return out


def _is_distribution(schema: Any) -> bool:
    """The mapping kinds of a distribution (its ``dist`` discriminated union)."""
    return isinstance(schema, dict) and (
        schema.get("discriminator", {}).get("propertyName") == "dist")


_ANNOTATIONS = ("description", "default", "title")


class _Partial:
    """The schemas of a file with ``extends:``: the same keys and types, none required
    and each may be null (removing the inherited key), down through mappings; a list
    replaces the inherited one whole, so its items stay complete."""

    def __init__(self, definitions: dict[str, Any]):
        self.definitions = definitions

    def of(self, node: Any) -> Any:
        """The partial form of ``node`` (new definitions are added as needed)."""
        if isinstance(node, list):
            return [self.of(item) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("required", "minProperties"):
                continue
            if key == "$ref":
                out[key] = self._ref(value)
            elif key == "properties":
                out[key] = {name: self._nullable(self.of(s)) for name, s in value.items()}
            elif key == "additionalProperties" and isinstance(value, dict):
                out[key] = self._nullable(self.of(value))
            elif key in ("anyOf", "oneOf", "allOf"):
                # Without their required keys, several alternatives may fit: any one will do.
                out["anyOf" if key == "oneOf" else key] = self.of(value)
            else:
                out[key] = value  # items included: a list is replaced whole
        return out

    def _ref(self, ref: str) -> str:
        name = ref.removeprefix(DEFS)
        partial = PARTIAL + name
        if partial not in self.definitions:
            self.definitions[partial] = {}  # taken, should a definition refer to itself
            body = self.of(self.definitions[name])
            if body == self.definitions[name]:
                del self.definitions[partial]
                return ref
            self.definitions[partial] = body
        return DEFS + partial

    @staticmethod
    def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
        if {"type": "null"} in schema.get("anyOf", []):
            return schema
        outer = {k: schema[k] for k in _ANNOTATIONS if k in schema}
        inner = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
        return {**outer, "anyOf": [inner, {"type": "null"}]}
