"""Writing results: CSV text in a fixed layout, single files written atomically, and a
run's tables as a results folder (see ``results_folder`` for how a folder is written
whole and repaired after a kill)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from corridorsim.errors import RunError
from corridorsim.report.places import COUNTRY_COLUMNS, SEGMENT_COLUMNS, STOP_COLUMNS
from corridorsim.report.results_folder import write_folder_atomically
from corridorsim.report.summaries import COMPARISON_COLUMNS, SUMMARY_COLUMNS
from corridorsim.report.tables import (
    NODE_COLUMNS,
    SERVICE_COLUMNS,
    Tables,
    corridor_columns,
    route_columns,
    shipment_columns,
)
from corridorsim.report.timeseries import TIMESERIES_COLUMNS


def table_files(places: Sequence[str] = (), stops: bool = False
                ) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The CSV file and columns of each table a run writes, for a scenario with these
    ``places`` (its countries' columns); ``stops.csv`` only when asked for."""
    files = {"shipments": ("shipments.csv", shipment_columns(places)),
             "nodes": ("nodes.csv", NODE_COLUMNS),
             "routes": ("routes.csv", route_columns(places)),
             "corridors": ("corridors.csv", corridor_columns(places)),
             "services": ("services.csv", SERVICE_COLUMNS),
             "countries": ("countries.csv", COUNTRY_COLUMNS),
             "segments": ("segments.csv", SEGMENT_COLUMNS),
             "timeseries": ("timeseries.csv", TIMESERIES_COLUMNS),
             "summary": ("summary.csv", SUMMARY_COLUMNS),
             "comparison": ("comparison.csv", COMPARISON_COLUMNS)}
    if stops:
        files["stops"] = ("stops.csv", STOP_COLUMNS)
    return files


TABLE_FILES = table_files()
"""The files of a run of a scenario without countries or stops."""


def csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV text with a header, ``\\n`` line ends, empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return buffer.getvalue()


def csv_rows(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """The rows of ``csv_text`` without the header (to append to a file being written)."""
    return csv_text(rows, columns).split("\n", 1)[1]


def write_atomically(path: Path, text: str) -> None:
    """Write ``path`` through a hidden temporary file and a rename: whole, or not at all.
    A full or read-only disk is one ``RunError`` naming the file."""
    try:
        _write_atomically(path, text)
    except OSError as exc:
        raise RunError(f"{path}: cannot be written ({exc.strerror or exc})") from None


def _write_atomically(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes it private; results are not
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_run(directory: Path, tables: Tables, manifest: dict[str, Any],
              extra: dict[str, str] | None = None, kind: str = "run",
              places: Sequence[str] = (), stops: bool = False) -> Path:
    """Write every table of ``table_files``, ``manifest.json`` and any ``extra`` files
    (name -> text) into ``directory``, atomically, as a results folder of ``kind``."""
    files = {filename: csv_text(tables[table], columns)
             for table, (filename, columns) in table_files(places, stops).items()}
    files.update(extra or {})
    return write_folder_atomically(directory, kind, files, manifest)


RESOLVED_SCENARIO = "scenario.yaml"
"""The file of a run's folder that holds the scenario it simulated."""
