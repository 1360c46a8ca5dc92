"""Reading a results folder back: its manifest and every table it lists, as typed rows.

Any folder corridorsim wrote can be read (run, calibrate, compare, sweep; a sensitivity
analysis is a sweep folder with ``sensitivity.csv``): the manifest says what kind it is
and which files it holds, and every ``.csv`` or ``.parquet`` file it lists is read, so a
table added to a folder later is read without a change here. A CSV cell is typed as it
was written: empty is None, a whole number int, any other number float, the rest text,
so the rows equal the ones the run held before writing them. Parquet columns carry
their types.

A folder written by another corridorsim version is refused: the columns and their
meaning may differ, and a report of it would be silently wrong.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridorsim.errors import RunError
from corridorsim.report.parquet import read_parquet
from corridorsim.report.results_folder import FOLDER_KINDS, MANIFEST, REPORT, TOOL
from corridorsim.version import package_version

RESULTS_KINDS = tuple(k for k in FOLDER_KINDS if k != REPORT)
"""The folders holding results (a report folder holds only a page about them)."""
EXPECTED = f"expected a corridorsim results folder ({', '.join(RESULTS_KINDS)})"
TABLE_SUFFIXES = (".csv", ".parquet")
UNVERSIONED_KINDS = frozenset({"compare"})
"""Folder kinds whose manifest records no corridorsim version (a comparison records the
two runs'); their version is checked when it is there."""

_NUMBER_STARTS = frozenset("0123456789-.in")
"""How ``str`` of an int or a float can start (``csv`` writes numbers with ``str``;
``inf``, ``nan``)."""


@dataclass(frozen=True)
class ResultsFolder:
    """A results folder as read: its kind, its manifest and its tables' rows."""

    path: Path
    kind: str
    """The manifest's ``folder_kind``: run, calibrate, compare or sweep."""
    manifest: dict[str, Any] = field(repr=False)
    tables: dict[str, list[dict[str, Any]]] = field(repr=False)
    """Rows by file stem (``shipments``, ``routes``, ``sweep``, ...), typed."""
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    """Each table's columns in file order (also for a table with no rows)."""

    @property
    def file_format(self) -> str:
        """``parquet`` if the tables are Parquet files, else ``csv``."""
        files = self.manifest["files"]
        return "parquet" if any(f.endswith(".parquet") for f in files) else "csv"


def cell_value(text: str) -> Any:
    """A CSV cell as the value that was written: None, int, float or str. Only what
    ``str`` of a number writes is a number (not ``1_000`` or `` 7``, which ``int`` and
    ``float`` would also take)."""
    if not text:
        return None
    if not text.isascii():
        return text
    if text.isdigit() or (text[0] == "-" and text[1:].isdigit()):
        return int(text)
    if text[0] in _NUMBER_STARTS and "_" not in text and text.strip() == text:
        try:
            return float(text)
        except ValueError:
            return text
    return text


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a corridorsim results folder of this version, or one ``RunError``
    naming the folder and what was expected."""
    if not folder.exists():
        raise RunError(f"{folder}: not found; {EXPECTED}")
    if not folder.is_dir():
        raise RunError(f"{folder}: is not a folder; {EXPECTED}")
    path = folder / MANIFEST
    if not path.is_file():
        raise RunError(f"{folder}: has no {MANIFEST}; {EXPECTED}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RunError(f"{path}: cannot be read as JSON ({exc}); {EXPECTED}") from None
    if not isinstance(manifest, dict) or manifest.get("written_by") != TOOL:
        raise RunError(f"{folder}: its {MANIFEST} was not written by corridorsim; {EXPECTED}")
    kind, files = manifest.get("folder_kind"), manifest.get("files")
    if kind == REPORT:
        raise RunError(f"{folder}: is a report folder; expected the results folder above "
                       f"it ({folder.parent})")
    if kind not in RESULTS_KINDS:
        raise RunError(f"{folder}: its {MANIFEST} names no folder kind corridorsim knows "
                       f"({kind!r}); {EXPECTED}")
    if not isinstance(files, list) or not all(isinstance(f, str) and f and Path(f).name == f
                                              for f in files):
        raise RunError(f"{folder}: its {MANIFEST} lists no files (key 'files'); {EXPECTED}")
    versions = manifest.get("versions")
    written = versions.get("corridorsim") if isinstance(versions, dict) else None
    ours = package_version()
    if written is None and kind not in UNVERSIONED_KINDS:
        raise RunError(f"{folder}: its {MANIFEST} records no corridorsim version "
                       f"(versions.corridorsim); expected results of corridorsim {ours}")
    if written is not None and written != ours:
        raise RunError(f"{folder}: written by corridorsim {written}; expected results of "
                       f"corridorsim {ours} (run it again with this version)")
    return manifest


def read_csv_table(path: Path, keep: Collection[str] | None = None
                   ) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The header and typed rows of a CSV file corridorsim wrote (with ``keep``, only
    those columns are typed and kept in the rows: a report of a long run reads five of
    ``shipments.csv``'s columns)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = tuple(next(reader, ()))
            if not header:
                raise RunError(f"{path}: is empty; expected a header row")
            rows = []
            seen: dict[str, Any] = {}  # cells repeat (names, 0.0): type each text once

            def value(text: str) -> Any:
                try:
                    return seen[text]
                except KeyError:
                    seen[text] = typed = cell_value(text)
                    return typed

            kept = [i for i, c in enumerate(header) if keep is None or c in keep]
            names = [header[i] for i in kept]
            for cells in reader:
                if len(cells) != len(header):
                    raise RunError(f"{path}: line {reader.line_num} has {len(cells)} cells; "
                                   f"expected {len(header)}, one per column of the header")
                rows.append(dict(zip(names, [value(cells[i]) for i in kept], strict=True)))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RunError(f"{path}: cannot be read as CSV ({exc})") from None
    return header, rows


def read_table(path: Path, keep: Collection[str] | None = None
               ) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The columns and typed rows of a table file, CSV or Parquet by its suffix (with
    ``keep``, of those columns only)."""
    if path.suffix == ".csv":
        return read_csv_table(path, keep)
    if keep is not None:
        header, rows = read_table(path)
        return header, [{c: row[c] for c in header if c in keep} for row in rows]
    try:
        return read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's errors of unreadable or invalid files
        raise RunError(f"{path}: cannot be read as Parquet ({exc})") from None


def read_results_folder(path: str | Path, only: Collection[str] | None = None,
                        columns_of: Mapping[str, Collection[str]] | None = None
                        ) -> ResultsFolder:
    """Read a results folder: its manifest (checked: corridorsim's, a known kind, this
    version) and every table file it lists, typed (with ``only``: those of these tables
    that it has, e.g. what a report draws, leaving out ``stops`` and ``nodes``; with
    ``columns_of``, a table's rows keep only those columns). Bad input is one
    ``RunError`` naming the folder (or file) and what was expected."""
    folder = Path(path)
    manifest = read_manifest(folder)
    tables: dict[str, list[dict[str, Any]]] = {}
    columns: dict[str, tuple[str, ...]] = {}
    for name in sorted(manifest["files"]):
        file = folder / name
        if file.suffix not in TABLE_SUFFIXES or (only is not None and file.stem not in only):
            continue
        if not file.is_file():
            raise RunError(f"{file}: listed in {MANIFEST} but missing; expected the folder "
                           "as corridorsim wrote it")
        if file.stem in tables:
            raise RunError(f"{folder}: holds the table {file.stem} twice (CSV and Parquet); "
                           "expected one file per table")
        columns[file.stem], tables[file.stem] = read_table(
            file, (columns_of or {}).get(file.stem))
    return ResultsFolder(folder, str(manifest["folder_kind"]), manifest, tables, columns)
