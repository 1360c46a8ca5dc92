"""Service points whose outages interrupt the services in progress (preemptive-resume).

A crane that fails mid-transshipment stops the train it is working on; the train waits
on that track until the crane is repaired, then the transshipment goes on with the time
it had left. To pause a service, its end must be known and cancellable, so these service
points keep each service in progress (``ServiceInProgress``) with the scheduled call of
its current step. Only the stages of ``kind: outage`` closures with ``interrupts: true``
are built so (``FacilitySetting.kinds``, chosen by the model): every other service point
pays nothing for it, its hot path is the one of ``ServicePoint``.

What an interruption does:

- Of the services in progress, the latest started (or resumed) pause, as many as exceed
  the servers left in service; a server held by a train that has not started yet (a
  closure, opening hours or a headway holds it) leaves as it frees up, as with a
  non-interrupting outage.
- A paused train holds no server. Its hours until it resumes are a closure hold
  (``Activity.CLOSURE_HOLD``): stopped at the place by a breakdown.
- Servers coming back (a repair, or a dated change adding servers) go first to the
  paused services, first paused first resumed, then to the queue. Servers freed by
  services that end go to the queue as usual: a paused train waits for the repair of
  its server, not for another's.
- Busy hours follow the service: the hours it had left leave the busy count when it
  pauses and come back, at their new times, when it resumes, so utilisation stays busy
  over available server-hours.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import simpy

from corridorsim.consignment import Continuation, Train, charge
from corridorsim.disruptions import ClosureState
from corridorsim.facilities.base import (
    NodeStatistics,
    PrioritisedServicePoint,
    ServicePoint,
    Step,
)
from corridorsim.records import Activity
from corridorsim.scenario.sections import OpeningHours
from corridorsim.sim.scheduled_call import ScheduledCall


class ServiceInProgress:
    """A train's service at an interruptible service point: its steps, the step it is at
    and the call that ends that step."""

    __slots__ = ("train", "steps", "then", "next_step", "activity", "ends", "left", "call",
                 "noted")

    def __init__(self, train: Train, steps: Sequence[Step], then: Continuation):
        self.train = train
        self.steps = steps
        self.then = then
        self.next_step = 0
        """The index of the step after the one running."""
        self.activity = 0
        """The clock slot of the step running."""
        self.ends = 0.0
        """When the step running ends (unless it is paused)."""
        self.left = 0.0
        """While paused: the hours the step had left."""
        self.call: simpy.Event | None = None
        self.noted: float | None = None
        """The end it noted among the services running past a reading of the monthly books
        (``ServicePoint.straddling``), if it did."""

    def later_hours(self) -> float:
        """Hours of the steps after the one running."""
        return sum(hours for _, hours in self.steps[self.next_step:])


class InterruptibleServicePoint(ServicePoint):
    """A service point whose interrupting outages pause the services on the failed
    servers and resume them after the repair with their remaining time."""

    __slots__ = ("in_service", "paused")

    def __init__(self, env: simpy.Environment, name: str, servers: int,
                 stats: NodeStatistics, closure: ClosureState, headway: float | None = None,
                 opening: OpeningHours | None = None,
                 queue_activity: Activity = Activity.BORDER_QUEUE, place: int = 0):
        super().__init__(env, name, servers, stats, closure, headway=headway,
                         opening=opening, queue_activity=queue_activity, place=place)
        self.in_service: list[ServiceInProgress] = []
        """Services running, in the order they started."""
        self.paused: deque[ServiceInProgress] = deque()
        """Services paused by an outage, in the order they paused."""

    def _note_end(self, service: ServiceInProgress, end: float) -> None:
        """A service counted as busy until ``end`` that runs past the next reading of the
        monthly books notes its end there, as ``ServicePoint._run_steps`` does."""
        if end > self.month_end and end > self.warmup:
            service.noted = end if end < self.until else self.until
            self.straddling.append(service.noted)

    def _in_window(self, start: float, end: float) -> float:
        """Hours of [start, end] in the observation window."""
        return max(0.0, min(end, self.until) - max(start, self.warmup))

    def _run_steps(self, train: Train, steps: Sequence[Step], now: float,
                   then: Continuation, waited: float) -> None:
        """Start a service as ``ServicePoint`` does (the same counts, the same calls on
        the clock), keeping it among the services in progress."""
        hours = 0.0
        for _, step_hours in steps:
            hours += step_hours
        if self.warmup <= now < self.until:
            self.started += 1
            self.waited_hours += waited
            self.service_hours += hours
        self.busy_hours += self._in_window(now, now + hours)
        service = ServiceInProgress(train, steps, then)
        self._note_end(service, now + hours)
        self.in_service.append(service)
        self._run_from(service, 0)

    def _run_from(self, service: ServiceInProgress, i: int) -> None:
        """Run steps ``i``... of ``service``; at the end the train goes on and its server
        goes to the next in line."""
        env = self.env
        steps = service.steps
        while i < len(steps):
            activity, hours = steps[i]
            i += 1
            if hours > 0:
                service.next_step, service.activity = i, activity
                service.ends = env.now + hours
                service.call = ScheduledCall(env, hours, lambda _e: self._step_ended(service))
                return
            charge(service.train.parts, activity, env.now)
        self.in_service.remove(service)
        self._finish(service.train, service.then)

    def _step_ended(self, service: ServiceInProgress) -> None:
        charge(service.train.parts, service.activity, self.env.now)
        self._run_from(service, service.next_step)

    def take_out(self, servers: int, interrupts: bool) -> None:
        """``servers`` fail now; with ``interrupts``, the latest started (or resumed)
        services beyond the servers left pause (see the module's docstring)."""
        if not interrupts:
            super().take_out(servers, interrupts)
            return
        now = self.env.now
        self._count_out(now)
        self.out_of_service += servers
        left = max(0, self.configured - self.out_of_service)
        pausing = min(len(self.in_service), self.servers - self.free - left)
        for _ in range(pausing):
            self._pause(self.in_service.pop(), now)
            self.free += 1
        self._in_service(left)

    def _pause(self, service: ServiceInProgress, now: float) -> None:
        assert service.call is not None
        service.call.callbacks.clear()  # the step does not end then any more
        service.left = service.ends - now
        self.busy_hours -= self._in_window(now, now + service.left + service.later_hours())
        if service.noted is not None and service.noted in self.straddling:
            self.straddling.remove(service.noted)  # its hours after now are no longer busy
        service.noted = None
        charge(service.train.parts, service.activity, now)
        self.paused.append(service)

    def _hand_added(self) -> None:
        """Servers added (a repair): the paused services first, then the queue."""
        now = self.env.now
        while self.paused and self.free > 0:
            self.free -= 1
            self._resume(self.paused.popleft(), now)
        super()._hand_added()

    def _resume(self, service: ServiceInProgress, now: float) -> None:
        charge(service.train.parts, self.closure_slot, now)
        self.busy_hours += self._in_window(now, now + service.left + service.later_hours())
        self._note_end(service, now + service.left + service.later_hours())
        self.in_service.append(service)
        service.ends = now + service.left
        service.call = ScheduledCall(self.env, service.left,
                                     lambda _e: self._step_ended(service))


class PrioritisedInterruptibleServicePoint(InterruptibleServicePoint, PrioritisedServicePoint):
    """An interruptible service point whose line keeps priority classes."""

    __slots__ = ()


def interruptible_kind(prioritised: bool) -> type[ServicePoint]:
    """The interruptible service point of a replication (with priority classes or not)."""
    return PrioritisedInterruptibleServicePoint if prioritised else InterruptibleServicePoint
