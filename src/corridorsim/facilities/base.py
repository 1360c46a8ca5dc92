"""What every facility shares: service points with servers, closures, opening hours and
a minimum headway, and the per-node monitors that feed ``nodes.csv``.

Extension points: a facility (terminal, border, port) composes one or more
``ServicePoint`` objects and lists its ``stages``, the service steps a train passes
through in order (exit customs, gauge change, entry customs). The journey calls
``pass_train`` for a train passing through and ``receive_train`` for a train ending
its journey here; ports override both. Service times come from the facility's
configuration; admission rules (yard space) and closures are enforced by the
facility before a service point is used. Behaviour varies through these methods,
never through checks on a class's name.

The continuation protocol. Trains move by callbacks, not processes: every call that
moves a train (``pass_train``, a stage, ``ServicePoint.serve``, ``RailLine.traverse``)
takes the train and ``then``, a function to call with the train when this step is
done. A step that takes time schedules a ``ScheduledCall`` on the SimPy clock and
returns at once; a step that takes no time calls ``then`` directly, so the stack
grows by a few frames per step and unwinds when a step waits. Two rules keep that
stack bounded: a freed server is handed to the next train in line by a loop
(``ServicePoint._hand_over``), never by nesting, and a journey breaks its chain after
``MAX_NESTED_NODES`` node visits (``journeys.py``). A train goes on (``then``) before
its server is handed over, which is the order a process per train had, so results
did not change when processes were replaced. Why callbacks: a process costs a
generator, an ``Initialize`` event and a resumption per step, and on the peer
benchmark that chain was the largest cost per consignment; replacing it (with the
other hot-path work of the same change) took the five-station tandem from 15,800 to
27,300 customers/s, from 0.59x to 1.02-1.10x idiomatic SimPy (benchmarks/README.md).
For the same reason the hot paths write out small steps in place instead of calling
them: ``charge`` of a train's parts, the end of a one-step service, the arrival over
an open leg that takes no time. Vessels and closures stay processes: they are few.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import simpy

from corridorsim.consignment import Continuation, Train, charge
from corridorsim.disruptions import ClosureState
from corridorsim.records import (
    Activity,
    LevelMonitor,
    NodeRecord,
    ObservationWindow,
    Places,
    StageRecord,
)
from corridorsim.scenario.sections import CustomsRegimes, OpeningHours
from corridorsim.sim.scheduled_call import ScheduledCall
from corridorsim.sim.streams import RandomStreams

Step = tuple[int, float]
"""One step of a service: the clock slot it is charged to (a place's offset plus an
``Activity``) and its hours."""

CLOSURE_HOLD = int(Activity.CLOSURE_HOLD)


class FacilitySetting:
    """What every facility of one replication is built with: the clock, the observation
    window, the random streams, the customs regimes and digitization share, where hours
    are charged (``Places``), and whether queues keep priority classes (only when some
    flow has one: a plain first-come-first-served line is faster)."""

    __slots__ = ("env", "window", "streams", "regimes", "digitization", "places",
                 "prioritised", "kinds")

    def __init__(self, env: simpy.Environment, window: ObservationWindow,
                 streams: RandomStreams, regimes: CustomsRegimes, digitization: float,
                 places: Places | None = None, prioritised: bool = False,
                 kinds: Mapping[str, type[ServicePoint]] | None = None):
        self.env = env
        self.window = window
        self.streams = streams
        self.regimes = regimes
        self.digitization = digitization
        self.places = places if places is not None else Places()
        self.prioritised = prioritised
        self.kinds: Mapping[str, type[ServicePoint]] = kinds or {}
        """The kind of service point of a stage (``node.stage``) that is not the usual
        one: those with an interrupting outage keep their services in progress
        (``facilities/interruptions.py``), so that the others pay nothing for it."""

    def service_point(self, name: str, servers: int, stats: NodeStatistics,
                      closure: ClosureState, headway: float | None = None,
                      opening: OpeningHours | None = None,
                      queue_activity: Activity = Activity.BORDER_QUEUE,
                      place: int = 0) -> ServicePoint:
        """A service point of this replication (with priority classes if it has any)."""
        kind = self.kinds.get(name)
        if kind is None:
            kind = PrioritisedServicePoint if self.prioritised else ServicePoint
        return kind(self.env, name, servers, stats, closure, headway=headway,
                    opening=opening, queue_activity=queue_activity, place=place)

Stage = Callable[[Train, Continuation], None]
"""A node's service stage: serves a train, then calls ``then(train)``."""


class NodeStatistics:
    """Counters a node keeps for ``nodes.csv`` (post-warm-up only)."""

    __slots__ = ("warmup", "until", "waiting", "wait_hours", "trains", "teu", "vessel_calls",
                 "lines")

    def __init__(self, window: ObservationWindow):
        self.warmup = window.start
        self.until = window.end
        self.waiting = LevelMonitor(window.start)
        self.lines: list[ServicePoint] = []
        """The service points whose queues ``waiting`` counts."""
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


class ClassedQueue:
    """Who waits for a server, by priority class: the highest class first, first come
    first served within a class (Cobham's non-preemptive priority discipline)."""

    __slots__ = ("lines", "order", "count")

    def __init__(self) -> None:
        self.lines: dict[int, deque[Callable[[], Any]]] = {}
        self.order: list[int] = []
        """Classes seen, highest first."""
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def push(self, priority: int, call: Callable[[], Any]) -> None:
        """``call`` waits in class ``priority``."""
        line = self.lines.get(priority)
        if line is None:
            line = self.lines[priority] = deque()
            self.order = sorted(self.lines, reverse=True)
        line.append(call)
        self.count += 1

    def append(self, call: Callable[[], Any]) -> None:
        """``call`` waits in class 0 (vessels at berths)."""
        self.push(0, call)

    def popleft(self) -> Callable[[], Any]:
        """The next in line: the longest waiting of the highest class waiting."""
        for priority in self.order:
            line = self.lines[priority]
            if line:
                self.count -= 1
                return line.popleft()
        raise IndexError("nobody is waiting")


class ServicePoint:
    """A group of identical servers (lanes, tracks, berths) with a FIFO queue.

    A user holds a server from the moment it reaches the head of the queue. Before
    service starts it also waits for the node to reopen (closures), for opening
    hours, and for the headway since the previous start (a trains-per-day ceiling).
    Only time in service counts as busy for utilisation: a train's service time is
    known when it starts (its steps are drawn), so it is added to ``busy_hours`` then,
    cut to the observation window; a vessel's hold is not, so it is tracked by a
    time-weighted monitor (``busy``) from ``acquire`` to ``release``.

    Month by month (``periods.csv``, ``close_month``): the window's counters are read at
    each first of a month, and a train service that runs past the next reading (its
    busy hours were counted when it started) notes its end in ``straddling``, so that the
    hours beyond a reading are given to the months they fall in. Available server-hours
    are the area of ``capacity``: whatever changes ``servers`` during a run changes
    ``capacity`` by as much at the same moment, and utilisation over any period stays
    busy over available server-hours.

    Servers in service are those configured (``set_servers``: dated changes) less those
    outages took out (``take_out``, ``bring_back``; ``disruptions.OutOfService``), never
    fewer than 0. Here an outage lets the services on its servers finish; a stage whose
    outage interrupts them is an ``InterruptibleServicePoint`` (``interruptions.py``),
    which overrides ``_run_steps``, ``take_out`` and ``_hand_added``, so that this class's
    hot path (``serve``, ``_run_steps``, ``_served``, ``_finish``, ``_hand_over``) does no
    work for outages.
    """

    __slots__ = ("env", "name", "servers", "headway", "opening", "closure", "stats",
                 "queue_activity", "closure_slot", "free", "queue", "next_start", "busy",
                 "busy_hours", "warmup", "until", "ended", "handing_over", "waiting",
                 "node_waiting", "started", "waited_hours", "service_hours", "held",
                 "server_hours", "servers_since", "month_end", "straddling", "capacity",
                 "configured", "out_of_service", "out_since", "hours_out", "server_hours_out")

    def __init__(self, env: simpy.Environment, name: str, servers: int, stats: NodeStatistics,
                 closure: ClosureState, headway: float | None = None,
                 opening: OpeningHours | None = None,
                 queue_activity: Activity = Activity.BORDER_QUEUE, place: int = 0):
        self.env = env
        self.queue_activity = place + int(queue_activity)
        """The clock slot waits here are charged to (the place's offset + the activity)."""
        self.closure_slot = place + CLOSURE_HOLD
        self.name = name
        self.servers = servers
        self.headway = headway
        self.opening = opening
        self.closure = closure
        self.stats = stats
        self.free = servers
        self.ended = 0
        """Servers whose service ended, not yet handed to the next in line."""
        self.handing_over = False
        self.queue: deque[Callable[[], Any]] | ClassedQueue = self.waiting_line()
        """Who waits for a server, as the call that hands it over."""
        self.next_start = 0.0
        self.busy = LevelMonitor(stats.warmup)
        self.busy_hours = 0.0
        self.warmup = stats.warmup
        self.until = stats.until
        # This stage's queue, and the node's (all its stages'): one monitor while the
        # node has this one stage, so that a change is counted once, not twice.
        self.waiting = stats.waiting
        """Trains (and vessels) waiting here: this stage's queue."""
        self.node_waiting: LevelMonitor | None = None
        """The node's queue monitor when the node has other stages, else None."""
        if stats.lines:
            if len(stats.lines) == 1:
                first = stats.lines[0]
                first.waiting, first.node_waiting = LevelMonitor(stats.warmup), stats.waiting
            self.waiting, self.node_waiting = LevelMonitor(stats.warmup), stats.waiting
        stats.lines.append(self)
        self.started = 0
        """Services started in the observation window..."""
        self.waited_hours = 0.0
        """...the hours they waited before starting..."""
        self.service_hours = 0.0
        """...and their service hours (trains; vessels hold a server, see ``busy``)."""
        self.held = False
        """Whether processes hold servers here (``acquire``: vessels at berths)."""
        self.server_hours: float | None = None
        """Server-hours available in the window up to ``servers_since``, once the server
        count has changed (dated changes, outages); None while it never has."""
        self.servers_since = 0.0
        # --- month by month (periods.csv): see close_month
        self.month_end = float("inf")
        """The next reading of the monthly books (``inf``: none)."""
        self.straddling: list[float] = []
        """Ends (cut to the window) of train services that run past ``month_end``."""
        self.capacity = LevelMonitor(stats.warmup)
        """Servers in place over time: its area is the available server-hours."""
        self.capacity.change(0.0, servers)
        self.configured = servers
        """Servers as configured (by the scenario in force); ``servers`` are those of
        them in service: ``configured`` less ``out_of_service``, never below 0."""
        self.out_of_service = 0
        """Servers that outages have taken out of service now (they add up)."""
        self.out_since = 0.0
        self.hours_out = 0.0
        """Hours in the window, up to ``out_since``, with a server out of service..."""
        self.server_hours_out = 0.0
        """...and the server-hours lost to outages then (at most all configured)."""

    def waiting_line(self) -> deque[Callable[[], Any]] | ClassedQueue:
        """The line at this service point: first come first served."""
        return deque()

    def wait_in_line(self, train: Train, call: Callable[[], Any]) -> None:
        """``train`` waits for a server; ``call`` hands it over."""
        self.queue.append(call)

    # --- trains: callbacks ----------------------------------------------------------------

    def serve(self, train: Train, steps: Sequence[Step], then: Continuation) -> None:
        """Queue ``train`` for a server, run the service steps charging each to its
        activity, release the server, add the hours waited before service to
        ``train.waited`` and call ``then(train)``."""
        now = self.env.now
        if self.free > 0 and not self.queue:
            self.free -= 1
            if (not self.closure.closed and self.opening is None
                    and (self.headway is None or now >= self.next_start)):
                # The common case: a free server and nothing to wait for.
                if self.headway is not None:
                    self.next_start = now + self.headway
                self._run_steps(train, steps, now, then, 0.0)
            else:
                self._start(train, steps, now, then)
            return
        self.waiting.change(now, 1)
        if self.node_waiting is not None:
            self.node_waiting.change(now, 1)
        self.wait_in_line(train, lambda: self._granted(train, steps, now, then))

    def _granted(self, train: Train, steps: Sequence[Step], arrived: float,
                 then: Continuation) -> None:
        """A server handed over by the previous user: the wait in the queue ends."""
        now = self.env.now
        self.waiting.change(now, -1)
        if self.node_waiting is not None:
            self.node_waiting.change(now, -1)
        activity = self.queue_activity
        for part in train.parts:
            part.hours[activity] += now - part.mark
            part.mark = now
        if (not self.closure.closed and self.opening is None
                and (self.headway is None or now >= self.next_start)):
            waited = now - arrived
            train.waited += waited
            if self.headway is not None:
                self.next_start = now + self.headway
            self._run_steps(train, steps, now, then, waited)
        else:
            self._start(train, steps, arrived, then)

    def _start(self, train: Train, steps: Sequence[Step], arrived: float,
               then: Continuation) -> None:
        """With a server held: wait for what still stops a start, then start."""
        if self.closure.closed:
            def reopened() -> None:
                charge(train.parts, self.closure_slot, self.env.now)
                self._start(train, steps, arrived, then)

            self.closure.when_open(reopened)
            return
        hold = self.hold()
        if hold is not None:
            event, activity = hold

            def retry(_event: Any) -> None:
                charge(train.parts, activity, self.env.now)
                self._start(train, steps, arrived, then)

            event.callbacks.append(retry)
            return
        now = self.env.now
        waited = now - arrived
        train.waited += waited
        if self.headway is not None:
            self.next_start = now + self.headway
        self._run_steps(train, steps, now, then, waited)

    def _run_steps(self, train: Train, steps: Sequence[Step], now: float,
                   then: Continuation, waited: float) -> None:
        """Start a service at ``now`` after ``waited`` hours: count it and its busy
        time, then run its steps."""
        if len(steps) == 1:
            activity, hours = steps[0]
        else:
            activity, hours = steps[-1][0], 0.0  # activity unused: several steps
            for _, step_hours in steps:
                hours += step_hours
        until = self.until
        if self.warmup <= now < until:
            self.started += 1
            self.waited_hours += waited
            self.service_hours += hours
            end = now + hours
            self.busy_hours += (end if end < until else until) - now
            if end > self.month_end:
                self.straddling.append(end if end < until else until)
        elif now < self.warmup and now + hours > self.warmup:
            end = now + hours
            self.busy_hours += (end if end < until else until) - self.warmup
            if end > self.month_end:
                self.straddling.append(end if end < until else until)
        if len(steps) != 1:
            self._next_step(train, steps, 0, then)
        elif hours > 0:
            ScheduledCall(self.env, hours, lambda _e: self._served(train, activity, then))
        else:
            self._served(train, activity, then)

    def _served(self, train: Train, activity: int, then: Continuation) -> None:
        """The end of a one-step service: charge it, hand the server on, go on."""
        now = self.env.now
        for part in train.parts:
            part.hours[activity] += now - part.mark
            part.mark = now
        if self.queue:
            self.ended += 1
            then(train)
            self._hand_over()
        else:
            self.free += 1
            then(train)

    def _next_step(self, train: Train, steps: Sequence[Step], i: int,
                   then: Continuation) -> None:
        """Run steps ``i``... of a service, then hand the server on and go on."""
        env = self.env
        while i < len(steps):
            activity, hours = steps[i]
            i += 1
            if hours > 0:
                def step_done(_event: Any, i: int = i, activity: int = activity) -> None:
                    self._step_done(train, steps, i, activity, then)

                ScheduledCall(env, hours, step_done)
                return
            charge(train.parts, activity, env.now)
        self._finish(train, then)

    def _step_done(self, train: Train, steps: Sequence[Step], i: int, activity: int,
                   then: Continuation) -> None:
        now = self.env.now
        for part in train.parts:
            part.hours[activity] += now - part.mark
            part.mark = now
        if i < len(steps):
            self._next_step(train, steps, i, then)
            return
        self._finish(train, then)

    def _finish(self, train: Train, then: Continuation) -> None:
        """A service ended: the train goes on, then its server goes to the next in line
        (the order a released server's next user started in with one process per train)."""
        if self.queue:
            self.ended += 1
            then(train)
            self._hand_over()
        else:
            self.free += 1
            then(train)

    def _hand_over(self) -> None:
        """Give the servers whose service ended to the next in line, first come first
        served, one after another. A zero-length service that ends inside this loop only
        counts its server for the loop to pass on, so a long queue never nests calls (and
        leaves in order)."""
        if self.handing_over:
            return
        self.handing_over = True
        try:
            while self.ended:
                self.ended -= 1
                if self.free < 0:  # a server withdrawn by a change leaves as it frees up
                    self.free += 1
                elif self.queue:
                    self.queue.popleft()()
                else:
                    self.free += 1
        finally:
            self.handing_over = False

    # --- dated changes -----------------------------------------------------------------------

    def set_servers(self, servers: int) -> None:
        """Change the number of servers configured now (a dated change); those in service
        are that less the servers out of service (never below 0)."""
        if self.out_of_service:
            self._count_out(self.env.now)
        self.configured = servers
        self._in_service(max(0, servers - self.out_of_service))

    def _in_service(self, servers: int) -> None:
        """Put ``servers`` in service now. Added servers take the trains waiting at once
        (``_hand_added``); withdrawn ones leave as their services end, none is cut short
        (``free`` goes negative meanwhile, and ``_hand_over`` retires servers before it
        hands any on)."""
        if servers == self.servers:
            return
        now = self.env.now
        self.server_hours = self.available_server_hours(now)
        self.servers_since = now
        self.free += servers - self.servers
        self.capacity.change(now, servers - self.servers)
        self.servers = servers
        if self.free > 0:
            self._hand_added()

    def _hand_added(self) -> None:
        """Give free servers to the trains waiting (after servers were added)."""
        starting = min(self.free, len(self.queue))
        if starting > 0:
            self.free -= starting
            self.ended += starting
            self._hand_over()

    # --- outages (``disruptions.OutOfService``) -----------------------------------------------

    def take_out(self, servers: int, interrupts: bool) -> None:
        """``servers`` fail now. Here the services on them finish and the servers leave as
        they free up (as with a change); a service point that may be interrupted
        (``InterruptibleServicePoint``) pauses those services instead."""
        self._count_out(self.env.now)
        self.out_of_service += servers
        self._in_service(max(0, self.configured - self.out_of_service))

    def bring_back(self, servers: int) -> None:
        """``servers`` are repaired now and take the trains waiting."""
        self._count_out(self.env.now)
        self.out_of_service -= servers
        self._in_service(max(0, self.configured - self.out_of_service))

    def _count_out(self, now: float) -> None:
        """Add the hours out of service since ``out_since`` that fall in the window (before
        the servers out of service or configured change)."""
        self.hours_out, self.server_hours_out = self.outage_hours(now)
        self.out_since = now

    def outage_hours(self, end: float) -> tuple[float, float]:
        """Hours with a server out of service in the window up to ``end``, and the
        server-hours lost to outages then (an outage still running included)."""
        hours, server_hours = self.hours_out, self.server_hours_out
        lost = min(self.out_of_service, self.configured)
        if lost:
            extra = max(0.0, min(end, self.until) - max(self.out_since, self.warmup))
            hours += extra
            server_hours += lost * extra
        return hours, server_hours

    def available_server_hours(self, end: float) -> float:
        """Server-hours available in the observation window up to ``end``."""
        start, stop = max(self.warmup, self.servers_since), min(end, self.until)
        done = self.server_hours or 0.0
        return done + self.servers * max(0.0, stop - start)

    def adopt(self, fresh: ServicePoint) -> None:
        """Take the settings of ``fresh``, built from the configuration now in force: its
        servers, headway and opening hours (the queue, the clock of the last start and
        the statistics stay)."""
        self.set_servers(fresh.servers)
        self.headway = fresh.headway
        self.opening = fresh.opening

    # --- vessels: a process holds the server -----------------------------------------------

    def acquire(self, parts: Sequence[Any]) -> Generator[Any, Any, float]:
        """Wait for a server and for the right to start; return the hours waited.

        For processes that hold a server across several steps of their own (vessels at
        berths); ``release`` ends the hold.
        """
        env = self.env
        arrived = env.now
        if self.free > 0 and not self.queue:
            self.free -= 1
        else:
            self.waiting.change(arrived, 1)
            if self.node_waiting is not None:
                self.node_waiting.change(arrived, 1)
            ticket = env.event()
            self.queue.append(ticket.succeed)
            yield ticket
            self.waiting.change(env.now, -1)
            if self.node_waiting is not None:
                self.node_waiting.change(env.now, -1)
            charge(parts, self.queue_activity, env.now)
        while (hold := self.hold()) is not None:
            event, activity = hold
            yield event
            charge(parts, activity, env.now)
        now = env.now
        waited = now - arrived
        if self.headway is not None:
            self.next_start = now + self.headway
        self.busy.change(now, 1)
        self.held = True
        if self.warmup <= now < self.until:
            self.started += 1
            self.waited_hours += waited
        return waited

    def hold(self) -> tuple[simpy.Event, int] | None:
        """What stops a service starting now (a closure, closing time, the headway since
        the last start) as the event that ends it and the clock slot the wait counts as;
        None when a service can start."""
        if self.closure.closed:
            return self.closure.reopened, self.closure_slot
        env = self.env
        if self.opening is not None:
            hour = env.now % 24.0
            if hour < self.opening.open or hour >= self.opening.close:
                return env.timeout((self.opening.open - hour) % 24.0), self.queue_activity
        if self.headway is not None and env.now < self.next_start:
            return env.timeout(self.next_start - env.now), self.queue_activity
        return None

    def release(self) -> None:
        """End a hold taken with ``acquire``."""
        self.busy.change(self.env.now, -1)
        self.ended += 1
        self._hand_over()

    def utilisation(self, end: float) -> float:
        """Busy share of the servers over the observation window (``end`` must be its end:
        train services are counted when they start, already cut to the window)."""
        if end != self.until:
            raise ValueError(f"utilisation is known at the window's end ({self.until}), "
                             f"not at {end}")
        if end <= self.warmup:
            return 0.0
        if self.server_hours is not None:  # the server count changed: busy over available
            available = self.available_server_hours(end)
            busy = self.busy.mean(end) * (end - self.warmup) + self.busy_hours
            return busy / available if available > 0 else 0.0
        return (self.busy.mean(end) + self.busy_hours / (end - self.warmup)) / self.servers

    def close_month(self, now: float, following: float) -> tuple[float, ...]:
        """The running totals from the start of the window to ``now`` (a first of a month,
        or the window's end), for ``MonthlyLedger``: services started, hours they waited,
        busy and available server-hours, queue area. Train services still running at
        ``now`` keep their hours after it for the months they fall in; ``following`` is
        the next reading."""
        ahead = 0.0
        running = []
        for end in self.straddling:
            if end > now:
                ahead += end - now
                running.append(end)
        self.straddling = running
        self.month_end = following
        return (self.started, self.waited_hours,
                self.busy_hours - ahead + self.busy.area_to(now), self.capacity.area_to(now),
                self.waiting.area_to(now))

    def record(self, replication: int, node: str, kind: str, end: float) -> StageRecord:
        """This service point's statistics over the observation window (a stage row of
        ``nodes.csv``)."""
        n = self.started
        utilisation = self.utilisation(end)
        if not n:
            service = None
        elif self.held and self.server_hours is not None:  # servers changed: as held
            service = utilisation * self.available_server_hours(end) / n
        elif self.held:  # a vessel's berth hours: server-hours held per call
            service = utilisation * self.servers * (end - self.warmup) / n
        else:
            service = self.service_hours / n
        hours_out, server_hours_out = self.outage_hours(end)
        return StageRecord(
            replication=replication, node=node, kind=kind,
            stage=self.name.removeprefix(f"{node}."), servers=self.configured,
            utilisation=utilisation, mean_queue=self.waiting.mean(end),
            max_queue=int(self.waiting.peak()), services=n,
            mean_wait_hours=self.waited_hours / n if n else None, mean_service_hours=service,
            hours_out=hours_out, server_hours_out=server_hours_out)


class PrioritisedServicePoint(ServicePoint):
    """A service point whose line keeps priority classes (``Flow.priority``): a freed
    server goes to the longest-waiting train of the highest class waiting."""

    __slots__ = ()

    def waiting_line(self) -> ClassedQueue:
        """The line at this service point, by class."""
        return ClassedQueue()

    def wait_in_line(self, train: Train, call: Callable[[], Any]) -> None:
        """``train`` waits in its class."""
        self.queue.push(train.priority, call)  # type: ignore[union-attr]


class NodeFacility:
    """Base of terminals, borders and ports: name, kind, closure state, statistics.

    A train passing through by rail calls ``pass_train``; a train ending its journey
    here calls ``receive_train``. Both run the node's ``stages`` in order (each a
    function ``(train, then)`` that serves the train and calls ``then(train)``), count
    the visit with its waits, and hand the train on. Subclasses fill ``stages``,
    list their service points in ``service_points`` for utilisation, and may override
    the two entry points (ports do).
    """

    kind = "node"

    def __init__(self, setting: FacilitySetting, name: str, country: str | None = None):
        env, window = setting.env, setting.window
        self.setting = setting
        self.env = env
        self.name = name
        self.closure = ClosureState(env, count_from=window.start)
        self.stats = NodeStatistics(window)
        self.service_points: list[ServicePoint] = []
        self.stages: tuple[Stage, ...] = (self.hold_while_closed,)
        self.arrival_stages: tuple[Stage, ...] = ()
        """The stages of a train ending its journey here, when not ``stages``."""
        self.place = setting.places.offset(country)
        """The first clock slot of the node's country."""
        self.operations: list[Any] = []
        """Its railway operations (``RailOperation``), in the order listed."""

    def adopt(self, fresh: NodeFacility) -> None:
        """Take the settings of ``fresh``, this node built again from the configuration
        now in force (a dated change): servers, headways, opening hours, service times.
        Queues, trains in service and statistics stay; building ``fresh`` with this
        replication's streams binds its samplers to the streams these draw from, so a
        change continues each stream instead of restarting it. Subclasses add their
        own stages; a change never alters the stages themselves (``CHANGEABLE``)."""
        for operation, new in zip(self.operations, fresh.operations, strict=True):
            operation.adopt(new)

    def pass_train(self, train: Train, then: Continuation) -> None:
        """Handle a train that continues by rail after this node, then call ``then``."""
        self._visit(train, then, self.stages)

    def receive_train(self, train: Train, then: Continuation) -> None:
        """Handle a train whose journey ends here, then call ``then`` (delivery)."""
        self._visit(train, then, self.arrival_stages or self.stages)

    def _visit(self, train: Train, then: Continuation, stages: tuple[Stage, ...]) -> None:
        train.visit_started = self.env.now
        train.waited = 0.0
        train.after_visit = then
        if len(stages) == 1:
            stages[0](train, self._visit_done)
            return
        train.stages = stages
        train.stage = 0
        self._next_stage(train)

    def _next_stage(self, train: Train) -> None:
        k = train.stage
        stages = train.stages
        if k < len(stages):
            train.stage = k + 1
            stages[k](train, self._next_stage)
            return
        self._visit_done(train)

    def _visit_done(self, train: Train) -> None:
        """Count the visit with its waits (as ``count_train`` does) and hand it on."""
        st = self.stats
        if train.visit_started >= st.warmup:
            st.trains += 1
            st.teu += train.teu
            st.wait_hours += train.waited
        train.after_visit(train)

    def hold_while_closed(self, train: Train, then: Continuation) -> None:
        """The stage of a node without service points: a closure still stops trains."""
        if self.closure.closed:
            arrived = self.env.now

            def reopened() -> None:
                now = self.env.now
                charge(train.parts, self.place + CLOSURE_HOLD, now)
                train.waited += now - arrived
                self.hold_while_closed(train, then)

            self.closure.when_open(reopened)
            return
        then(train)

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

    def visit_waits(self) -> tuple[int, float]:
        """The visits whose waits the node's mean wait averages, and those waits, so far
        (trains; a port overrides: vessel calls)."""
        return self.stats.trains, self.stats.wait_hours

    def close_month(self, now: float, _following: float) -> tuple[float, ...]:
        """The node's running totals to ``now``, as ``ServicePoint.close_month`` gives a
        stage's: visits, their waits, no server-hours of its own, its queue's area."""
        visits, waits = self.visit_waits()
        return (visits, waits, 0.0, 0.0, self.stats.waiting.area_to(now))

    def levels(self) -> list[tuple[str | None, str, LevelMonitor]]:
        """The levels a daily series follows: (stage or None for the node, quantity,
        monitor): the node's queue, then each stage's, in stage order."""
        node: list[tuple[str | None, str, LevelMonitor]] = [(None, "queue", self.stats.waiting)]
        return node + [(sp.name.removeprefix(f"{self.name}."), "queue", sp.waiting)
                       for sp in self.service_points]

    def stage_records(self, replication: int, end: float) -> tuple[StageRecord, ...]:
        """Each service stage's statistics over the observation window, in stage order."""
        return tuple(sp.record(replication, self.name, self.kind, end)
                     for sp in self.service_points)
