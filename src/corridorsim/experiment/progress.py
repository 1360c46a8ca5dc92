"""Progress of a long run on stderr: a bar on a terminal, plain lines otherwise.

One ``Progress`` serves sweeps (tasks) and runs (replications, through
``ReplicationProgress``), so both look and behave alike.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Tasks done out of a total, the rate and an estimated time to finish.

    On a terminal the bar is redrawn in place; otherwise (a log, CI) one line is
    printed at each tenth of the work or every ``interval`` seconds, whichever
    comes first. ``already`` tasks (found on disk) count as done but not in the rate.
    """

    def __init__(self, total: int, already: int = 0, stream: TextIO | None = None,
                 interval: float = 30.0, label: str = "tasks"):
        self.total = total
        self.done = already
        self.already = already
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval
        self.label = label
        self.started = time.monotonic()
        self.last_line = self.started
        self.last_tenth = self._tenth()
        self.drawn = 0
        """Characters of the bar now on the terminal's line (0: none)."""
        if already:
            self._line(f"{already} of {total} {label} already done (resuming)")

    def _tenth(self) -> int:
        return self.done * 10 // self.total if self.total else 10

    def _status(self) -> str:
        elapsed = time.monotonic() - self.started
        fresh = self.done - self.already
        rate = fresh / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        eta = _duration(left / rate) if rate > 0 and left else "-"
        return (f"{self.done}/{self.total} {self.label}  {rate:.2f}/s  "
                f"elapsed {_duration(elapsed)}  ETA {eta}")

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // self.total if self.total else width
        bar = f"[{'#' * filled}{'.' * (width - filled)}] {self._status()}  "
        self.stream.write("\r" + bar.ljust(self.drawn))
        self.stream.flush()
        self.drawn = len(bar)

    def advance(self, n: int = 1) -> None:
        """``n`` more tasks done: redraw the bar, or print a line when one is due."""
        self.done += n
        now = time.monotonic()
        if self.tty:
            self._draw()
            return
        tenth = self._tenth()
        if tenth > self.last_tenth or now - self.last_line >= self.interval:
            self.last_tenth = tenth
            self.last_line = now
            self._line(self._status())

    def extend(self, n: int) -> None:
        """``n`` more tasks to do than the total said (e.g. replications added to reach
        a precision); the tenths start again from the new total."""
        self.total += n
        self.last_tenth = self._tenth()
        if self.tty and self.drawn:
            self._draw()

    def note(self, text: str) -> None:
        """A line of its own, above the bar on a terminal (which is then redrawn)."""
        if self.tty and self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.drawn = 0
            self._line(text)
            self._draw()
            return
        self._line(text)

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = 0


class ReplicationProgress:
    """Replications of ``run`` done, their rate and the time left (a
    ``ReplicationObserver``): one bar over every phase of the run (a warm-up pilot, the
    replications, replications added for a target half-width), the total growing as a
    phase starts. ``verbose`` adds a line per phase (its executor) and per replication
    (its wall time where it ran)."""

    def __init__(self, stream: TextIO | None = None, verbose: bool = False,
                 interval: float = 30.0):
        self.stream = stream
        self.verbose = verbose
        self.interval = interval
        self.bar: Progress | None = None

    def started(self, phase: str, replications: int, executor: str) -> None:
        """Grow the total by the phase's replications (the first phase draws the bar)."""
        first = self.bar is None
        if self.bar is None:
            self.bar = Progress(replications, stream=self.stream, interval=self.interval,
                                label="replications")
        else:
            self.bar.extend(replications)
        if self.verbose:
            self.bar.note(f"{phase}: {replications} replication"
                          f"{'s' if replications != 1 else ''} on {executor}")
        if first and self.bar.tty:
            self.bar.advance(0)  # the bar at 0 while the first replication runs

    def finished(self, replication: int, seconds: float) -> None:
        """One more replication done."""
        if self.bar is None:  # told of a replication without a phase: count it anyway
            self.started("replications", 1, "an unnamed executor")
        assert self.bar is not None
        if self.verbose:
            self.bar.note(f"replication {replication} done in {seconds:.2f} s")
        self.bar.advance()

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self.bar is not None:
            self.bar.close()
