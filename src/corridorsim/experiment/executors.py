"""Where tasks run: one ``concurrent.futures`` interface over three executors.

- ``SerialExecutor``: runs each task in this process when it is submitted.
- a local ``ProcessPoolExecutor`` (the default), whose workers ignore Ctrl-C so that
  only the parent reacts to it, and die with the parent however it ends (``kill -9``
  included): on Linux the kernel kills them (``PR_SET_PDEATHSIG``), elsewhere they
  notice within a second that their parent is gone;
- a Dask ``distributed`` cluster, through ``Client(address).get_executor()``, when a
  scheduler address is given (needs ``pip install corridorsim[dask]``; every worker
  needs corridorsim installed).

Tasks draw their random numbers from streams seeded by (seed, replication, name),
so the results do not depend on which executor runs them, or in what order.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from corridorsim.errors import RunError


class SerialExecutor(Executor):
    """An executor that runs each task in this process, at once, when it is submitted."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` now; its result or exception is in the future."""
        future: Future[Any] = Future()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # a task's failure belongs to its future, as in a pool
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future


@dataclass(frozen=True)
class ExecutorInfo:
    """What runs the tasks: a description for the manifest and how many run at once."""

    kind: str
    """``serial``, ``process-pool`` or ``dask``."""
    description: str
    """E.g. ``process pool, 2 workers`` or ``dask tcp://host:8786, 8 threads``."""
    parallelism: int
    """Tasks that can run at the same time."""


PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent dies."""


def _worker_start(parent: int) -> None:
    """Worker initializer: Ctrl-C is for the parent, which stops the pool cleanly; and a
    worker never outlives its parent (it would hold the parent's output open for good)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked worker inherits the command's SIGTERM handler; being stopped by the parent
    # (terminate) must end it quietly, not raise in it and print a traceback.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watch below still ends the worker
    if os.getppid() != parent:  # the parent died before the kernel could be told
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="corridorsim-parent-watch").start()


def _watch_parent(parent: int) -> None:
    """Ends the worker within a second of its parent's death (orphans get a new parent)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def default_workers() -> int:
    """Worker processes when none are asked for: one per core (the CLI and sweeps)."""
    return os.cpu_count() or 1


@contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None,
                  serial: bool = False, tasks: int | None = None
                  ) -> Iterator[tuple[Executor, ExecutorInfo]]:
    """An executor and its description; closed (pending tasks cancelled on error) on exit.

    ``serial`` or one worker (or one task) runs in this process; a ``scheduler`` address
    connects to a Dask cluster; otherwise a local process pool of ``workers`` processes
    (default: the machine's cores), never more than ``tasks``.
    """
    if scheduler is not None and serial:
        raise RunError("choose either a Dask scheduler or serial execution, not both")
    if scheduler is not None:
        with _dask_executor(scheduler) as pair:
            yield pair
        return
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise RunError(f"workers: expected a whole number of at least 1, got {workers!r}")
    n = default_workers() if workers is None else workers
    if tasks is not None:
        n = min(n, max(tasks, 1))
    if serial or n <= 1:
        yield SerialExecutor(), ExecutorInfo("serial", "serial (in process)", 1)
        return
    pool = ProcessPoolExecutor(max_workers=n, initializer=_worker_start,
                               initargs=(os.getpid(),))
    try:
        yield pool, ExecutorInfo("process-pool", f"process pool, {n} workers", n)
    except BaseException:
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Interrupted (Ctrl-C, SIGTERM, an error): cancel what has not started and end the
    workers now instead of waiting for their running tasks (those are not saved)."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)


@contextmanager
def _dask_executor(address: str) -> Iterator[tuple[Executor, ExecutorInfo]]:
    try:
        from distributed import Client
    except ImportError:
        raise RunError("a Dask scheduler was given but Dask is not installed; "
                       "pip install corridorsim[dask]") from None
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise RunError(f"cannot connect to the Dask scheduler at {address} ({exc})") from None
    try:
        threads = sum(client.nthreads().values()) or 1
        executor = client.get_executor(pure=False)
        info = ExecutorInfo("dask", f"dask {address}, {threads} worker threads", threads)
        try:
            yield executor, info
        except BaseException:
            executor.shutdown(wait=False)
            raise
    finally:
        client.close()
