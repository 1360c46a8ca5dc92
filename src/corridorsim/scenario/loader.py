"""Reading scenario files: safe YAML, ``extends:`` inheritance, ``--set`` overrides.

The loader owns everything about files and text; the schema owns the types.
Every failure becomes one ``ScenarioError`` naming the file, the key path and
what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from corridorsim.errors import ScenarioError
from corridorsim.scenario.overrides import apply_overrides, deep_merge, override_value
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
    recorded = tuple((k, override_value(v)) for k, v in (overrides or {}).items())
    return Scenario.from_document(document, source=path, overrides=recorded)


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
        base = read_document(parent_path, (*_chain, resolved))
    except ScenarioError as exc:
        if exc.source == parent_path and exc.key_path == "" and not parent_path.exists():
            raise ScenarioError(f"file {parent!r} not found; expected the path of another "
                                "scenario file, relative to this one",
                                source=path, key_path="extends") from None
        raise
    return deep_merge(base, document)
