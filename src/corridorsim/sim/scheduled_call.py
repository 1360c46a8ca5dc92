"""A function call scheduled on the SimPy clock, for the hot, simple paths.

Trains at terminals, borders and on rail lines are moved by callbacks on bare
SimPy events instead of one process (generator) per train: a process costs a
generator, an ``Initialize`` event and a resumption per step, and the profile of
the peer benchmark showed that chain as the largest cost per consignment. Rich
logic (vessels, closures) stays in processes; both share one clock and heap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import NORMAL, URGENT, EventPriority

__all__ = ["NORMAL", "URGENT", "ScheduledCall"]


class ScheduledCall(simpy.Event):
    """Calls ``function(event)`` ``delay`` hours from now.

    ``URGENT`` priority runs it before the other events of the same instant, as the
    start of a new process would (so that replacing ``env.process`` by a call keeps
    the order of events, and with it the results, unchanged).
    """

    def __init__(self, env: simpy.Environment, delay: float,
                 function: Callable[[Any], None], priority: EventPriority = NORMAL):
        # Event.__init__ and Timeout.__init__ inlined, as SimPy does for its own events.
        self.env = env
        self.callbacks = [function]
        self._value = None
        self._ok = True
        env.schedule(self, priority, delay)
