"""Progress of a long run on stderr: a bar on a terminal, plain lines otherwise."""

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

    def advance(self, n: int = 1) -> None:
        """``n`` more tasks done: redraw the bar, or print a line when one is due."""
        self.done += n
        now = time.monotonic()
        if self.tty:
            width = 30
            filled = width * self.done // self.total if self.total else width
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self._status()}  ")
            self.stream.flush()
            return
        tenth = self._tenth()
        if tenth > self.last_tenth or now - self.last_line >= self.interval:
            self.last_tenth = tenth
            self.last_line = now
            self._line(self._status())

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
