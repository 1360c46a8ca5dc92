"""Vessel services: a fleet shuttling between two ports, carrying whatever waits for it.

Each vessel is a process: wait for a berth (and for the port to be open), unload,
wait for cargo according to the departure policy, load up to capacity (splitting a
consignment that does not fit), wait out closures of the port or the sea leg, sail.
Background cargo uses the same vessels and berths as China-Europe cargo.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from corridorsim.consignment import ConsignmentPart, VisitLog, charge
from corridorsim.disruptions import ClosureState
from corridorsim.facilities.port import PortFacility
from corridorsim.records import AT_SEA, Activity, ObservationWindow, Places, SailingRecord
from corridorsim.scenario.sections import VesselService
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.streams import VESSEL_SAILING, RandomStreams


class CargoQueue:
    """Cargo waiting at one port for one service, first come first served."""

    __slots__ = ("env", "parts", "teu", "changed")

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.parts: deque[ConsignmentPart] = deque()
        self.teu = 0
        self.changed = env.event()

    def put(self, parts: list[ConsignmentPart]) -> None:
        """Cargo joins the queue; a vessel waiting for cargo is woken."""
        self.parts.extend(parts)
        self.teu += sum(p.teu for p in parts)
        event, self.changed = self.changed, self.env.event()
        event.succeed()

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
    """Runs one vessel service's fleet between its two ports."""

    def __init__(self, env: simpy.Environment, name: str, config: VesselService,
                 ports: dict[str, PortFacility], leg_closures: dict[str, ClosureState],
                 streams: RandomStreams, window: ObservationWindow | None = None,
                 places: Places | None = None):
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
        self.queues = {p: CargoQueue(env) for p in config.ports}
        self.sailing: Sampler = make_sampler(
            config.sailing_time, streams.get(VESSEL_SAILING.format(service=name)))
        self.slots_claimed = {p: -1 for p in config.ports}
        self.window = window if window is not None else ObservationWindow(0.0, float("inf"))
        self.departures = {p: [0, 0, 0, 0.0, 0.0, 0.0] for p in config.ports}
        """Per departure port, in the window: sailings, TEU, capacity TEU, handling hours,
        cargo-wait hours, closure hours."""

    def enqueue(self, port: str, parts: list[ConsignmentPart]) -> None:
        """Cargo at ``port`` waiting for this service's next vessel."""
        self.queues[port].put(parts)

    def start(self) -> None:
        """Put the fleet to work: vessels start alternately at the first and second port."""
        for i in range(self.config.vessels):
            self.env.process(self.vessel(i % 2))

    def vessel(self, start: int) -> Generator[Any, Any, None]:
        """One vessel's life: berth, unload, wait for cargo, load, wait out closures, sail."""
        env = self.env
        capacity = self.config.capacity_teu
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
            yield from self._await_departure(queue, here)
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
            yield env.timeout(self.sailing())
            charge(onboard, sailing_slot, env.now)
            here, there = there, here

    def records(self, replication: int) -> tuple[SailingRecord, ...]:
        """What this service did in the observation window, per direction."""
        first, second = self.config.ports
        return tuple(SailingRecord(replication, self.name, here, there, int(d[0]), int(d[1]),
                                   int(d[2]), d[3], d[4], d[5])
                     for here, there in ((first, second), (second, first))
                     for d in (self.departures[here],))

    def _await_departure(self, queue: CargoQueue, port: str) -> Generator[Any, Any, None]:
        env = self.env
        policy = self.config.departure
        capacity = self.config.capacity_teu
        if policy.policy == "when_full":
            while queue.teu < capacity:
                yield queue.changed
        elif policy.policy == "when_full_or_after":
            assert policy.max_wait is not None
            deadline = env.now + policy.max_wait
            while queue.teu < capacity and env.now < deadline:
                yield queue.changed | env.timeout(deadline - env.now)
        else:
            assert policy.headway is not None
            first, headway = policy.first_departure, policy.headway
            k = max(self.slots_claimed[port] + 1, math.ceil((env.now - first) / headway - 1e-9))
            self.slots_claimed[port] = k
            slot = first + k * headway
            if slot > env.now:
                yield env.timeout(slot - env.now)
