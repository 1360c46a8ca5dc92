"""Random breakdowns of a vessel service's vessels: a failure clock per vessel that runs
in service time only.

Each vessel covered has a time to its next failure, drawn when it enters service and
after each repair, and spent only while it is in service (the clock stops while it is in
drydock or under repair). The clock does not stop the vessel itself: a vessel that has
failed finds out when it is next ready for cargo (after unloading, so one at sea
finishes its voyage), and one waiting for cargo when its clock runs out is woken at once
(``wake``). The operator (``vessels.py``) then takes it out of service for a repair time
drawn then, at the port where it is, as it does for a drydock withdrawal.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from corridorsim.sim.sampling import Sampler
from corridorsim.transport.fleet import Vessel


class FailureClock:
    """One vessel's failure clock: since when it has been in service (None: out of
    service), the service hours then left to its next failure (None: to be drawn when it
    next enters service), and a count of its stretches in service (a timer set in an
    earlier stretch is stale)."""

    __slots__ = ("since", "left", "stretch")

    def __init__(self) -> None:
        self.since: float | None = None
        self.left: float | None = None
        self.stretch = 0


class Breakdowns:
    """The breakdowns of the vessels of one service (of one class, or of every class
    without breakdowns of their own): failure and repair times from their own samplers,
    and what they cost (failures and repair hours, over the whole run)."""

    def __init__(self, env: simpy.Environment, failures: Sampler, repair: Sampler,
                 wake: Callable[[Vessel], None]):
        self.env = env
        self.failures = failures
        self.repair_time = repair
        self.wake = wake
        """Called with a vessel whose clock runs out while it waits for cargo."""
        self.clocks: dict[int, FailureClock] = {}
        """Per vessel number, its clock."""
        self.count = 0
        """Failures so far (each followed by a repair)."""
        self.repair_hours = 0.0
        """Repair time drawn so far, over every failure."""

    def in_service(self, vessel: Vessel) -> None:
        """The vessel enters (or returns to) service now: its clock runs again, with a new
        time to failure if it has just been repaired or is new."""
        clock = self.clocks.get(vessel.number)
        if clock is None:
            clock = self.clocks[vessel.number] = FailureClock()
        if clock.left is None:
            clock.left = max(self.failures(), 0.0)
        now = self.env.now
        clock.since = now
        clock.stretch += 1
        stretch = clock.stretch
        timer = self.env.timeout(clock.left)
        assert timer.callbacks is not None
        timer.callbacks.append(lambda _e: self._ran_out(vessel, clock, stretch))

    def _ran_out(self, vessel: Vessel, clock: FailureClock, stretch: int) -> None:
        if clock.stretch == stretch and clock.since is not None and vessel.waiting:
            self.wake(vessel)

    def out_of_service(self, vessel: Vessel) -> None:
        """The vessel is withdrawn now (drydock, retirement): its clock stops with the
        service hours it has left."""
        clock = self.clocks.get(vessel.number)
        if clock is None or clock.since is None:
            return
        assert clock.left is not None
        clock.left = max(clock.left - (self.env.now - clock.since), 0.0)
        clock.since = None

    def failed(self, vessel: Vessel) -> bool:
        """Whether the vessel has failed (its clock ran out while in service)."""
        clock = self.clocks.get(vessel.number)
        if clock is None or clock.since is None or clock.left is None:
            return False
        return self.env.now >= clock.since + clock.left

    def repair(self, vessel: Vessel) -> float:
        """A failed vessel goes out of service now: the repair time, drawn now (its next
        time to failure is drawn when it is back)."""
        clock = self.clocks[vessel.number]
        clock.since = None
        clock.left = None
        hours = max(self.repair_time(), 0.0)
        self.count += 1
        self.repair_hours += hours
        return hours
