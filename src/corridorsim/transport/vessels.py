"""Vessel services: a fleet shuttling between two ports, carrying whatever waits for it.

Each vessel is a process: wait for a berth (and for the port to be open), unload,
wait for cargo according to the departure policy, load up to its capacity (splitting
a consignment that does not fit), wait out closures of the port or the sea leg, sail.
Background cargo uses the same vessels and berths as China-Europe cargo.

A fleet is classes of vessels (a size and a sailing time each). Vessels are numbered
across the fleet, class by class; vessel k starts at the first port when k is even, at
the second when odd. Cargo for a sea leg waits in one ``CargoQueue`` at its departure
port, which every service serving the leg draws from: the first vessel ready to leave by
its own policy takes what is there. A vessel is taken out of service (drydock, a smaller
fleet, a breakdown: ``breakdowns.py``) when it has finished its voyage, or at once if
it is waiting for cargo; the operator's ``update`` applies a dated change of fleet,
capacity, sailing time or departure policy from the moment it is called.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator, Mapping
from typing import Any

import simpy

from corridorsim.consignment import ConsignmentPart, VisitLog, charge
from corridorsim.disruptions import ClosureState
from corridorsim.facilities.port import PortFacility
from corridorsim.records import AT_SEA, Activity, ObservationWindow, Places, SailingRecord
from corridorsim.scenario.distributions import Distribution
from corridorsim.scenario.sections import Drydock, VesselBreakdowns, VesselClass, VesselService
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.streams import (
    VESSEL_CLASS_FAILURES,
    VESSEL_CLASS_REPAIR,
    VESSEL_CLASS_SAILING,
    VESSEL_FAILURES,
    VESSEL_REPAIR,
    VESSEL_SAILING,
    RandomStreams,
)
from corridorsim.transport.breakdowns import Breakdowns
from corridorsim.transport.fleet import FOR_GOOD, FleetClass, Vessel, Withdrawal


class CargoQueue:
    """Cargo waiting at one port for the vessels of one sea leg, first come first served."""

    __slots__ = ("env", "parts", "teu", "changed")

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.parts: deque[ConsignmentPart] = deque()
        self.teu = 0
        self.changed = env.event()

    def put(self, parts: list[ConsignmentPart]) -> None:
        """Cargo joins the queue; vessels waiting for cargo are woken."""
        self.parts.extend(parts)
        self.teu += sum(p.teu for p in parts)
        event, self.changed = self.changed, self.env.event()
        event.succeed()

    def enqueue(self, port: str, parts: list[ConsignmentPart]) -> None:
        """Cargo at ``port`` (the queue's) for the leg's next vessel: as ``put``, for the
        port's ``OutboundService`` protocol."""
        self.put(parts)

    def take(self, room: int) -> list[ConsignmentPart]:
        """Up to ``room`` TEU from the head of the queue (the last part taken may be split)."""
        taken: list[ConsignmentPart] = []
        while room > 0 and self.parts:
            part = self.parts[0]
            if part.teu <= room:
                taken.append(self.parts.popleft())
                room -= part.teu
                self.teu -= part.teu
            else:
                taken.append(part.split(room))
                self.teu -= room
                room = 0
        return taken


class VesselServiceOperator:
    """Runs one vessel service's fleet between its two ports.

    ``queues`` are the cargo queues of the sea legs the service serves, by departure
    port (shared with the other services of the leg); a port without one gets a queue of
    its own. ``calendar`` maps drydock dates onto hours (needed when the service has
    drydock windows).
    """

    def __init__(self, env: simpy.Environment, name: str, config: VesselService,
                 ports: dict[str, PortFacility], leg_closures: dict[str, ClosureState],
                 streams: RandomStreams, window: ObservationWindow | None = None,
                 places: Places | None = None, queues: Mapping[str, CargoQueue] | None = None,
                 calendar: Calendar | None = None):
        self.env = env
        self.sailing_slot = (places.offset(AT_SEA) if places is not None and places.names
                             else 0) + int(Activity.SAILING)
        """The clock slot of hours at sea."""
        self.visits: VisitLog | None = None
        """Traces node visits (segments, stops), or None: set by the model."""
        self.name = name
        self.config = config
        self.ports = ports
        self.leg_closures = leg_closures  # keyed by the departure port
        given = queues or {}
        self.queues = {p: given[p] if p in given else CargoQueue(env) for p in config.ports}
        self.streams = streams
        if config.drydock and calendar is None:
            raise ValueError(f"vessel service {name!r} has drydock windows: give the "
                             "operator the scenario's calendar")
        self.calendar = calendar
        self.departure = config.departure
        self.samplers: dict[str, tuple[Distribution, Sampler]] = {}
        """Per random stream, the sailing-time distribution drawn from it and its sampler
        (shared by the classes that draw from the service's stream)."""
        self.classes = {c.name: FleetClass(c.name, c.capacity_teu, self._sailing(config, c),
                                           c.vessels)
                        for c in config.classes if c.name is not None}
        self.fleet: list[Vessel] = []
        """Every vessel that has joined the service, by number."""
        self.breakdowns = {b.class_: self._breakdowns(b) for b in config.breakdowns}
        """Breakdowns by the class they cover (None: every class without its own)."""
        self.started = False
        """Whether ``start`` has put the fleet to work (before it, ``update`` only sets
        what ``start`` commissions)."""
        self.withdrawals: list[Withdrawal] = []
        """Withdrawals not yet taken up by enough vessels."""
        self.slots_claimed = {p: -1 for p in config.ports}
        self.window = window if window is not None else ObservationWindow(0.0, float("inf"))
        self.departures = {p: [0, 0, 0, 0.0, 0.0, 0.0] for p in config.ports}
        """Per departure port, in the window: sailings, TEU, capacity TEU, handling hours,
        cargo-wait hours, closure hours."""

    def _sailing(self, config: VesselService, vessel_class: VesselClass) -> Sampler:
        """The sampler of a class's sailing time, on its own stream if it has its own
        sailing time, else the service's (one sampler for all the classes on it)."""
        if vessel_class.sailing_time is not None:
            stream = VESSEL_CLASS_SAILING.format(service=self.name,
                                                 vessel_class=vessel_class.name)
        else:
            stream = VESSEL_SAILING.format(service=self.name)
        dist = config.class_sailing_time(vessel_class)
        known = self.samplers.get(stream)
        if known is None or known[0] != dist:
            known = self.samplers[stream] = (dist, make_sampler(dist, self.streams.get(stream)))
        return known[1]

    def _breakdowns(self, config: VesselBreakdowns) -> Breakdowns:
        """The breakdowns of one entry, each time drawn from its own stream."""
        names = ((VESSEL_FAILURES, VESSEL_REPAIR) if config.class_ is None
                 else (VESSEL_CLASS_FAILURES, VESSEL_CLASS_REPAIR))
        failures, repair = (self.streams.get(n.format(service=self.name,
                                                      vessel_class=config.class_))
                            for n in names)
        return Breakdowns(self.env, make_sampler(config.time_between_failures, failures),
                          make_sampler(config.repair_time, repair),
                          lambda vessel: self._wake([vessel]))

    def _breakdowns_of(self, vessel: Vessel) -> Breakdowns | None:
        """The breakdowns a vessel is subject to, if any."""
        found = self.breakdowns.get(vessel.fleet_class.name)
        return found if found is not None else self.breakdowns.get(None)

    def enqueue(self, port: str, parts: list[ConsignmentPart]) -> None:
        """Cargo at ``port`` waiting for this service's next vessel."""
        self.queues[port].put(parts)

    def start(self) -> None:
        """Put the fleet to work, vessels numbered class by class (vessel k starts at the
        first port when k is even, at the second when odd), and schedule the drydock
        windows."""
        self.started = True
        for fleet_class in self.classes.values():
            for _ in range(fleet_class.vessels):
                self._commission(fleet_class)
        for window in self.config.drydock:
            self.env.process(self._drydock(window))

    def _commission(self, fleet_class: FleetClass) -> None:
        """A vessel joins the fleet now, at the port its number gives."""
        vessel = Vessel(len(self.fleet), fleet_class)
        self.fleet.append(vessel)
        breakdowns = self._breakdowns_of(vessel) if self.breakdowns else None
        if breakdowns is not None:
            breakdowns.in_service(vessel)
        vessel.process = self.env.process(self._voyages(vessel, vessel.number % 2))

    # --- a vessel's life -----------------------------------------------------------------

    def _voyages(self, vessel: Vessel, start: int) -> Generator[Any, Any, None]:
        """One vessel's life: berth, unload, wait for cargo, load, wait out closures, sail;
        out of service when withdrawn after unloading or while waiting for cargo."""
        env = self.env
        fleet_class = vessel.fleet_class
        sailing_slot = self.sailing_slot
        here, there = self.config.ports[start], self.config.ports[1 - start]
        onboard: list[ConsignmentPart] = []
        while True:
            port = self.ports[here]
            arrived = env.now
            if onboard and self.visits is not None:
                self.visits.arrive(onboard, here, arrived)
            waited = yield from port.berths.acquire(onboard)
            berthed = env.now
            landed_teu = 0
            if onboard:
                landed_teu = teu = sum(p.teu for p in onboard)
                yield env.timeout(teu / port.rate)
                charge(onboard, port.dwell, env.now)
                port.land(onboard)
                onboard = []
            unloaded = env.now
            queue = self.queues[here]
            until = self._out_until(vessel)
            while until is None:
                vessel.waiting = True
                try:
                    yield from self._await_departure(queue, here, fleet_class.capacity,
                                                     unloaded)
                except simpy.Interrupt:  # withdrawn, failed, or the policy or capacity changed
                    until = self._out_until(vessel)
                    continue
                vessel.waiting = False
                break
            if until is not None:
                vessel.waiting = False
                port.berths.release()
                port.count_vessel_call(arrived, waited, landed_teu, 0)
                if not (yield from self._out_of_service(vessel, until)):
                    return
                breakdowns = self._breakdowns_of(vessel) if self.breakdowns else None
                if breakdowns is not None:
                    breakdowns.in_service(vessel)
                continue  # back in service where it was withdrawn or repaired
            capacity = fleet_class.capacity
            cargo_ready = env.now
            onboard = queue.take(capacity)
            loaded_teu = 0
            if onboard:
                charge(onboard, port.vessel_wait, env.now)
                loaded_teu = teu = sum(p.teu for p in onboard)
                port.loaded_onto_vessel(teu)
                yield env.timeout(teu / port.rate)
                charge(onboard, port.dwell, env.now)
            loaded = env.now
            leg_closure = self.leg_closures.get(here)
            while port.closure.closed or (leg_closure is not None and leg_closure.closed):
                yield (port.closure.reopened if port.closure.closed
                       else leg_closure.reopened)  # type: ignore[union-attr]
                charge(onboard, port.closure_hold, env.now)
            port.berths.release()
            port.count_vessel_call(arrived, waited, landed_teu, loaded_teu)
            if self.window.start <= env.now < self.window.end:
                d = self.departures[here]
                d[0] += 1
                d[1] += loaded_teu
                d[2] += capacity
                d[3] += (unloaded - berthed) + (loaded - cargo_ready)
                d[4] += cargo_ready - unloaded
                d[5] += env.now - loaded
            if onboard and self.visits is not None:
                self.visits.depart(onboard, env.now)
            yield env.timeout(fleet_class.sailing())
            charge(onboard, sailing_slot, env.now)
            here, there = there, here

    def _await_departure(self, queue: CargoQueue, port: str, capacity: int,
                         since: float) -> Generator[Any, Any, None]:
        """Wait at berth until the departure policy lets the vessel leave (``since``: when
        it was ready for cargo)."""
        env = self.env
        policy = self.departure
        if policy.policy == "when_full":
            while queue.teu < capacity:
                yield queue.changed
        elif policy.policy == "when_full_or_after":
            assert policy.max_wait is not None
            deadline = since + policy.max_wait
            while queue.teu < capacity and env.now < deadline:
                yield queue.changed | env.timeout(deadline - env.now)
        else:
            assert policy.headway is not None
            first, headway = policy.first_departure, policy.headway
            k = max(self.slots_claimed[port] + 1, math.ceil((env.now - first) / headway - 1e-9))
            self.slots_claimed[port] = k
            slot = first + k * headway
            if slot > env.now:
                try:
                    yield env.timeout(slot - env.now)
                except simpy.Interrupt:
                    if self.slots_claimed[port] == k:  # no later claim: the slot is free again
                        self.slots_claimed[port] = k - 1
                    raise

    # --- out of service ------------------------------------------------------------------

    def withdraw(self, vessels: int, vessel_class: str | None = None,
                 until: float = FOR_GOOD) -> Withdrawal | None:
        """Take ``vessels`` vessels (of ``vessel_class``, or of any class) out of service
        until ``until`` (simulation hours; ``FOR_GOOD`` retires them): those waiting for
        cargo at once, in the order of their numbers, then the first to finish their
        voyages (after unloading). Returns the withdrawal while it is not taken up (None
        for no vessels)."""
        if vessels <= 0:
            return None
        withdrawal = Withdrawal(vessel_class, vessels, until)
        self.withdrawals.append(withdrawal)
        self._wake([v for v in self.fleet if v.waiting and (
            vessel_class is None or v.fleet_class.name == vessel_class)][:vessels])
        return withdrawal

    def _wake(self, vessels: list[Vessel]) -> None:
        """Vessels waiting for cargo look again at what they are to do (a withdrawal, a new
        policy or capacity); the others will when they are next ready for cargo."""
        for vessel in vessels:
            if vessel.waiting and vessel.process is not None:
                vessel.waiting = False  # woken once, however many reasons
                vessel.process.interrupt()

    def _out_until(self, vessel: Vessel) -> float | None:
        """When a vessel ready for cargo is out of service until, if it is to go out now:
        the end of its repair if it has failed, else of a withdrawal it takes up. Its
        failure clock stops either way."""
        breakdowns = self._breakdowns_of(vessel) if self.breakdowns else None
        if breakdowns is not None and breakdowns.failed(vessel):
            return self.env.now + breakdowns.repair(vessel)
        until = self._withdrawal_for(vessel) if self.withdrawals else None
        if until is not None and breakdowns is not None:
            breakdowns.out_of_service(vessel)
        return until

    def _withdrawal_for(self, vessel: Vessel) -> float | None:
        """The end of the first withdrawal this vessel may take up (taking it), if any."""
        name = vessel.fleet_class.name
        for withdrawal in self.withdrawals:
            if withdrawal.vessel_class is None or withdrawal.vessel_class == name:
                withdrawal.count -= 1
                if withdrawal.count == 0:
                    self.withdrawals.remove(withdrawal)
                return withdrawal.until
        return None

    def _out_of_service(self, vessel: Vessel, until: float) -> Generator[Any, Any, bool]:
        """A withdrawn vessel waits out its withdrawal (and any it takes up meanwhile);
        False when it is retired."""
        env = self.env
        while True:
            if until == FOR_GOOD:
                return False
            if until > env.now:
                yield env.timeout(until - env.now)
            again = self._withdrawal_for(vessel) if self.withdrawals else None
            if again is None:
                return True
            until = again

    def _drydock(self, window: Drydock) -> Generator[Any, Any, None]:
        """One drydock window: the vessels it names are withdrawn from its start to its
        end; what is not taken up by then lapses."""
        env = self.env
        assert self.calendar is not None  # checked when built
        start = self.calendar.hours_since_start(window.start)
        end = self.calendar.hours_since_start(window.end)
        if end <= env.now:
            return
        if start > env.now:
            yield env.timeout(start - env.now)
        vessels = window.vessels
        if vessels is None:
            fleet_class = self.classes.get(window.class_ or "")
            vessels = fleet_class.vessels if fleet_class is not None else 0
        withdrawal = self.withdraw(vessels, window.class_, end)
        yield env.timeout(end - env.now)
        if withdrawal is not None and withdrawal in self.withdrawals:
            self.withdrawals.remove(withdrawal)  # lapses: too few vessels came free in time

    # --- dated changes -------------------------------------------------------------------

    def update(self, config: VesselService) -> None:
        """Run the service as ``config`` says from now on (a dated change).

        A class that grows gets new vessels now, numbered on after the last vessel that
        joined (each starts at the port its number gives), after cancelling retirements
        of that class not yet under way; a class that shrinks or is dropped retires
        vessels as ``withdraw`` does (vessels at sea finish their voyage). A new capacity
        applies from the next loading, a new sailing time from the next sailing, a new
        departure policy at once to the vessels waiting for cargo (a timetable starts
        from its next slot). The ports, the drydock windows and the breakdowns cannot
        change during a run.
        """
        if config.breakdowns != self.config.breakdowns:
            raise ValueError(f"vessel service {self.name!r}: the breakdowns cannot change "
                             "during a run")
        if config.ports != self.config.ports:
            raise ValueError(f"vessel service {self.name!r}: the ports cannot change during "
                             f"a run ({self.config.ports} -> {config.ports})")
        if config.drydock != self.config.drydock:
            raise ValueError(f"vessel service {self.name!r}: the drydock windows cannot "
                             "change during a run")
        self.config = config
        woken: list[Vessel] = []
        if config.departure != self.departure:
            self.departure = config.departure
            self.slots_claimed = {p: -1 for p in config.ports}
            woken = list(self.fleet)
        wanted = {c.name: c for c in config.classes if c.name is not None}
        for name, dropped in self.classes.items():
            if name not in wanted:
                self._resize(dropped, 0)
        for name, vessel_class in wanted.items():
            sailing = self._sailing(config, vessel_class)
            fleet_class = self.classes.setdefault(
                name, FleetClass(name, vessel_class.capacity_teu, sailing, 0))
            fleet_class.sailing = sailing
            if fleet_class.capacity != vessel_class.capacity_teu:
                fleet_class.capacity = vessel_class.capacity_teu
                woken += [v for v in self.fleet if v.fleet_class is fleet_class]
            self._resize(fleet_class, vessel_class.vessels)
        self._wake(woken)

    def _resize(self, fleet_class: FleetClass, vessels: int) -> None:
        """Bring a class to ``vessels`` vessels: new ones join now, or some retire."""
        change = vessels - fleet_class.vessels
        fleet_class.vessels = vessels
        if not self.started:
            return  # ``start`` commissions the class as it is then
        if change < 0:
            self.withdraw(-change, fleet_class.name, FOR_GOOD)
            return
        for withdrawal in [w for w in self.withdrawals
                           if w.vessel_class == fleet_class.name and w.until == FOR_GOOD]:
            cancelled = min(change, withdrawal.count)
            withdrawal.count -= cancelled
            change -= cancelled
            if withdrawal.count == 0:
                self.withdrawals.remove(withdrawal)
        for _ in range(change):
            self._commission(fleet_class)

    # --- what it did ---------------------------------------------------------------------

    def records(self, replication: int) -> tuple[SailingRecord, ...]:
        """What this service did in the observation window, per direction."""
        first, second = self.config.ports
        return tuple(SailingRecord(replication, self.name, here, there, int(d[0]), int(d[1]),
                                   int(d[2]), d[3], d[4], d[5])
                     for here, there in ((first, second), (second, first))
                     for d in (self.departures[here],))
