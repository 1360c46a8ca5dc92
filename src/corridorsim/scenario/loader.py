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


MAX_FILE_BYTES = 10_000_000
"""Files larger than this (10 MB) are refused before parsing; the 2024 baseline is 50 kB."""
MAX_DEPTH = 64
"""Mappings and lists nest at most this deep."""
MAX_NODES = 1_000_000
"""Values a document may hold once aliases are expanded (an alias bomb stays small as
text and explodes when it is used)."""

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser: ~10x faster


class _UniqueKeyLoader(_BaseLoader):
    """The safe loader, refusing a key written twice in one mapping (YAML lets the last
    one win silently: a second ``terminals:`` would wipe the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise _DuplicateKey(key, seen[key], line)
                seen[key] = line
            except TypeError:  # an unhashable key: the constructor reports it
                break
        return super().construct_mapping(node, deep=deep)


class _DuplicateKey(Exception):
    def __init__(self, key: object, first: int, second: int):
        self.key, self.first, self.second = key, first, second
        super().__init__(f"key {key!r} at line {second} is already set at line {first}")


def read_yaml_mapping(path: Path, what: str) -> dict[str, Any]:
    """The top-level mapping of a YAML file (safe loader), or one ``ScenarioError`` naming
    the file and the problem; ``what`` names the kind of file (scenario, sweep).

    Only a regular file of at most ``MAX_FILE_BYTES`` is read; keys must be unique in
    each mapping; the document may nest ``MAX_DEPTH`` levels and hold ``MAX_NODES``
    values with its aliases expanded.
    """
    try:
        if path.is_dir():
            raise IsADirectoryError
        if not path.is_file():
            if path.exists():
                raise ScenarioError(f"is not a regular file; expected a {what} YAML file",
                                    source=path)
            raise FileNotFoundError
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(f"is {size / 1e6:,.1f} MB; a {what} file may be at most "
                                f"{MAX_FILE_BYTES / 1e6:g} MB", source=path)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"file not found; expected a {what} YAML file", source=path) from None
    except IsADirectoryError:
        raise ScenarioError(f"is a directory; expected a {what} YAML file", source=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot be read ({exc})", source=path) from None
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # a safe loader
    except _DuplicateKey as exc:
        raise ScenarioError(str(exc), source=path) from None
    except RecursionError:
        raise ScenarioError(f"is nested too deeply (at most {MAX_DEPTH} levels)",
                            source=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid syntax"
        raise ScenarioError(f"is not valid YAML{where}: {problem}", source=path) from None
    except (ValueError, OverflowError) as exc:  # a date such as 2024-13-45, read as a date
        raise ScenarioError(f"has a value YAML cannot read ({exc}); quote it if it is text",
                            source=path) from None
    if not isinstance(document, dict):
        raise ScenarioError(f"expected a mapping of {what} keys at the top level",
                            source=path)
    check_document_size(document, path)
    return document


def check_document_size(document: object, source: Path | None) -> None:
    """Refuse a document nested deeper than ``MAX_DEPTH`` or holding more than
    ``MAX_NODES`` values with aliases expanded (counted without recursion)."""
    pending: list[tuple[object, int]] = [(document, 1)]
    nodes = 0
    while pending:
        value, depth = pending.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ScenarioError(f"holds more than {MAX_NODES:,} values once its aliases "
                                "are expanded; expected a scenario-sized document",
                                source=source)
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ScenarioError(f"is nested too deeply (at most {MAX_DEPTH} levels)",
                                    source=source)
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)


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
        if exc.key_path == "extends" and exc.source == path:
            raise
        # Name the child and its 'extends' as well as the parent's own problem.
        raise ScenarioError(f"in {parent!r}: {exc}", source=path,
                            key_path="extends") from None
    merged = deep_merge(base, document)
    check_document_size(merged, path)
    return merged
