"""Results folders appear whole or not at all, replace only folders that prove they are
ours, and are repaired after a kill at any step of the write."""

from __future__ import annotations

import builtins
import json
import os
import signal
from pathlib import Path

import pytest

from corridorsim.errors import RunError
from corridorsim.report import results_folder as rf
from corridorsim.report import writer

OLD = {"a.csv": "x\n1\n", "b.csv": "y\nold\n"}
NEW = {"a.csv": "x\n2\n", "b.csv": "y\nnew\n", "c.csv": "z\n"}


def write(target: Path, files: dict[str, str], kind: str = "run", **kwargs) -> Path:
    return rf.write_folder_atomically(target, kind, files, {"scenario": "t"}, **kwargs)


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in folder.iterdir() if p.name != "manifest.json"}


def fail_on(name: str, monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    real_open = builtins.open

    def failing_open(path, *args, **kwargs):
        if str(path).endswith(name):
            raise exc
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(rf, "open", failing_open, raising=False)


def test_a_complete_folder_replaces_the_previous_one(tmp_path):
    target = tmp_path / "res"
    write(target, OLD)
    write(target, NEW)
    assert contents(target) == NEW
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["written_by"] == "corridorsim" and manifest["folder_kind"] == "run"
    assert manifest["files"] == sorted(NEW) and manifest["scenario"] == "t"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_an_interrupted_write_leaves_the_previous_results_untouched(tmp_path, monkeypatch, exc):
    target = tmp_path / "res"
    write(target, OLD)
    fail_on("b.csv", monkeypatch, exc)
    with pytest.raises((KeyboardInterrupt, RunError)):
        write(target, NEW)
    assert contents(target) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no staging left behind


def test_an_interrupted_first_write_leaves_no_folder_and_no_parents(tmp_path, monkeypatch):
    fail_on("b.csv", monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write(tmp_path / "results" / "deeper" / "res", OLD)
    assert list(tmp_path.iterdir()) == []


def test_csv_text_leaves_missing_values_empty():
    assert writer.csv_text([{"a": 1, "b": None}], ["a", "b"]) == "a,b\n1,\n"


# --- folders that are not ours ---------------------------------------------------------------

def ours(folder: Path, kind: str = "run", files: tuple[str, ...] = ("a.csv",)) -> dict:
    manifest = {"written_by": "corridorsim", "folder_kind": kind, "files": list(files)}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for name in files:
        (folder / name).write_text("x\n")
    return manifest


def _foreign_manifest(folder: Path) -> None:
    (folder / "manifest.json").write_text('{"project": "someone else", "files": ["a.csv"]}')
    (folder / "a.csv").write_text("theirs")


def _legacy_manifest(folder: Path) -> None:  # an earlier version's: no ownership keys
    (folder / "manifest.json").write_text('{"scenario": "x", "seed": 1}')
    (folder / "shipments.csv").write_text("theirs")


def _folder_named_like_a_result(folder: Path) -> None:
    ours(folder, files=())
    (folder / "shipments.csv").mkdir()
    (folder / "shipments.csv" / "thesis.docx").write_text("precious")


def _listed_name_is_a_folder(folder: Path) -> None:
    ours(folder, files=())
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "files": ["a.csv"]}))
    (folder / "a.csv").mkdir()
    (folder / "a.csv" / "notes.txt").write_text("precious")


def _extra_file(folder: Path) -> None:
    ours(folder)
    (folder / "forecast.xlsx").write_text("precious")


def _sub_folder(folder: Path) -> None:
    ours(folder)
    (folder / "drafts").mkdir()
    (folder / "drafts" / "notes.txt").write_text("precious")


def _listed_file_is_a_link(folder: Path) -> None:
    ours(folder, files=())
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "files": ["a.csv"]}))
    (folder.parent / "elsewhere.csv").write_text("precious")
    (folder / "a.csv").symlink_to(folder.parent / "elsewhere.csv")


def _no_manifest(folder: Path) -> None:
    (folder / "shipments.csv").write_text("theirs")


def _garbled_manifest(folder: Path) -> None:
    (folder / "manifest.json").write_text("{not json")


STRANGERS = [_foreign_manifest, _legacy_manifest, _folder_named_like_a_result,
             _listed_name_is_a_folder, _extra_file, _sub_folder, _listed_file_is_a_link,
             _no_manifest, _garbled_manifest]


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): (p.read_text() if p.is_file() else "<dir>")
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("kind", rf.FOLDER_KINDS)
@pytest.mark.parametrize("stranger", STRANGERS, ids=lambda f: f.__name__.strip("_"))
def test_a_folder_that_is_not_ours_is_never_replaced_or_written_into(tmp_path, stranger,
                                                                      kind):
    target = tmp_path / "res"
    target.mkdir()
    stranger(target)
    before = snapshot(target)
    with pytest.raises(RunError) as caught:
        rf.check_replaceable(target, kind)
    message = str(caught.value)
    assert message.startswith(f"{target}: exists and") and "\n" not in message
    assert message.endswith("move those files out of it to write the report"
                            if kind == rf.REPORT else "choose another --out folder")
    if kind != "sweep":
        with pytest.raises(RunError):
            write(target, NEW, kind)
    assert snapshot(target) == before


@pytest.mark.parametrize("written", ["run", "calibrate", "compare", "sweep"])
@pytest.mark.parametrize("asked", ["run", "calibrate", "compare", "sweep"])
def test_a_folder_of_another_kind_is_refused_by_name(tmp_path, written, asked):
    target = tmp_path / "res"
    target.mkdir()
    ours(target, written, files=("sweep.csv",) if written == "sweep" else ("a.csv",))
    if written == asked:
        rf.check_replaceable(target, asked)
        return
    with pytest.raises(RunError, match=f"corridorsim {written} results, not {asked} results"):
        rf.check_replaceable(target, asked)


def test_an_empty_folder_and_an_interrupted_sweep_are_ours_to_use(tmp_path):
    (tmp_path / "empty").mkdir()
    rf.check_replaceable(tmp_path / "empty", "run")
    sweep = tmp_path / "sweep"
    (sweep / "tasks").mkdir(parents=True)
    (sweep / "tasks" / (64 * "a" + ".json")).write_text("{}")
    (sweep / "tasks" / ("." + 64 * "b" + ".json.x1y2.tmp")).write_text("{")
    (sweep / ".sweep.csv.k3j4.tmp").write_text("point")
    rf.check_replaceable(sweep, "sweep")
    rf.remove_partial_files(sweep)
    assert snapshot(sweep) == {"tasks": "<dir>", f"tasks/{64 * 'a'}.json": "{}"}
    (sweep / "tasks" / "mine.txt").write_text("precious")
    with pytest.raises(RunError, match="not sweep tasks"):
        rf.check_replaceable(sweep, "sweep")


def test_a_file_or_the_working_folder_is_never_replaced(tmp_path, monkeypatch):
    a_file = tmp_path / "README.md"
    a_file.write_text("keep")
    with pytest.raises(RunError, match="not a folder"):
        write(a_file, OLD)
    ours(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RunError, match="working folder"):
        write(tmp_path, OLD)
    assert a_file.read_text() == "keep"


# --- kills at every step ---------------------------------------------------------------------

def killed_at(step: str, occurrence: int, target: Path, files: dict[str, str]) -> bool:
    """Write ``files`` in a child process that dies (no clean-up, as with kill -9) at the
    ``occurrence``-th time it reaches ``step``; whether it got there."""
    seen = [0]

    def checkpoint(name: str) -> None:
        if name == step:
            seen[0] += 1
            if seen[0] == occurrence:
                os._exit(9)

    pid = os.fork()
    if pid == 0:  # the child
        try:
            write(target, files, checkpoint=checkpoint)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WEXITSTATUS(status) == 9


KILLS = [(step, k) for step in rf.WRITE_STEPS
         for k in ((1, 2, 3) if step == "file written" else (1,))]


@pytest.mark.parametrize("previous", [True, False], ids=["replacing", "first"])
@pytest.mark.parametrize(("step", "occurrence"), KILLS)
def test_a_kill_at_any_step_leaves_the_old_or_the_new_folder_after_recovery(
        tmp_path, step, occurrence, previous):
    target = tmp_path / "res"
    if previous:
        write(target, OLD)
    reached = killed_at(step, occurrence, target, NEW)
    # Without a previous folder there is nothing to set aside or remove.
    assert reached == (previous or step not in ("previous set aside", "previous removed"))
    rf.check_replaceable(target, "run")  # what the next command does first
    assert sorted(p.name for p in tmp_path.iterdir()) == (["res"] if target.exists() else [])
    # Once the previous folder is set aside (or there is none), a complete new folder is
    # put in place; before, the previous folder stays.
    finished = step in ("previous set aside", "in place", "previous removed") or (
        step == "complete" and not previous)
    if finished:
        assert contents(target) == NEW
    elif previous:
        assert contents(target) == OLD
    else:
        assert not target.exists()
    write(target, OLD)  # and the folder can be written again
    assert contents(target) == OLD


def test_someone_elses_hidden_folder_beside_the_target_is_left_alone(tmp_path):
    target = tmp_path / "res"
    stranger = tmp_path / ".res.tmp-1-abcd"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("precious")
    write(target, OLD)
    assert (stranger / "notes.txt").read_text() == "precious"


def test_runs_racing_on_one_folder_leave_one_complete_folder_and_no_debris(tmp_path):
    target = tmp_path / "res"
    versions = [{"a.csv": f"x\n{i}\n", "b.csv": "y\n" * (i + 1)} for i in range(6)]
    children = []
    for files in versions:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for _ in range(5):
                    write(target, files)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    codes = [os.WEXITSTATUS(os.waitpid(pid, 0)[1]) for pid in children]
    assert codes == [0] * len(versions)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
    assert contents(target) in versions


def test_a_killed_racer_is_cleaned_up_by_the_next_run(tmp_path):
    target = tmp_path / "res"
    write(target, OLD)
    pid = os.fork()
    if pid == 0:
        write(target, NEW, checkpoint=lambda step: os.kill(os.getpid(), signal.SIGKILL)
              if step == "previous set aside" else None)
        os._exit(0)
    os.waitpid(pid, 0)
    assert not target.exists()  # killed between the two renames
    write(target, OLD)
    assert contents(target) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
