"""What every facility shares: service points with servers, closures, opening hours and
a minimum headway, and the per-node monitors that feed ``nodes.csv``.

Extension points: a facility (terminal, border, port) composes one or more
``ServicePoint`` objects and implements the train-handling generators the
journey calls (``process_train`` for a train passing through, ``receive_train``
for a train ending its journey here). Service times come from the facility's
configuration; admission rules (yard space) and closures are enforced by the
facility before a service point is used. Behaviour varies through these
methods, never through checks on a class's name.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Sequence
from typing import Any

import simpy

from corridorsim.consignment import Train, charge
from corridorsim.disruptions import ClosureState
from corridorsim.records import Activity, LevelMonitor, NodeRecord
from corridorsim.scenario.schema import OpeningHours

Step = tuple[Activity, float]


class NodeStatistics:
    """Counters a node keeps for ``nodes.csv`` (post-warm-up only)."""

    __slots__ = ("warmup", "waiting", "wait_hours", "trains", "teu", "vessel_calls")

    def __init__(self, warmup: float):
        self.warmup = warmup
        self.waiting = LevelMonitor(warmup)
        self.wait_hours = 0.0
        self.trains = 0
        self.teu = 0.0
        self.vessel_calls = 0

    def count_train(self, arrived: float, teu: float, waited: float) -> None:
        """One train's visit, counted (with its waits) when it arrived after warm-up, so
        that waits and trains always describe the same visits."""
        if arrived >= self.warmup:
            self.trains += 1
            self.teu += teu
            self.wait_hours += waited


class ServicePoint:
    """A group of identical servers (lanes, tracks, berths) with a FIFO queue.

    A user holds a server from the moment it reaches the head of the queue. Before
    service starts it also waits for the node to reopen (closures), for opening
    hours, and for the headway since the previous start (a trains-per-day ceiling).
    Only time in service counts as busy for utilisation.
    """

    __slots__ = ("env", "name", "servers", "headway", "opening", "closure", "stats",
                 "queue_activity", "free", "queue", "next_start", "busy")

    def __init__(self, env: simpy.Environment, name: str, servers: int, stats: NodeStatistics,
                 closure: ClosureState, headway: float | None = None,
                 opening: OpeningHours | None = None,
                 queue_activity: Activity = Activity.BORDER_QUEUE):
        self.env = env
        self.queue_activity = queue_activity
        self.name = name
        self.servers = servers
        self.headway = headway
        self.opening = opening
        self.closure = closure
        self.stats = stats
        self.free = servers
        self.queue: deque[simpy.Event] = deque()
        self.next_start = 0.0
        self.busy = LevelMonitor(stats.warmup)

    def acquire(self, parts: Sequence[Any]) -> Generator[Any, Any, float]:
        """Wait for a server and for the right to start; return the hours waited."""
        env = self.env
        arrived = env.now
        if self.free > 0 and not self.queue:
            self.free -= 1
        else:
            self.stats.waiting.change(arrived, 1)
            ticket = env.event()
            self.queue.append(ticket)
            yield ticket
            self.stats.waiting.change(env.now, -1)
            charge(parts, self.queue_activity, env.now)
        if (self.closure.depth > 0 or self.opening is not None
                or (self.headway is not None and env.now < self.next_start)):
            yield from self.wait_until_startable(parts)
        now = env.now
        waited = now - arrived
        if self.headway is not None:
            self.next_start = now + self.headway
        self.busy.change(now, 1)
        return waited

    def wait_until_startable(self, parts: Sequence[Any]) -> Generator[Any, Any, None]:
        """Hold until the node is open, within opening hours and past the headway."""
        env = self.env
        queue_activity = self.queue_activity
        while True:
            if self.closure.depth > 0:
                yield self.closure.reopened
                charge(parts, Activity.CLOSURE_HOLD, env.now)
                continue
            if self.opening is not None:
                hour = env.now % 24.0
                if hour < self.opening.open or hour >= self.opening.close:
                    delay = (self.opening.open - hour) % 24.0
                    yield env.timeout(delay)
                    charge(parts, queue_activity, env.now)
                    continue
            if self.headway is not None and env.now < self.next_start:
                yield env.timeout(self.next_start - env.now)
                charge(parts, queue_activity, env.now)
                continue
            return

    def release(self) -> None:
        """End a service: pass the server to the next in line, or free it."""
        self.busy.change(self.env.now, -1)
        if self.queue:
            self.queue.popleft().succeed()
        else:
            self.free += 1

    def serve(self, train: Train, steps: Sequence[Step]) -> Generator[Any, Any, float]:
        """Queue for a server, then run the service steps, charging each to its activity.
        Returns the hours waited before service."""
        parts = train.parts
        env = self.env
        if (self.free > 0 and not self.queue and self.closure.depth == 0
                and self.opening is None
                and (self.headway is None or env.now >= self.next_start)):
            # The common case, inlined: a free server and nothing to wait for (the same
            # bookkeeping as ``acquire`` without creating its generator).
            self.free -= 1
            now = env.now
            if self.headway is not None:
                self.next_start = now + self.headway
            self.busy.change(now, 1)
            waited = 0.0
        else:
            waited = yield from self.acquire(parts)
        for activity, hours in steps:
            if hours > 0:
                yield env.timeout(hours)
            now = env.now
            for part in parts:  # ``charge``, inlined
                part.hours[activity] += now - part.mark
                part.mark = now
        self.release()
        return waited

    def utilisation(self, end: float) -> float:
        return self.busy.mean(end) / self.servers


class NodeFacility:
    """Base of terminals, borders and ports: name, kind, closure state, statistics.

    Subclasses implement ``process_train`` (a train passing through by rail) and
    ``receive_train`` (a train ending its journey here), and list their service
    points in ``service_points`` for utilisation.
    """

    kind = "node"

    def __init__(self, env: simpy.Environment, name: str, warmup: float):
        self.env = env
        self.name = name
        self.closure = ClosureState(env, count_from=warmup)
        self.stats = NodeStatistics(warmup)
        self.service_points: list[ServicePoint] = []

    def hold_while_closed(self, train: Train) -> Generator[Any, Any, float]:
        """For nodes without service points: a closure still stops trains."""
        arrived = self.env.now
        while self.closure.depth > 0:
            yield self.closure.reopened
            charge(train.parts, Activity.CLOSURE_HOLD, self.env.now)
        return self.env.now - arrived

    def process_train(self, train: Train) -> Generator[Any, Any, None]:
        """Handle a train that continues by rail after this node."""
        raise NotImplementedError

    def receive_train(self, train: Train) -> Generator[Any, Any, None]:
        """Handle a train whose journey ends here (before its cargo is delivered)."""
        raise NotImplementedError

    def record(self, replication: int, end: float) -> NodeRecord:
        """This node's statistics from the end of warm-up to ``end``."""
        st = self.stats
        util = max((sp.utilisation(end) for sp in self.service_points), default=0.0)
        return NodeRecord(
            replication=replication, node=self.name, kind=self.kind, utilisation=util,
            mean_queue=st.waiting.mean(end), max_queue=int(st.waiting.peak()),
            mean_wait_hours=st.wait_hours / st.trains if st.trains else 0.0,
            throughput_teu=st.teu, throughput_trains=st.trains, vessel_calls=st.vessel_calls,
            hours_closed=self.closure.closed_hours(end), mean_yard_teu=None, max_yard_teu=None)
