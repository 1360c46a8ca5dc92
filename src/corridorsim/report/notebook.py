"""Results in a notebook: a small HTML summary of a run, and its tables as DataFrames.

pandas is an optional extra (``pip install 'corridorsim[pandas]'``), imported only when
DataFrames are asked for; a user without it keeps the rows (``result.summary`` etc.).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from corridorsim.errors import RunError

PANDAS_MISSING = ("DataFrames need pandas, which is not installed; "
                  "pip install 'corridorsim[pandas]'")

CATEGORICAL_COLUMNS = frozenset({"flow", "route", "corridor", "node", "country", "kind",
                                 "stage", "scope", "kpi", "service", "segment"})
"""Names that repeat over many rows: categories (less memory, faster group-bys)."""


def is_timestamp_column(column: str) -> bool:
    """Instants (``released_at``, ``delivered_at``, ``arrived_at``, ``departed_at``) and
    calendar dates (``date``, ``*_date``), parsed into datetimes."""
    return column.endswith("_at") or column == "date" or column.endswith("_date")


def data_frames(tables: Mapping[str, Sequence[Mapping[str, Any]]],
                columns: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """A DataFrame per table, its columns in file order (``columns``, else the first
    row's): timestamps parsed, names categorical, whole numbers with gaps as ``Int64``."""
    try:
        import pandas as pd
    except ImportError:
        raise RunError(PANDAS_MISSING) from None
    frames: dict[str, Any] = {}
    for name, rows in tables.items():
        order = list(columns.get(name) or (rows[0].keys() if rows else ()))
        frame = pd.DataFrame.from_records([[row.get(c) for c in order] for row in rows],
                                          columns=order)
        for column in order:
            values = [row.get(column) for row in rows]
            present = [v for v in values if v is not None]
            if is_timestamp_column(column) and all(isinstance(v, str) for v in present):
                frame[column] = pd.to_datetime(frame[column], format="ISO8601")
            elif column in CATEGORICAL_COLUMNS and all(isinstance(v, str) for v in present):
                frame[column] = frame[column].astype("category")
            elif (present and len(present) < len(values)
                  and all(isinstance(v, int) and not isinstance(v, bool) for v in present)):
                frame[column] = pd.array(values, dtype="Int64")
        frames[name] = frame
    return frames


def _number(value: Any, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _interval(row: Mapping[str, Any] | None) -> str:
    if row is None or row.get("mean") is None:
        return "&ndash;"
    text = _number(row["mean"])
    if row.get("ci_low") is not None and row.get("ci_high") is not None:
        text += (f' <span style="color:#666">[{_number(row["ci_low"])}, '
                 f'{_number(row["ci_high"])}]</span>')
    return text


def result_html(scenario: str, replications: int, seed: int,
                summary: Sequence[Mapping[str, Any]], where: str | None = None) -> str:
    """A run's summary for a notebook: per route and corridor (pooled), the median and
    p90 transit days with their 95% intervals across replications, and deliveries."""
    kpis = {(r["scope"], r["name"], r["kpi"]): r for r in summary
            if r["scope"] in ("route", "corridor")}
    names = sorted({(scope, name) for scope, name, _ in kpis},
                   key=lambda k: (k[0] != "route", k[1]))
    head = (f"<b>corridorsim run</b> of <code>{html.escape(scenario)}</code>: "
            f"{replications} replication{'s' if replications != 1 else ''}, seed {seed}"
            + (f", from <code>{html.escape(where)}</code>" if where else ""))
    cells = ['<tr><th style="text-align:left">route</th><th>median days</th>'
             '<th>p90 days</th><th>delivered / replication</th></tr>']
    for scope, name in names:
        label = html.escape(name) if scope == "route" else f"<i>{html.escape(name)}, pooled</i>"
        delivered = kpis.get((scope, name, "consignments_delivered"))
        cells.append(f'<tr><td style="text-align:left">{label}</td>'
                     f"<td>{_interval(kpis.get((scope, name, 'median_transit_days')))}</td>"
                     f"<td>{_interval(kpis.get((scope, name, 'p90_transit_days')))}</td>"
                     f"<td>{_number(delivered['mean'] if delivered else None)}</td></tr>")
    note = ("means over replications; [95% interval of the mean, Student t]"
            if replications > 1 else "one replication: no interval")
    return (f"<div>{head}<table>{''.join(cells)}</table>"
            f'<small style="color:#666">{note}</small></div>')
