"""Results folders: written whole or not at all, replaced only when they prove they are
ours, and repaired after a kill at any step.

A results folder proves it is corridorsim's by its ``manifest.json``: the manifest
names the tool (``written_by``), the kind of folder (``folder_kind``: run, calibrate,
compare or sweep) and every file written beside it (``files``). A folder holding
anything else (another file, a sub-folder, a manifest of someone else, a folder of
another kind) is never replaced or written into; the error names what is in the way.

A run's folder is written into a hidden staging folder beside it
(``.NAME.tmp-PID-XXXX``) that holds a marker file while it is incomplete and the
manifest last; it then takes the place of the previous folder, which is moved aside
(``.NAME.old-PID-XXXX``) and removed. A kill can stop this at any step. The next
command that touches the folder repairs it first (``recover``): if the folder is
missing, a complete staging folder is put in place (or else the previous folder is
put back), and every staging or set-aside folder that is provably ours (a marker or
a manifest of ours) and whose process is gone is removed. Writers of folders in the
same parent folder take turns (a lock on the parent), so two runs racing on one
``--out`` leave one complete folder and no debris.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from corridorsim.errors import RunError

TOOL = "corridorsim"
MANIFEST = "manifest.json"
MARKER = ".corridorsim-staging"
"""In a staging folder while it is incomplete: proves the folder is ours."""
FOLDER_KINDS = ("run", "calibrate", "compare", "sweep", "report", "appraise")
REPORT = "report"
"""The sub-folder ``corridorsim report`` writes inside a results folder (a folder of kind
``report`` with its own manifest); the results folder may hold it beside its files."""
TASK_FILE = re.compile(r"^[0-9a-f]{64}\.json$")
PARTIAL_FILE = re.compile(r"^\..+\.tmp$")
"""A file ``write_atomically`` had not finished (it renames ``.NAME.XXXX.tmp`` into place)."""
SWEEP_FILES = frozenset({"sweep.csv", "frontier.csv", "sensitivity.csv", MANIFEST})

Checkpoint = Callable[[str], None]
"""Called after each step of a folder write with the step's name (a test kills the
process there); the default does nothing."""
WRITE_STEPS = ("staging created", "file written", "manifest written", "complete",
               "previous set aside", "in place", "previous removed")


def _no_checkpoint(_step: str) -> None:
    pass


# --- what proves a folder is ours ------------------------------------------------------------


def owned_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest if it is corridorsim's, else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("written_by") != TOOL:
        return None
    files = manifest.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return manifest


def _in_the_way(folder: Path, kind: str) -> str | None:
    """Why ``folder`` is not a complete corridorsim folder of ``kind``; None when it is."""
    entries = {p.name: p for p in folder.iterdir()}
    if kind != REPORT:
        reports = _reports_of_ours(folder)
        entries = {name: p for name, p in entries.items() if name not in reports}
    if not entries:
        return None  # an empty folder holds nothing to lose
    if kind == "sweep":
        return _sweep_in_the_way(folder, entries)
    if MANIFEST not in entries:
        others = sorted(entries)[:3]
        return (f"it holds files that are not corridorsim results ({', '.join(others)}) "
                "and no manifest.json")
    manifest = owned_manifest(folder)
    if manifest is None:
        return "its manifest.json was not written by corridorsim (or by an older version)"
    if manifest.get("folder_kind") != kind:
        return (f"it holds corridorsim {manifest.get('folder_kind')} results, not {kind} "
                "results")
    listed = set(manifest["files"]) | {MANIFEST}
    extra = sorted(set(entries) - listed)
    if extra:
        return f"it holds files that are not corridorsim results ({', '.join(extra[:3])})"
    folders = sorted(name for name, p in entries.items() if not p.is_file() or p.is_symlink())
    if folders:
        return f"{folders[0]} is not a file corridorsim wrote"
    return None


def _reports_of_ours(folder: Path) -> set[str]:
    """The names of the folder's report and of what writes of it left (staging and
    set-aside folders), where they are provably ours."""
    report = folder / REPORT
    ours = {path.name for path, _, _ in _debris(report) if _ours(path)}
    if report.is_dir() and not report.is_symlink() and _complete(report):
        ours.add(REPORT)
    return ours


def _sweep_in_the_way(folder: Path, entries: Mapping[str, Path]) -> str | None:
    if MANIFEST in entries:
        manifest = owned_manifest(folder)
        if manifest is None:
            return "its manifest.json was not written by corridorsim (or by an older version)"
        if manifest.get("folder_kind") != "sweep":
            return (f"it holds corridorsim {manifest.get('folder_kind')} results, not sweep "
                    "results")
    extra = sorted(name for name in set(entries) - SWEEP_FILES - {"tasks"}
                   if not _partial_sweep_file(name))
    if extra:
        return f"it holds files that are not sweep results ({', '.join(extra[:3])})"
    for name in sorted(set(entries) & SWEEP_FILES):
        if not entries[name].is_file() or entries[name].is_symlink():
            return f"{name} is not a file corridorsim wrote"
    tasks = entries.get("tasks")
    if tasks is not None:
        if not tasks.is_dir() or tasks.is_symlink():
            return "tasks is not the task folder of a sweep"
        strangers = sorted(p.name for p in tasks.iterdir()
                           if not (p.is_file() and (TASK_FILE.match(p.name)
                                                    or _partial_task_file(p.name))))
        if strangers:
            return f"its tasks folder holds files that are not sweep tasks ({strangers[0]})"
    return None


def _partial_sweep_file(name: str) -> bool:
    return bool(PARTIAL_FILE.match(name)) and any(name.startswith(f".{f}.")
                                                   for f in SWEEP_FILES)


def _partial_task_file(name: str) -> bool:
    return bool(PARTIAL_FILE.match(name)) and bool(TASK_FILE.match(name[1:].split(".json.")[0]
                                                                   + ".json"))


def check_replaceable(directory: Path, kind: str) -> None:
    """Refuse ``directory`` unless it is new, empty, or a complete corridorsim folder of
    ``kind``: a results folder is replaced whole (a sweep's is written into), so a
    folder of anything else must fail instead of being deleted. Repairs the folder
    first if a kill interrupted an earlier write (``recover``)."""
    directory = directory.resolve()
    cwd = Path.cwd().resolve()
    if directory == cwd or directory in cwd.parents:
        raise RunError(f"{directory}: is the working folder or one above it; expected a "
                       "new or earlier results folder")
    _check_name_lengths(directory)
    recover(directory)
    if kind != REPORT and directory.is_dir() and not directory.is_symlink():
        recover(directory / REPORT)  # a report write killed inside the folder
    check_replaceable_locked(directory, kind)


STAGING_SUFFIX = len(".tmp-4194304-0123abcd") + 1
"""What the hidden staging folder's name adds to the results folder's name."""


def _check_name_lengths(directory: Path) -> None:
    """Every folder on the path fits the file system, the results folder with room for
    its staging folder's name (so nothing runs only to fail at the write)."""
    try:
        limit = os.pathconf(_existing_ancestor(directory), "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    for part in directory.parts[1:]:
        if len(os.fsencode(part)) > limit:
            raise RunError(f"{directory}: the folder name {part[:20]}... is "
                           f"{len(os.fsencode(part))} bytes; the file system allows {limit}")
    room = limit - STAGING_SUFFIX
    if len(os.fsencode(directory.name)) > room:
        raise RunError(f"{directory}: the results folder name is "
                       f"{len(os.fsencode(directory.name))} bytes; at most {room} fit beside "
                       "its hidden staging folder; choose a shorter --out")


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


# --- repairing after a kill ----------------------------------------------------------------


def _debris(directory: Path) -> list[tuple[Path, str, int]]:
    """Hidden folders beside ``directory`` that a write of it may have left: (path,
    ``tmp`` or ``old``, pid of the writer)."""
    found = []
    pattern = re.compile(rf"^\.{re.escape(directory.name)}\.(tmp|old)-(\d+)-[0-9a-z_]+$")
    with suppress(OSError):
        for path in directory.parent.iterdir():
            match = pattern.match(path.name)
            if match and path.is_dir() and not path.is_symlink():
                found.append((path, match.group(1), int(match.group(2))))
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # this process may be writing it now (a staged folder not committed)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _complete(folder: Path) -> bool:
    """A staging or set-aside folder that holds a whole results folder of ours."""
    manifest = owned_manifest(folder)
    return (manifest is not None and not (folder / MARKER).exists()
            and manifest.get("folder_kind") in FOLDER_KINDS
            and _in_the_way(folder, str(manifest["folder_kind"])) is None)


def _ours(folder: Path) -> bool:
    """Provably written by corridorsim: a staging marker, or a complete folder of ours."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return _complete(folder)
    return isinstance(marker, dict) and marker.get("written_by") == TOOL


def recover(directory: Path) -> None:
    """Repair what a killed write of ``directory`` left: put a complete new folder (or
    else the previous one) in place if the folder is missing, and remove the staging
    and set-aside folders that are ours and whose writer is gone."""
    directory = directory.resolve()
    if not directory.parent.is_dir():
        return
    with _parent_lock(directory.parent):
        _recover_locked(directory)


def _recover_locked(directory: Path) -> None:
    debris = [(path, what) for path, what, pid in _debris(directory) if not _alive(pid)]
    if not debris:
        return
    if not directory.exists() and not directory.is_symlink():
        # The newest complete staging folder is the run that got furthest; the folder
        # set aside is the one it was replacing.
        candidates = sorted((p for p, what in debris if what == "tmp" and _complete(p)),
                            key=lambda p: p.stat().st_mtime, reverse=True)
        candidates += [p for p, what in debris if what == "old" and _complete(p)]
        if candidates:
            candidates[0].rename(directory)
            debris = [(p, what) for p, what in debris if p != candidates[0]]
    for path, _ in debris:
        if _ours(path):
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _parent_lock(parent: Path) -> Iterator[None]:
    """Writers in one parent folder take turns (POSIX advisory lock; none elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover  (Windows: no lock, the renames still hold)
        yield
        return
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --- writing ---------------------------------------------------------------------------------


def _write_file(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _created_parents(directory: Path) -> list[Path]:
    """Make the folders above ``directory``; return those this call created, deepest
    first (removed again if the write fails)."""
    missing = []
    here = directory.parent
    while not here.exists():
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        folder.mkdir()
    return missing


class StagedFolder:
    """A results folder being written: files go into its hidden staging folder (which
    holds the marker until ``commit``), and ``commit`` puts it in the target's place.

    Used as a context manager; leaving it without a commit (an error, Ctrl-C) removes
    the staging folder and any parent folders it created. A run streams its largest
    table into ``path(name)`` while replications arrive, so memory stays flat.
    """

    def __init__(self, directory: Path, kind: str, checkpoint: Checkpoint = _no_checkpoint):
        if kind not in FOLDER_KINDS:
            raise ValueError(f"unknown results folder kind {kind!r}")
        self.directory = directory = directory.resolve()
        self.kind = kind
        self.checkpoint = checkpoint
        self.committed = False
        check_replaceable(directory, kind)  # repairs a killed earlier write first
        try:
            self.created = _created_parents(directory)
        except OSError as exc:
            raise RunError(f"{directory}: cannot create the results folder "
                           f"({exc.strerror})") from None
        self.token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.staging = directory.parent / f".{directory.name}.tmp-{self.token}"
        try:
            with _parent_lock(directory.parent):
                self.staging.mkdir()
                _write_file(self.staging / MARKER,
                            json.dumps({"written_by": TOOL, "pid": os.getpid()}))
        except BaseException as exc:
            self._abandon()
            if isinstance(exc, OSError):
                raise RunError(f"{directory}: cannot write results ({exc.strerror})") from None
            raise
        checkpoint("staging created")

    def __enter__(self) -> StagedFolder:
        return self

    def __exit__(self, kind: object, error: object, _traceback: object) -> None:
        if not self.committed:
            self._abandon()

    def path(self, name: str) -> Path:
        """Where the file ``name`` of the folder is written before the commit."""
        return self.staging / name

    def write(self, name: str, text: str) -> None:
        """Write the file ``name`` (whole: it is fsynced before the commit)."""
        try:
            _write_file(self.staging / name, text)
        except OSError as exc:
            raise RunError(f"{self.directory}: cannot write results ({exc.strerror})") from None
        self.checkpoint("file written")

    def write_bytes(self, name: str, data: bytes) -> None:
        """Write the binary file ``name`` (a figure), whole."""
        try:
            with open(self.staging / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise RunError(f"{self.directory}: cannot write results ({exc.strerror})") from None
        self.checkpoint("file written")

    def commit(self, manifest: Mapping[str, Any]) -> Path:
        """Write ``manifest.json`` (with the ownership keys and the files written) and
        put the folder in place of an earlier one of the same kind."""
        directory, staging = self.directory, self.staging
        aside: Path | None = None
        try:
            with _parent_lock(directory.parent):
                _recover_locked(directory)
                check_replaceable_locked(directory, self.kind)
                files = sorted(p.name for p in staging.iterdir() if p.name != MARKER)
                owned = {**manifest, "written_by": TOOL, "folder_kind": self.kind,
                         "files": files}
                _write_file(staging / MANIFEST,
                            json.dumps(owned, indent=2, sort_keys=True) + "\n")
                self.checkpoint("manifest written")
                (staging / MARKER).unlink()
                self.checkpoint("complete")
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(staging, 0o777 & ~umask)  # mkdir honours the umask; keep it explicit
                if directory.exists():
                    aside = directory.parent / f".{directory.name}.old-{self.token}"
                    directory.rename(aside)
                    self.checkpoint("previous set aside")
                staging.rename(directory)
                self.committed = True
                self.checkpoint("in place")
                if aside is not None:
                    shutil.rmtree(aside, ignore_errors=True)
                    aside = None
                    self.checkpoint("previous removed")
        except BaseException as exc:
            if aside is not None and not directory.exists():
                aside.rename(directory)  # put the previous folder back
            if not self.committed:
                self._abandon()
            if isinstance(exc, OSError):
                raise RunError(f"{directory}: cannot write results ({exc.strerror})") from None
            raise
        return directory

    def _abandon(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        for folder in self.created:
            with suppress(OSError):
                folder.rmdir()  # only if still empty
        self.created = []


def write_folder_atomically(directory: Path, kind: str, files: Mapping[str, str],
                            manifest: Mapping[str, Any],
                            checkpoint: Checkpoint = _no_checkpoint) -> Path:
    """Create ``directory`` holding exactly ``files`` (name -> text) and ``manifest.json``
    (``manifest`` with the ownership keys added), replacing an earlier folder of the
    same ``kind`` whole; see the module docstring for what survives a kill."""
    with StagedFolder(directory, kind, checkpoint) as staged:
        for name, text in files.items():
            staged.write(name, text)
        return staged.commit(manifest)


def check_replaceable_locked(directory: Path, kind: str) -> None:
    """``check_replaceable`` without the repair (for a caller that holds the parent's lock,
    or has just repaired the folder)."""
    if not directory.exists() and not directory.is_symlink():
        return
    if not directory.is_dir() or directory.is_symlink():
        raise RunError(f"{directory}: exists and is not a folder; expected a new or earlier "
                       "results folder")
    reason = _in_the_way(directory, kind)
    if reason is not None:
        remedy = ("move those files out of it to write the report" if kind == REPORT
                  else "choose another --out folder")
        raise RunError(f"{directory}: exists and {reason}; {remedy}")


def remove_partial_files(sweep_folder: Path) -> None:
    """Files of a sweep folder that a killed sweep had not finished writing (hidden
    ``.NAME.XXXX.tmp`` files of ``write_atomically``, never read: they are not whole)."""
    for folder, partial in ((sweep_folder, _partial_sweep_file),
                            (sweep_folder / "tasks", _partial_task_file)):
        with suppress(OSError):
            for path in folder.iterdir():
                if partial(path.name) and path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)


def remove_report(results: Path) -> None:
    """Remove the report of a results folder that is being rewritten in place (a sweep's
    rerun), if it is provably ours: it describes the results before the rewrite. A report
    folder holding anything we did not write is left alone."""
    report = results / REPORT
    with _parent_lock(results):
        _recover_locked(report)
        if report.is_dir() and not report.is_symlink() and _complete(report):
            shutil.rmtree(report)
