"""Writing results: CSV text in a fixed layout, single files written atomically, and a
run's tables as a results folder (see ``results_folder`` for how a folder is written
whole and repaired after a kill), as CSV files or, with ``format="parquet"``, as Parquet
files of the same rows (see ``parquet``)."""

from __future__ import annotations

import csv
import io
import itertools
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from corridorsim.errors import RunError
from corridorsim.report.parquet import ParquetTableWriter, pyarrow_version, write_parquet
from corridorsim.report.periods import PERIOD_COLUMNS
from corridorsim.report.places import COUNTRY_COLUMNS, SEGMENT_COLUMNS, STOP_COLUMNS
from corridorsim.report.results_folder import StagedFolder, write_folder_atomically
from corridorsim.report.shares import SHARE_COLUMNS
from corridorsim.report.summaries import COMPARISON_COLUMNS, SUMMARY_COLUMNS
from corridorsim.report.tables import (
    SERVICE_COLUMNS,
    Tables,
    corridor_columns,
    node_columns,
    route_columns,
    shipment_columns,
)
from corridorsim.report.timeseries import timeseries_columns

FORMATS = ("csv", "parquet")
"""The file formats of a run's tables; ``manifest.json`` and ``scenario.yaml`` are the
same in both."""


def check_format(file_format: str) -> None:
    """Refuse an unknown format, and Parquet without pyarrow (one line saying how to
    install it), before anything runs."""
    if file_format not in FORMATS:
        raise RunError(f"format: expected one of {', '.join(FORMATS)}, got {file_format!r}")
    if file_format == "parquet":
        pyarrow_version()


def table_files(places: Sequence[str] = (), stops: bool = False, file_format: str = "csv",
                outages: bool = False) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The file and columns of each table a run writes, for a scenario with these
    ``places`` (its countries' columns) and ``outages`` or not (the stages' hours out of
    service); ``stops`` only when asked for. Files are ``<table>.csv``, or
    ``<table>.parquet`` in the Parquet format."""
    columns = {"shipments": shipment_columns(places), "nodes": node_columns(outages),
               "routes": route_columns(places), "corridors": corridor_columns(places),
               "services": SERVICE_COLUMNS, "countries": COUNTRY_COLUMNS,
               "segments": SEGMENT_COLUMNS, "shares": SHARE_COLUMNS,
               "timeseries": timeseries_columns(outages), "periods": PERIOD_COLUMNS,
               "summary": SUMMARY_COLUMNS,
               "comparison": COMPARISON_COLUMNS}
    if stops:
        columns["stops"] = STOP_COLUMNS
    return {table: (f"{table}.{file_format}", cols) for table, cols in columns.items()}


TABLE_FILES = table_files()
"""The files of a run of a scenario without countries or stops."""


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text with a header, ``\\n`` line ends, empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return buffer.getvalue()


def csv_rows(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
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


ExtraTables = Mapping[str, tuple[Sequence[Mapping[str, Any]], Sequence[str]]]
"""Tables written beside a run's own (``calibration``): name -> (rows, columns)."""


def write_run(directory: Path, tables: Tables, manifest: dict[str, Any],
              extra: dict[str, str] | None = None, kind: str = "run",
              places: Sequence[str] = (), stops: bool = False, file_format: str = "csv",
              extra_tables: ExtraTables | None = None, outages: bool = False) -> Path:
    """Write every table of ``table_files`` and ``extra_tables`` in ``file_format``,
    ``manifest.json`` and any ``extra`` files (name -> text) into ``directory``,
    atomically, as a results folder of ``kind``."""
    check_format(file_format)
    every: dict[str, tuple[str, Sequence[Mapping[str, Any]], Sequence[str]]] = {
        table: (filename, tables[table], columns) for table, (filename, columns)
        in table_files(places, stops, file_format, outages).items()}
    every.update({table: (f"{table}.{file_format}", rows, columns)
                  for table, (rows, columns) in (extra_tables or {}).items()})
    if file_format == "csv":
        files = {filename: csv_text(rows, columns) for filename, rows, columns in every.values()}
        files.update(extra or {})
        return write_folder_atomically(directory, kind, files, manifest)
    with StagedFolder(directory, kind) as staged:
        for table, (filename, rows, columns) in every.items():
            write_table_file(staged, filename, rows, columns, table in STREAMED_TABLES)
        for name, text in (extra or {}).items():
            staged.write(name, text)
        return staged.commit(format_manifest(manifest, file_format))


def format_manifest(manifest: Mapping[str, Any], file_format: str) -> dict[str, Any]:
    """The manifest of a folder in ``file_format``: with Parquet, ``versions`` adds
    pyarrow's (the files' bytes depend on it)."""
    if file_format == "csv":
        return dict(manifest)
    return {**manifest, "versions": {**manifest.get("versions", {}),
                                     "pyarrow": pyarrow_version()}}


STREAMED_TABLES = ("shipments", "stops")
"""The tables that grow with consignments: ``run_to_folder`` streams them a replication
at a time, and in Parquet they have a row group per replication however they are
written, so a folder's bytes do not depend on how it was written."""


def write_table_file(staged: StagedFolder, filename: str, rows: Sequence[Mapping[str, Any]],
                     columns: Sequence[str], per_replication: bool = False) -> None:
    """One whole table file (CSV or Parquet, by its name) into a staged folder; in
    Parquet ``per_replication`` gives each replication's rows a row group."""
    if filename.endswith(".csv"):
        staged.write(filename, csv_text(rows, columns))
        return
    try:
        if not per_replication:
            write_parquet(staged.path(filename), rows, columns)
            return
        with ParquetTableWriter(staged.path(filename), columns) as writer:
            for _, group in itertools.groupby(rows, key=lambda row: row["replication"]):
                writer.write(list(group))
    except OSError as exc:
        raise RunError(f"{staged.directory}: cannot write results ({exc.strerror or exc})"
                       ) from None


class TableSink(Protocol):
    """A table file being written a replication at a time."""

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append one replication's rows."""


class _CsvSink:
    def __init__(self, out: Any, columns: Sequence[str]):
        self.out, self.columns = out, columns

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.out.write(csv_rows(rows, self.columns))


@contextmanager
def open_table(path: Path, columns: Sequence[str]) -> Iterator[TableSink]:
    """A table file (CSV or Parquet, by its suffix) written a replication at a time:
    the header (or schema) first, then rows (a Parquet row group per replication),
    flushed and fsynced when the block ends without an error."""
    if path.suffix == ".parquet":
        with ParquetTableWriter(path, columns) as writer:
            yield writer
        return
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(csv_text((), columns))
        yield _CsvSink(out, columns)
        out.flush()
        os.fsync(out.fileno())


RESOLVED_SCENARIO = "scenario.yaml"
"""The file of a run's folder that holds the scenario it simulated."""
