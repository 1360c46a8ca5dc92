"""Reading scenario files: safe YAML, ``extends:`` inheritance, ``--set`` overrides.

The loader owns everything about files and text; the schema owns the types.
Every failure becomes one ``ScenarioError`` naming the file, the key path and
what was expected.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

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
    return validate_document(document, source=path)


def read_document(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw mapping of a scenario file with its ``extends:`` chain merged in."""
    resolved = path.resolve()
    if resolved in _chain:
        raise ScenarioError("'extends' forms a cycle", source=path, key_path="extends")
    if len(_chain) > MAX_EXTENDS_DEPTH:
        raise ScenarioError("'extends' chain is too deep", source=path, key_path="extends")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found; expected a scenario YAML file", source=path) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory; expected a scenario YAML file", source=path) from None
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
        raise ScenarioError("expected a mapping of scenario keys at the top level",
                            source=path)
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
            raise ScenarioError(f"{parent!r} not found (resolved relative to this file)",
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


def parse_override(text: str) -> tuple[str, Any]:
    """Split a command-line ``key.path=value`` into the path and a YAML-typed value."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"--set {text!r}: expected key.path=value")
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


def validate_document(document: Mapping[str, Any], source: Path | None = None) -> Scenario:
    """Validate a raw mapping into a ``Scenario``, or raise the first error as ``ScenarioError``."""
    try:
        scenario = Scenario.model_validate(document)
    except ValidationError as exc:
        raise scenario_error_from(exc, source) from None
    scenario._source = source
    return scenario


def scenario_error_from(exc: ValidationError, source: Path | None) -> ScenarioError:
    """One readable error from pydantic's report: the first problem, with its key path."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    original = (first.get("ctx") or {}).get("error")
    if isinstance(original, KeyPathError):
        return ScenarioError(original.message, source=source, key_path=original.key_path)
    loc = [str(part) for part in first["loc"]]
    # Pydantic puts the union tag (e.g. 'rail', 'lognormal') in the location; keep the
    # location readable by dropping tags that are not keys of the input.
    key_path = ".".join(_drop_union_tags(loc, document=exc))
    message = first["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if first["type"] == "extra_forbidden":
        message = "unknown key; check the spelling against the scenario reference (README)"
    elif first["type"] == "missing":
        message = "required key is missing"
    elif first["type"] == "union_tag_invalid":
        message = message.replace("Input tag", "value")
    more = len(errors) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ScenarioError(message, source=source, key_path=key_path)


_UNION_TAGS = {"rail", "sea", "fixed", "exponential", "uniform", "triangular", "lognormal",
               "empirical", "seasonal", "window", "int", "TeuRange",
               "function-before[_shorthand_fixed(), tagged-union[Fixed,Exponential,Uniform,"
               "Triangular,Lognormal,Empirical]]"}


def _drop_union_tags(loc: list[str], document: object) -> list[str]:
    return [part for part in loc if part not in _UNION_TAGS and not part.startswith(
        ("function-", "tagged-union", "constrained-"))]
