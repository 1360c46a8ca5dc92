"""Comparing two runs (two scenarios, or one scenario before and after a change).

Runs made with the same seed and replication count share random streams
replication by replication, so the difference of each KPI is estimated from
paired differences (B minus A). Runs with different seeds or counts are refused
unless the caller asks for an unpaired (Welch) comparison.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from corridorsim.errors import RunError
from corridorsim.report.parquet import read_parquet
from corridorsim.report.summaries import CORRIDOR_KPIS, ROUTE_KPIS, yes_no
from corridorsim.report.tables import rounded
from corridorsim.stats import estimate, paired_difference, welch_difference

SCENARIO_COMPARISON_COLUMNS = ("scope", "name", "kpi", "a_mean", "b_mean", "difference",
                               "ci_low", "ci_high", "half_width", "replications", "method",
                               "significant")
COMPARISON_FILE = "scenario_comparison.csv"
"""What ``corridorsim compare`` writes (a run's own ``comparison.csv`` is Middle minus
Northern within one run; this is B minus A across two runs)."""


def _by_name(rows: list[dict[str, Any]], key: str) -> dict[str, dict[int, dict[str, Any]]]:
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row[key], {})[int(row["replication"])] = row
    return out


def compare_tables(routes_a: list[dict[str, Any]], routes_b: list[dict[str, Any]],
                   paired: bool, corridors_a: list[dict[str, Any]] | None = None,
                   corridors_b: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """B minus A for every KPI of every route and (when both runs have them) every
    corridor pooled over its routes. A route or corridor only one run has gets rows
    too, with its mean there and ``method`` ``only in a`` or ``only in b``."""
    rows: list[dict[str, Any]] = []
    scopes = [("route", _by_name(routes_a, "route"), _by_name(routes_b, "route"), ROUTE_KPIS)]
    if corridors_a is not None and corridors_b is not None:
        scopes.append(("corridor", _by_name(corridors_a, "corridor"),
                       _by_name(corridors_b, "corridor"), CORRIDOR_KPIS))
    for scope, a, b, kpis in scopes:
        for name in sorted(set(a) | set(b)):
            reps = sorted(set(a.get(name, {})) | set(b.get(name, {})))
            for kpi in kpis:
                va = [_number(a.get(name, {}).get(r, {}).get(kpi)) for r in reps]
                vb = [_number(b.get(name, {}).get(r, {}).get(kpi)) for r in reps]
                head = {"scope": scope, "name": name, "kpi": kpi,
                        "a_mean": rounded(estimate(va).mean) if name in a else None,
                        "b_mean": rounded(estimate(vb).mean) if name in b else None}
                if name not in a or name not in b:
                    rows.append({**head, "replications": len(reps),
                                 "method": "only in b" if name not in a else "only in a"})
                    continue
                diff = paired_difference(vb, va) if paired else welch_difference(vb, va)
                rows.append({
                    **head, "difference": rounded(diff.mean), "ci_low": rounded(diff.low),
                    "ci_high": rounded(diff.high), "half_width": rounded(diff.half_width),
                    "replications": diff.n, "method": "paired" if paired else "welch",
                    "significant": yes_no(diff.significant)})
    return [{c: row.get(c) for c in SCENARIO_COMPARISON_COLUMNS} for row in rows]


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def check_pairable(manifest_a: dict[str, Any], manifest_b: dict[str, Any], where_a: str,
                   where_b: str) -> None:
    """Refuse a paired comparison of runs that do not share random streams."""
    for key, label in (("seed", "seeds"), ("replications", "replication counts")):
        if manifest_a.get(key) != manifest_b.get(key):
            raise RunError(f"{where_a} and {where_b} were run with different {label} "
                           f"({manifest_a.get(key)} and {manifest_b.get(key)}), so their "
                           "replications are not paired; rerun one with the same --seed and "
                           "--replications, or pass --unpaired for a Welch comparison")


def read_results(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``routes.csv`` rows and the manifest of a results folder (see ``read_corridors``)."""
    routes_file, manifest_file = folder / "routes.csv", folder / "manifest.json"
    if not routes_file.exists() and (folder / "routes.parquet").is_file():
        routes_file = folder / "routes.parquet"  # a run written with --format parquet
    for path in (routes_file, manifest_file):
        if not path.is_file():
            raise RunError(f"{path}: not found; expected a results folder written by "
                           "'corridorsim run'")
    try:
        rows = _rows(routes_file)
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{folder}: cannot be read as corridorsim results ({exc})") from None
    if not rows or "route" not in rows[0] or "replication" not in rows[0]:
        raise RunError(f"{routes_file}: expected the columns of routes.csv")
    return rows, manifest


def read_corridors(folder: Path) -> list[dict[str, Any]] | None:
    """``corridors.csv`` rows of a results folder, or None if it has none (an older run)."""
    path = folder / "corridors.csv"
    if not path.is_file() and (folder / "corridors.parquet").is_file():
        path = folder / "corridors.parquet"
    if not path.is_file():
        return None
    try:
        rows = _rows(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise RunError(f"{path}: cannot be read ({exc})") from None
    if rows and ("corridor" not in rows[0] or "replication" not in rows[0]):
        raise RunError(f"{path}: expected the columns of corridors.csv")
    return rows


def compare_folders(folder_a: Path, folder_b: Path, unpaired: bool = False
                    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Compare two results folders; return the rows and a manifest of the comparison."""
    routes_a, manifest_a = read_results(folder_a)
    routes_b, manifest_b = read_results(folder_b)
    if not unpaired:
        check_pairable(manifest_a, manifest_b, str(folder_a), str(folder_b))
    rows = compare_tables(routes_a, routes_b, not unpaired, read_corridors(folder_a),
                          read_corridors(folder_b))
    if not any(r["method"] in ("paired", "welch") for r in rows):
        raise RunError(f"{folder_a} and {folder_b} have no route in common")
    manifest = {"a": {k: manifest_a.get(k) for k in ("scenario", "scenario_sha256", "seed",
                                                     "replications", "overrides")},
                "b": {k: manifest_b.get(k) for k in ("scenario", "scenario_sha256", "seed",
                                                     "replications", "overrides")},
                "method": "welch" if unpaired else "paired", "difference": "b minus a"}
    return rows, manifest


def _rows(path: Path) -> list[dict[str, Any]]:
    """A table's rows: text cells from a CSV file, typed cells from a Parquet file (the
    comparison reads both as numbers)."""
    if path.suffix == ".parquet":
        return read_parquet(path)[1]
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
