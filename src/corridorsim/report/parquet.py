"""Parquet tables (``--format parquet``): the same rows as the CSV files, typed columns.

Each column has one declared type (whole numbers, floats or text), whatever the data,
so a table has the same schema in every run, empty or not, and a reader never guesses.
The files are byte-identical for the same scenario, seed and versions (corridorsim and
pyarrow): the writer's settings are fixed here, and Parquet stores no write time.

pyarrow is an optional extra (``pip install 'corridorsim[parquet]'``); it is imported
only when a Parquet file is written or read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from corridorsim.errors import RunError

INSTALL = "pip install 'corridorsim[parquet]'"
MISSING = f"Parquet files need pyarrow, which is not installed; {INSTALL}"

TEXT_COLUMNS = frozenset({
    "flow", "route", "corridor", "released_at", "delivered_at", "node", "kind", "stage",
    "median_at_least", "p90_at_least", "p95_at_least", "service", "from_port", "to_port",
    "scope", "name", "country", "country_name", "segment", "from_node", "to_node",
    "arrived_at", "departed_at", "kpi", "significant", "target", "what", "source", "passed",
    "date", "period", "option", "month", "converged", "starts_at", "ends_at"})
WHOLE_COLUMNS = frozenset({
    "replication", "consignment_id", "teu", "max_queue", "throughput_trains", "vessel_calls",
    "servers", "services", "consignments_released", "consignments_delivered",
    "teu_delivered", "backlog_consignments", "backlog_teu", "sailings", "teu_carried",
    "consignments", "stop", "replications", "day", "teu_released", "iterations", "year"})
FLOAT_COLUMNS = frozenset({
    "transit_days", "cost_usd_per_teu", "freight_usd_per_teu", "co2_kg_per_teu",
    "co2e_wtw_kg_per_teu", "co2e_ttw_kg_per_teu", "expected_cost_usd_per_teu",
    "utilisation", "throughput_teu", "max_yard_teu", "landed_teu", "loaded_teu",
    "load_factor", "std_transit_days", "median_transit_days", "p90_transit_days",
    "p95_transit_days", "share_within_promise", "median_days", "p90_days", "dwell_hours",
    "mean", "std", "ci_low", "ci_high", "half_width", "middle_mean", "northern_mean",
    "difference", "band_low", "band_high", "model_mean", "share", "constant_usd_per_teu",
    "goal", "days"})
FLOAT_PREFIXES = ("days_", "mean_", "hours_", "cost_")
"""Durations and means by activity or place (``days_in_KZ``, ``mean_days_customs``,
``hours_sailing``, ``hours_closed``), costs by component (``cost_handling_usd_per_teu``):
floats."""
FLOAT_SUFFIXES = ("_mean", "_halfwidth")
"""Means across replications and their half-widths (``periods.csv``): floats."""

ARROW_TYPES = {"int": "int64", "float": "float64", "text": "string"}


def column_type(column: str) -> str:
    """``int``, ``float`` or ``text``: the declared type of a column of any table a run
    or calibration writes. A column of none of these is a programming error: it must be
    declared above before its table can be written as Parquet."""
    if column in TEXT_COLUMNS:
        return "text"
    if column in WHOLE_COLUMNS:
        return "int"
    if (column in FLOAT_COLUMNS or column.startswith(FLOAT_PREFIXES)
            or column.endswith(FLOAT_SUFFIXES)):
        return "float"
    raise ValueError(f"column {column!r} has no declared Parquet type; add it to "
                     "TEXT_COLUMNS, WHOLE_COLUMNS or FLOAT_COLUMNS in corridorsim.report.parquet")


def pyarrow_modules() -> tuple[ModuleType, ModuleType]:
    """``pyarrow`` and ``pyarrow.parquet``, or one ``RunError`` saying how to install them."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise RunError(MISSING) from None
    return pyarrow, pyarrow.parquet


def pyarrow_version() -> str:
    """The installed pyarrow's version (the manifest records it: it decides the bytes)."""
    return str(pyarrow_modules()[0].__version__)


def _schema(pa: ModuleType, columns: Sequence[str]) -> Any:
    return pa.schema([pa.field(c, getattr(pa, ARROW_TYPES[column_type(c)])())
                      for c in columns])


def _table(pa: ModuleType, schema: Any, rows: Sequence[Mapping[str, Any]]) -> Any:
    arrays = [pa.array([row.get(f.name) for row in rows], type=f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


WRITER_OPTIONS: dict[str, Any] = {
    "compression": "zstd", "compression_level": 3, "use_dictionary": True,
    "write_statistics": True, "version": "2.6", "data_page_version": "1.0",
    "store_schema": True, "write_page_index": False}
"""Fixed, so the bytes depend on the rows and the pyarrow version only."""


class ParquetTableWriter:
    """One Parquet file written a row group at a time (one per replication for the
    tables that stream), so memory does not grow with the rows written. Closing it
    writes the footer and fsyncs the file; a file never closed is left unfinished, in
    a staging folder that is removed."""

    def __init__(self, path: Path, columns: Sequence[str]):
        self._pa, pq = pyarrow_modules()
        self.path = path
        self._schema = _schema(self._pa, columns)
        self._file = open(path, "wb")  # noqa: SIM115  (closed by close())
        try:
            self._writer = pq.ParquetWriter(self._file, self._schema, **WRITER_OPTIONS)
        except BaseException:
            self._file.close()
            raise

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append ``rows`` as one row group (nothing for no rows)."""
        if rows:
            self._writer.write_table(_table(self._pa, self._schema, rows),
                                     row_group_size=len(rows))

    def close(self) -> None:
        """Write the footer, flush and fsync."""
        try:
            self._writer.close()
            self._file.flush()
            os.fsync(self._file.fileno())
        finally:
            self._file.close()

    def __enter__(self) -> ParquetTableWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _traceback: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self._file.close()


def write_parquet(path: Path, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]
                  ) -> None:
    """Write ``rows`` (the table's ``columns``, missing keys as nulls) as one Parquet
    file with one row group."""
    with ParquetTableWriter(path, columns) as writer:
        writer.write(list(rows))


def read_parquet(path: Path) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The columns and rows of a Parquet file: nulls as None, whole numbers as int,
    floats as float, text as str (the rows of the table that was written)."""
    _, pq = pyarrow_modules()
    table = pq.read_table(path)
    return tuple(table.column_names), table.to_pylist()
