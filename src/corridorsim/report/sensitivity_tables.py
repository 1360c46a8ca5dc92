"""The table of a sensitivity analysis: ``sensitivity.csv``, one row per factor and index.

Numbers are rounded here, once, with ``report.tables.rounded``, so the file is
byte-identical for the same sweep file, seed and version, on any executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from corridorsim.report.tables import rounded

SENSITIVITY_COLUMNS = ("factor", "method", "index", "value", "ci_low", "ci_high", "rank",
                       "output", "points", "replications")


def output_name(northern_route: str, target_days: float | None) -> str:
    """What the indices are of: the median transit gap, in words (no commas)."""
    reference = (f"{northern_route} median" if target_days is None
                 else f"{target_days:g} days")
    return f"middle median minus {reference} (days)"


def sensitivity_rows(method: str, found: dict[str, dict[str, tuple[float | None, ...]]],
                     indices: Sequence[str], ranked_by: str, output: str, points: int,
                     replications: int) -> list[dict[str, Any]]:
    """Rows of ``sensitivity.csv`` in the sweep file's factor order, each factor's indices
    in ``indices`` order; ``rank`` 1 is the factor with the largest ``ranked_by``
    (ties in file order, unknown values last)."""
    names = list(found)
    key = {n: found[n][ranked_by][0] for n in names}
    order = sorted(names, key=lambda n: (key[n] is None, -(key[n] or 0.0), names.index(n)))
    rank = {n: i + 1 for i, n in enumerate(order)}
    rows = []
    for name in names:
        for index in indices:
            value, low, high = found[name][index]
            rows.append({"factor": name, "method": method, "index": index,
                         "value": rounded(value), "ci_low": rounded(low),
                         "ci_high": rounded(high), "rank": rank[name], "output": output,
                         "points": points, "replications": replications})
    return rows


def by_importance(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The factors of ``sensitivity.csv`` rows, most important first."""
    ranks = {r["factor"]: r["rank"] for r in rows}
    return sorted(ranks, key=lambda f: ranks[f])
