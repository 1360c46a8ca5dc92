"""Named random streams: one generator per source of randomness.

Each stream is seeded from ``SeedSequence((seed, replication, hash(name)))``, so a
change to one border's parameters never shifts another process's draws (common
random numbers across scenarios). Streams are ``random.Random`` instances because a
single draw costs about 0.2 microseconds against 0.9 for a numpy ``Generator``
call, and the simulation draws one number at a time.
"""

from __future__ import annotations

import hashlib
import random

import numpy as np


def stream_key(name: str) -> int:
    """A stable 64-bit integer for a stream name (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


class RandomStreams:
    """The random streams of one replication, created on first use by name."""

    def __init__(self, seed: int, replication: int):
        self.seed = seed
        self.replication = replication
        self._streams: dict[str, random.Random] = {}

    def get(self, name: str) -> random.Random:
        """The stream called ``name`` (the same object on every call)."""
        stream = self._streams.get(name)
        if stream is None:
            sequence = np.random.SeedSequence([self.seed, self.replication, stream_key(name)])
            state = sequence.generate_state(4, dtype=np.uint64)
            stream = random.Random(int.from_bytes(state.tobytes(), "little"))
            self._streams[name] = stream
        return stream

    @property
    def names(self) -> list[str]:
        """Streams used so far, sorted (for tests and debugging)."""
        return sorted(self._streams)
