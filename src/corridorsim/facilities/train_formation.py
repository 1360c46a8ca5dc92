"""Train formation at a port: cargo landed by vessels leaves in trains of ``train_teu``,
or after ``max_consolidation_wait`` with whatever has gathered.

Parts are grouped by their remaining path, so a formed train never has to split
later on; a part is split when only some of its TEU fit the train being closed.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from corridorsim.consignment import ConsignmentPart, Train
from corridorsim.scenario.sections import TrainFormation


class _Batch:
    """Parts gathering for one remaining path; ``generation`` tells a timer whether the
    train it was started for has left already."""

    __slots__ = ("parts", "teu", "generation")

    def __init__(self) -> None:
        self.parts: list[ConsignmentPart] = []
        self.teu = 0
        self.generation = 0


class TrainFormationYard:
    """Gathers landed cargo by remaining path and hands formed trains to ``dispatch``."""

    def __init__(self, env: simpy.Environment, config: TrainFormation,
                 dispatch: Callable[[Train], None]):
        self.env = env
        self.train_teu = config.train_teu
        self.max_wait = config.max_consolidation_wait
        self.dispatch = dispatch
        self.batches: dict[tuple[str, ...], _Batch] = {}

    def add(self, part: ConsignmentPart, path: tuple[str, ...]) -> None:
        """A part landed for ``path`` (from this port on): closes trains as they fill."""
        batch = self.batches.get(path)
        if batch is None:
            batch = self.batches[path] = _Batch()
        if not batch.parts:
            self.env.process(self._timer(path, batch, batch.generation))
        batch.parts.append(part)
        batch.teu += part.teu
        while batch.teu >= self.train_teu:
            self._close(path, batch, self.train_teu)

    def _close(self, path: tuple[str, ...], batch: _Batch, teu: int) -> None:
        taken: list[ConsignmentPart] = []
        room = teu
        while room > 0 and batch.parts:
            part = batch.parts[0]
            if part.teu <= room:
                taken.append(batch.parts.pop(0))
                room -= part.teu
            else:
                taken.append(part.split(room))
                room = 0
        batch.teu -= teu - room
        batch.generation += 1
        if batch.parts:
            self.env.process(self._timer(path, batch, batch.generation))
        self.dispatch(Train(taken, path, 0, left_at=self.env.now))

    def _timer(self, path: tuple[str, ...], batch: _Batch,
               generation: int) -> Generator[Any, Any, None]:
        yield self.env.timeout(self.max_wait)
        if batch.generation == generation and batch.parts:
            self._close(path, batch, batch.teu)
