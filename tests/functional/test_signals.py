"""Signals from outside: SIGTERM is handled like Ctrl-C (exit 143, nothing half-written),
workers die with their parent however it ends, and Ctrl-C while the command starts
prints no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline-2024.yaml"
COMMAND = [str(Path(sys.executable).parent / "corridorsim")]  # the console script

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc to find the workers")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"  # a zombie has ended


def workers_of(process: subprocess.Popen, count: int, timeout: float = 60.0) -> list[int]:
    """The worker processes once ``count`` of them run (the resource tracker aside)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = [p for p in children(process.pid)
                   if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]
        if len(workers) >= count:
            return workers
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the workers did not start")


def gone(pids: list[int], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*COMMAND, *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_sigterm_of_a_run_is_handled_like_ctrl_c(tmp_path):
    out = tmp_path / "res"
    process = start(["run", str(BASELINE), "-n", "8", "--workers", "2", "--out", str(out)],
                    tmp_path)
    workers = workers_of(process, 2)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert stderr.strip() == "corridorsim: interrupted; no results were written"
    assert stdout == ""
    assert gone(workers)
    assert list(tmp_path.iterdir()) == []  # no folder, no staging debris


@pytest.mark.parametrize("args", [["run", str(BASELINE), "-n", "8", "--workers", "2"]],
                         ids=["run"])
def test_workers_die_with_a_killed_parent_and_release_its_output(tmp_path, args):
    process = start([*args, "--out", str(tmp_path / "res")], tmp_path)
    workers = workers_of(process, 2)
    process.kill()  # kill -9: the parent runs no clean-up at all
    started = time.monotonic()
    # A reader of the parent's output sees its end: no worker holds the pipe open.
    process.communicate(timeout=30)
    assert time.monotonic() - started < 15
    assert gone(workers)


def test_sigterm_of_a_sweep_keeps_its_finished_tasks_and_exits_143(tmp_path):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"name: t\nbase: {BASELINE}\nreplications: 4\nseed: 1\nfactors:\n"
                    "  d: {keys: [digitization], values: [0.0, 0.5, 1.0]}\n")
    out = tmp_path / "out"
    process = start(["sweep", str(spec), "--workers", "2", "--out", str(out)], tmp_path)
    workers = workers_of(process, 2)
    deadline = time.monotonic() + 120
    while not list((out / "tasks").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)  # let at least one task finish
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert "tasks are saved" in stderr and "Traceback" not in stderr
    assert gone(workers)
    saved = len(list((out / "tasks").glob("*.json")))
    assert 1 <= saved < 12
    assert not (out / "sweep.csv").exists()


@pytest.mark.parametrize("delay", [0.5, 0.8, 1.2, 2.0])
def test_ctrl_c_while_the_command_starts_prints_no_traceback(tmp_path, delay):
    # From 0.5 s, even on a loaded machine: before that the interpreter itself may still be
    # starting (Python prints its own message); the heavy imports take a second or more.
    process = start(["run", str(BASELINE), "-n", "1", "--workers", "1",
                     "--out", str(tmp_path / "res")], tmp_path)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr
    if process.returncode != 0:  # it may have finished before the signal
        assert process.returncode in (130, -signal.SIGINT)
        assert not (tmp_path / "res").exists()


def test_ctrl_c_inside_an_extension_import_counts_as_ctrl_c(monkeypatch, capsys):
    # What CI saw once: SIGINT while scipy's compiled module initialised came out as
    # "ImportError: initialization failed", raised while handling the KeyboardInterrupt.
    from corridorsim import cli

    def interrupted_import(_args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise ImportError("initialization failed") from None

    def broken_import(_args):
        raise ImportError("no module named scipy")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    for action in parser._subparsers._group_actions[0].choices.values():
        action.set_defaults(func=interrupted_import)
    assert cli.main(["run", str(BASELINE)]) == 130
    assert "interrupted; no results were written" in capsys.readouterr().err
    for action in parser._subparsers._group_actions[0].choices.values():
        action.set_defaults(func=broken_import)
    with pytest.raises(ImportError, match="no module named scipy"):
        cli.main(["run", str(BASELINE)])
