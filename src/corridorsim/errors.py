"""Errors a user can act on: each names the file, the key path and what was expected."""

from __future__ import annotations

from pathlib import Path


class CorridorsimError(Exception):
    """Base class of every error the command line reports without a traceback."""


class ScenarioError(CorridorsimError):
    """A scenario file that cannot be simulated as written.

    ``key_path`` is the dotted path of the offending key (``borders.altynkol.customs``);
    ``source`` the file it came from, when known.
    """

    def __init__(self, message: str, *, source: Path | str | None = None, key_path: str = ""):
        self.message = message
        self.source = Path(source) if source is not None else None
        self.key_path = key_path
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = str(self.source) if self.source is not None else "<scenario>"
        if self.key_path:
            where = f"{where}: {self.key_path}"
        return f"{where}: {self.message}"


class KeyPathError(ValueError):
    """A cross-reference problem found inside the schema, tagged with the key path it concerns.

    Raised from pydantic model validators; the loader turns it into a ``ScenarioError``
    so that the message points at the key instead of at the top of the file.
    """

    def __init__(self, key_path: str, message: str):
        self.key_path = key_path
        self.message = message
        super().__init__(f"{key_path}: {message}")


class RunError(CorridorsimError):
    """A run that could not complete or could not write its results."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, a batch scheduler, a CI cancel), handled like Ctrl-C: what is
    finished is kept, nothing half-written is left, the exit status is 143."""
