"""Reading scenario files: safe YAML, ``extends:`` inheritance, ``--set`` overrides.

The loader owns everything about files and text; the schema owns the types.
Every failure becomes one ``ScenarioError`` naming the file, the key path and
what was expected.
"""

from __future__ import annotations

import copy
import difflib
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from corridorsim.errors import KeyPathError, ScenarioError
from corridorsim.scenario.schema import Scenario

MAX_EXTENDS_DEPTH = 16


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file, following ``extends:`` and applying overrides.

    ``overrides`` maps dotted key paths (``borders.altynkol.customs.digitization``)
    to values; string values are read as YAML scalars, as on the command line.
    """
    path = Path(path)
    document = read_document(path)
    if overrides:
        document = apply_overrides(document, overrides, source=path)
    scenario = validate_document(document, source=path)
    scenario._overrides = tuple((k, override_value(v)) for k, v in (overrides or {}).items())
    return scenario


def override_value(value: Any) -> Any:
    """An override value as it will appear in the manifest (YAML-typed, JSON-safe)."""
    if isinstance(value, str):
        try:
            value = yaml.safe_load(value) if value.strip() else value
        except yaml.YAMLError:
            return value
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def read_yaml_mapping(path: Path, what: str) -> dict[str, Any]:
    """The top-level mapping of a YAML file (safe loader), or one ``ScenarioError`` naming
    the file and the problem; ``what`` names the kind of file (scenario, sweep)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"file not found; expected a {what} YAML file", source=path) from None
    except IsADirectoryError:
        raise ScenarioError(f"is a directory; expected a {what} YAML file", source=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot be read ({exc})", source=path) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid syntax"
        raise ScenarioError(f"is not valid YAML{where}: {problem}", source=path) from None
    if not isinstance(document, dict):
        raise ScenarioError(f"expected a mapping of {what} keys at the top level",
                            source=path)
    return document


def read_document(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw mapping of a scenario file with its ``extends:`` chain merged in."""
    resolved = path.resolve()
    if resolved in _chain:
        raise ScenarioError("'extends' forms a cycle", source=path, key_path="extends")
    if len(_chain) > MAX_EXTENDS_DEPTH:
        raise ScenarioError("'extends' chain is too deep", source=path, key_path="extends")
    document = read_yaml_mapping(path, "scenario")
    parent = document.pop("extends", None)
    if parent is None:
        return document
    if not isinstance(parent, str):
        raise ScenarioError("expected the path of another scenario file", source=path,
                            key_path="extends")
    parent_path = (path.parent / parent)
    try:
        base = read_document(parent_path, _chain + (resolved,))
    except ScenarioError as exc:
        if exc.source == parent_path and exc.key_path == "" and not parent_path.exists():
            raise ScenarioError(f"file {parent!r} not found; expected the path of another "
                                "scenario file, relative to this one",
                                source=path, key_path="extends") from None
        raise
    return deep_merge(base, document)


def deep_merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``update`` over ``base``: mappings merge key by key, anything else replaces.

    A key set to ``null`` in ``update`` removes it from the result, so a child
    scenario can drop an inherited node, closure or flow.
    """
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if value is None and key in merged:
            del merged[key]
        elif isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_override(text: str, source: Path | str | None = None) -> tuple[str, Any]:
    """Split a command-line ``key.path=value`` into the path and a YAML-typed value.

    ``source`` is the scenario file the override applies to, named in the error.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"--set {text!r}: expected key.path=value", source=source)
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_overrides(document: dict[str, Any], overrides: Mapping[str, Any],
                    source: Path | None = None) -> dict[str, Any]:
    """A copy of ``document`` with each dotted key path set to its value.

    Intermediate mappings are created as needed; list items are addressed by
    index (``routes.northern_brest.2``); ``None`` removes the key.
    """
    result = copy.deepcopy(document)
    for key_path, value in overrides.items():
        if isinstance(value, str):
            try:
                value = yaml.safe_load(value) if value.strip() else value
            except yaml.YAMLError:
                pass
        parts = key_path.split(".")
        _check_named_entry(result, parts, source, key_path)
        target: Any = result
        for depth, part in enumerate(parts[:-1]):
            here = ".".join(parts[: depth + 1])
            if isinstance(target, dict):
                if part not in target or target[part] is None:
                    target[part] = {}
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                raise ScenarioError(f"override cannot descend into {here!r}: not a mapping",
                                    source=source, key_path=key_path)
        last = parts[-1]
        if isinstance(target, dict) and value is None:
            target.pop(last, None)  # as in 'extends': null removes the key
        elif isinstance(target, dict):
            target[last] = copy.deepcopy(value)
        elif isinstance(target, list) and last.isdigit() and int(last) < len(target):
            target[int(last)] = copy.deepcopy(value)
        else:
            raise ScenarioError("override target is not a mapping or a list index",
                                source=source, key_path=key_path)
    return result


NAMED_SECTIONS = {"terminals": "terminal", "borders": "border", "ports": "port", "legs": "leg",
                  "vessel_services": "vessel service", "routes": "route", "flows": "flow",
                  "closures": "closure"}


def _check_named_entry(document: Mapping[str, Any], parts: list[str], source: Path | None,
                       key_path: str) -> None:
    """An override inside a named entry (``borders.altynkol.customs``) must name an entry
    that exists: a misspelt name would otherwise add a new, unused entry silently.
    Setting a whole entry (``closures.new_storm``) may add one."""
    if len(parts) < 3 or parts[0] not in NAMED_SECTIONS:
        return
    entries = document.get(parts[0]) or {}
    if isinstance(entries, Mapping) and parts[1] not in entries:
        close = difflib.get_close_matches(parts[1], list(entries), n=1)
        hint = f"did you mean {close[0]!r}?" if close else (
            "expected one of " + ", ".join(repr(k) for k in sorted(entries)))
        raise ScenarioError(f"unknown {NAMED_SECTIONS[parts[0]]} {parts[1]!r}; {hint}",
                            source=source, key_path=key_path)


def validate_document(document: Mapping[str, Any], source: Path | None = None) -> Scenario:
    """Validate a raw mapping into a ``Scenario``, or raise the first error as ``ScenarioError``."""
    try:
        scenario = Scenario.model_validate(document)
    except ValidationError as exc:
        raise scenario_error_from(exc, source, document) from None
    scenario._source = source
    return scenario


def scenario_error_from(exc: ValidationError, source: Path | None,
                        document: object = None) -> ScenarioError:
    """One readable error from pydantic's report: the first problem, with its key path.

    A misspelt key is reported in preference to the required key it leaves
    missing. ``document`` is the validated input, used to keep the key path to
    keys the author actually wrote.
    """
    errors = exc.errors(include_url=False)
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    original = (first.get("ctx") or {}).get("error")
    if isinstance(original, KeyPathError):
        return ScenarioError(original.message, source=source, key_path=original.key_path)
    loc = _written_path(first["loc"], document)
    key_path = ".".join(loc)
    message = first["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if first["type"] == "extra_forbidden":
        message = _unknown_key(first["loc"])
    elif first["type"] == "missing":
        message = "required key is missing"
    elif first["type"] == "union_tag_invalid":
        message = message.replace("Input tag", "value")
    elif first["type"] == "union_tag_not_found":
        tag = (first.get("ctx") or {}).get("discriminator", "").strip("'")
        message = f"expected a '{tag}' key" + (" (rail or sea)" if tag == "mode" else "")
    elif message.startswith("Input should be "):
        wanted = _EXPECTED.get(first["type"], message[len("Input should be "):])
        if first["type"] in _COMPARISONS:
            wanted = "a number " + wanted
        message = f"expected {wanted}, got {_shown(first['input'])}"
    more = len(errors) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ScenarioError(message, source=source, key_path=key_path)


_EXPECTED = {
    "int_parsing": "a whole number", "int_type": "a whole number",
    "int_from_float": "a whole number", "float_parsing": "a number", "float_type": "a number",
    "bool_parsing": "true or false", "bool_type": "true or false", "string_type": "text",
    "dict_type": "a mapping of keys", "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys", "list_type": "a list",
}
_COMPARISONS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def _shown(value: object) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_UNION_TAGS = {"rail", "sea", "fixed", "exponential", "uniform", "triangular", "lognormal",
               "empirical", "seasonal", "window", "int", "TeuRange"}


def _is_tag(part: object) -> bool:
    return part in _UNION_TAGS or (isinstance(part, str) and part.startswith(
        ("function-", "tagged-union", "constrained-")))


def _written_path(loc: tuple[int | str, ...], document: object) -> list[str]:
    """Pydantic's error location as the author wrote it: union tags (``rail``,
    ``lognormal``) dropped, and nothing below a scalar (``36h`` is read as
    ``{dist: fixed, value: 36h}``, but ``value`` is not in the file)."""
    path: list[str] = []
    here = document
    for part in loc:
        if isinstance(here, Mapping) and part in here:
            here = here[part]
        elif isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here):
            here = here[part]
        elif _is_tag(part):
            continue
        elif document is not None and not isinstance(here, Mapping):
            break
        else:
            here = None  # a key that is not written (missing)
        path.append(str(part))
    return path


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    """'unknown key' with the closest accepted key, or the accepted keys."""
    allowed = sorted(_accepted_keys(loc[:-1]))
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    if not allowed:
        return "unknown key; check the spelling against the scenario reference (README)"
    shown = ", ".join(repr(k) for k in allowed)
    return f"unknown key; expected one of {shown}"


def _accepted_keys(parent: tuple[int | str, ...]) -> set[str]:
    """Keys the schema accepts in the mapping at ``parent`` (a pydantic location)."""
    types_here: list[Any] = [Scenario]
    for part in parent:
        following: list[Any] = []
        for tp in (m for t in types_here for m in _members(t)):
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                field = next((f for name, f in tp.model_fields.items()
                              if part in (name, f.alias)), None)
                if field is not None:
                    following.append(field.annotation)
                elif part == tp.__name__ or any(
                        part in typing.get_args(f.annotation)
                        for f in tp.model_fields.values()
                        if typing.get_origin(f.annotation) is typing.Literal):
                    following.append(tp)  # a union tag naming this member
            elif typing.get_origin(tp) is dict:
                following.append(typing.get_args(tp)[1])
            elif typing.get_origin(tp) is list and isinstance(part, int):
                following.append(typing.get_args(tp)[0])
            elif _is_tag(part):
                following.append(tp)
        types_here = following
    return {f.alias or name for t in types_here for tp in _members(t)
            if isinstance(tp, type) and issubclass(tp, BaseModel)
            for name, f in tp.model_fields.items()}


def _members(tp: Any) -> list[Any]:
    """The alternatives of a type, with ``Annotated`` and ``Optional`` unwrapped."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp]
