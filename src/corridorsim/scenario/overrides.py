"""Key paths set on a scenario document: ``extends:`` merging and ``--set`` overrides.

Pure work on the raw mapping of a file (dicts, lists, scalars), before validation:
nothing here knows the schema, so scenario and sweep files share it.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from corridorsim.errors import ScenarioError


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


def yaml_scalar(text: str) -> Any:
    """A command-line value read as YAML (``0.9`` a number, ``null`` None); text that is
    not valid YAML stays text."""
    try:
        return yaml.safe_load(text) if text.strip() else text
    except (yaml.YAMLError, ValueError, OverflowError):  # 2024-13-45 is read as a bad date
        return text


def override_value(value: Any) -> Any:
    """An override value as it will appear in the manifest (YAML-typed, JSON-safe)."""
    if isinstance(value, str):
        value = yaml_scalar(value)
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def parse_override(text: str, source: Path | str | None = None) -> tuple[str, Any]:
    """Split a command-line ``key.path=value`` into the path and a YAML-typed value.

    ``source`` is the scenario file the override applies to, named in the error.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"--set {text!r}: expected key.path=value", source=source)
    return key, yaml_scalar(raw) if raw.strip() else ""


def apply_overrides(document: dict[str, Any], overrides: Mapping[str, Any],
                    source: Path | None = None) -> dict[str, Any]:
    """A copy of ``document`` with each dotted key path set to its value.

    Intermediate mappings are created as needed; list items are addressed by
    index (``routes.northern_brest.2``); ``None`` removes the key.
    """
    result = copy.deepcopy(document)
    set_key_paths(result, overrides, source)
    return result


def set_key_paths(result: dict[str, Any], overrides: Mapping[str, Any],
                  source: Path | None = None) -> None:
    """Set each dotted key path of ``overrides`` in ``result`` itself (as
    ``apply_overrides`` does on its copy), so that several sets in a row copy the
    document once."""
    for key_path, value in overrides.items():
        if isinstance(value, str):
            value = yaml_scalar(value)
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


NAMED_SECTIONS = {"terminals": "terminal", "borders": "border", "ports": "port", "legs": "leg",
                  "vessel_services": "vessel service", "routes": "route", "flows": "flow",
                  "closures": "closure"}
"""Sections whose keys are names the author chooses, and what one entry is called."""


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
