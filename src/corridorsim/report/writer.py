"""Writing a run's results atomically: a complete folder appears, or none does.

Files go into a hidden temporary folder beside the target, which is renamed into
place only when every file is complete; an earlier results folder is replaced in
the same way. An interrupted run leaves the previous results or none, never a
truncated CSV.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from corridorsim.errors import RunError
from corridorsim.report.summaries import COMPARISON_COLUMNS, SUMMARY_COLUMNS
from corridorsim.report.tables import NODE_COLUMNS, ROUTE_COLUMNS, SHIPMENT_COLUMNS, Tables

TABLE_FILES = {"shipments": ("shipments.csv", SHIPMENT_COLUMNS),
               "nodes": ("nodes.csv", NODE_COLUMNS),
               "routes": ("routes.csv", ROUTE_COLUMNS),
               "summary": ("summary.csv", SUMMARY_COLUMNS),
               "comparison": ("comparison.csv", COMPARISON_COLUMNS)}
RESULT_FILES = (*(filename for filename, _ in TABLE_FILES.values()), "manifest.json",
                "calibration.csv")


def csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV text with a header, ``\\n`` line ends, empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return buffer.getvalue()


def write_atomically(path: Path, text: str) -> None:
    """Write ``path`` through a hidden temporary file and a rename: whole, or not at all."""
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


def check_replaceable(directory: Path, files: Iterable[str]) -> None:
    """Refuse to replace anything but an earlier results folder of the same kind.

    A results folder is replaced whole, so pointing ``--out`` at a folder of one's
    own documents must fail instead of deleting them.
    """
    if not directory.exists():
        return
    cwd = Path.cwd().resolve()
    if directory == cwd or directory in cwd.parents:
        raise RunError(f"{directory}: is the working folder or one above it; expected a "
                       "new or earlier results folder")
    if not directory.is_dir():
        raise RunError(f"{directory}: exists and is not a folder; expected a new or earlier "
                       "results folder")
    present = {p.name for p in directory.iterdir()}
    if present and ("manifest.json" not in present or not present <= set(files)):
        others = sorted(present - set(files))[:3]
        raise RunError(f"{directory}: exists and holds files that are not corridorsim results "
                       f"({', '.join(others) or 'no manifest.json'}); choose another --out "
                       "folder")


def write_folder_atomically(directory: Path, files: dict[str, str]) -> Path:
    """Create ``directory`` holding exactly ``files`` (name -> text), replacing it whole.

    An existing folder is replaced only if it is an earlier results folder (see
    ``check_replaceable``).
    """
    directory = directory.resolve()
    check_replaceable(directory, files)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
    except OSError as exc:
        raise RunError(f"{directory}: cannot create the results folder ({exc.strerror})") from None
    try:
        for name, text in files.items():
            with open(staging / name, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; results are not
        old = None
        if directory.exists():
            old = directory.parent / f".{directory.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            directory.rename(old)
        staging.rename(directory)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise RunError(f"{directory}: cannot write results ({exc.strerror})") from None
        raise
    return directory


def write_run(directory: Path, tables: Tables, manifest: dict[str, Any],
              extra: dict[str, str] | None = None) -> Path:
    """Write every table of ``TABLE_FILES``, ``manifest.json`` and any ``extra`` files
    (name -> text) into ``directory``, atomically."""
    files = {filename: csv_text(tables[table], columns)
             for table, (filename, columns) in TABLE_FILES.items()}
    files.update(extra or {})
    files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return write_folder_atomically(directory, files)
