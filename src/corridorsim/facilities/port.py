"""Seaports: berths shared by vessel services, a yard with back-pressure, rail handling,
customs, and formation of outbound trains.

Cargo arriving by rail for shipment waits upstream until the yard has room for
the whole train (back-pressure; nothing is dropped), passes the exit check, is
unloaded and waits for its vessel service. Cargo landed by vessels is delivered
(if the port is its destination), handed to the next vessel service, or
consolidated into outbound trains that pass the entry check and are loaded. With a
joint control across the sea (``customs.joint_control_with``), the departure port's
exit check also clears the arrival port's entry check: a train formed only of cargo
cleared that way leaves without stopping there.
Everything that enters the yard from the land side (trains for shipment, cargo that
starts its journey here) waits in one first-come-first-served line at the gate.
Vessels always land their cargo, even into a full yard, so the yard can never
deadlock the quay. Port closures (storms) stop berthing and sailings; rail
handling continues.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import simpy

from corridorsim.consignment import ConsignmentPart, Continuation, Train, charge
from corridorsim.disruptions import ClosureState
from corridorsim.facilities.base import FacilitySetting, NodeFacility, NodeStatistics
from corridorsim.facilities.border import adopt_checks, customs_points
from corridorsim.facilities.train_formation import TrainFormationYard
from corridorsim.records import Activity, LevelMonitor, NodeRecord
from corridorsim.scenario.sections import Port
from corridorsim.sim.sampling import Sampler, make_sampler
from corridorsim.sim.scheduled_call import URGENT, ScheduledCall
from corridorsim.sim.streams import PORT_TRAIN_HANDLING


class OutboundService(Protocol):
    """What a port needs of a sea leg that leaves it: somewhere to put cargo for the
    vessels that serve the leg (the leg's cargo queue, or one vessel service)."""

    def enqueue(self, port: str, parts: list[ConsignmentPart]) -> None:
        """Cargo at ``port`` waiting for the next vessel that takes it."""


Delivery = Callable[[Iterable[ConsignmentPart]], None]
"""Parts that reached their destination."""


class Yard:
    """Container yard in TEU. Trains are admitted whole, first come first served."""

    __slots__ = ("env", "capacity", "level", "monitor", "waiting")

    def __init__(self, env: simpy.Environment, capacity: int | None, warmup: float):
        self.env = env
        self.capacity = capacity
        self.level = 0
        self.monitor = LevelMonitor(warmup)
        self.waiting: deque[tuple[int, simpy.Event]] = deque()

    def _fits(self, teu: int) -> bool:
        # An empty yard takes any train, so a train larger than the yard cannot block it.
        return self.capacity is None or self.level + teu <= self.capacity or self.level == 0

    def admit(self, teu: int) -> simpy.Event | None:
        """Take ``teu`` in now (returns None) or return the event of its admission."""
        if not self.waiting and self._fits(teu):
            self.add(teu)
            return None
        event = self.env.event()
        self.waiting.append((teu, event))
        return event

    def add(self, teu: int) -> None:
        """``teu`` more in the yard now."""
        self.level += teu
        self.monitor.change(self.env.now, teu)

    def remove(self, teu: int) -> None:
        """``teu`` leave the yard; trains waiting at the gate are let in as they fit."""
        self.level -= teu
        self.monitor.change(self.env.now, -teu)
        self._let_in()

    def set_capacity(self, capacity: int | None) -> None:
        """A new yard size from now (a dated change): trains waiting at the gate that now
        fit come in; a smaller yard keeps what it holds and admits less until it drains."""
        self.capacity = capacity
        self._let_in()

    def _let_in(self) -> None:
        while self.waiting and self._fits(self.waiting[0][0]):
            teu_in, event = self.waiting.popleft()
            self.add(teu_in)
            event.succeed()


class PortFacility(NodeFacility):
    """A port node. Its queue statistics are those of vessels waiting for a berth.

    A port is built before the vessel services that call at it, so what it hands cargo
    to is given afterwards with ``connect``: the sea legs that leave it (by the port they
    sail to; each a cargo queue that the leg's services draw from), where delivered cargo
    goes, and where a formed train starts its journey.
    """

    kind = "port"

    def __init__(self, setting: FacilitySetting, name: str, config: Port):
        super().__init__(setting, name, config.country)
        env, window, streams = setting.env, setting.window, setting.streams
        self.outbound: Mapping[str, OutboundService] = {}
        self.deliver: Delivery = _not_connected
        self.start_train: Continuation = _not_connected
        self.rate = config.handling_teu_per_hour
        place = self.place
        self.dwell = place + int(Activity.PORT_DWELL)
        self.vessel_wait = place + int(Activity.VESSEL_WAIT)
        self.consolidation = place + int(Activity.CONSOLIDATION)
        self.closure_hold = place + int(Activity.CLOSURE_HOLD)
        self.berths = setting.service_point(f"{name}.berths", config.berths, self.stats,
                                            self.closure, queue_activity=Activity.PORT_DWELL,
                                            place=place)
        # Rail-side work is not stopped by storms and is not part of the berth queue.
        self.rail_stats = NodeStatistics(window)
        self.rail_open = ClosureState(env, count_from=window.start)  # never closes
        self.tracks = setting.service_point(f"{name}.train_tracks", config.train_tracks,
                                            self.rail_stats, self.rail_open,
                                            queue_activity=Activity.PORT_DWELL, place=place)
        self.service_points.extend([self.berths, self.tracks])
        self.train_handling: Sampler = make_sampler(
            config.train_handling_time, streams.get(PORT_TRAIN_HANDLING.format(node=name)))
        self.exit, self.entry = customs_points(
            setting, name, config.customs, self.rail_stats, self.rail_open, None,
            Activity.PORT_DWELL, place)
        self.service_points.extend(check.lanes for check in (self.exit, self.entry)
                                   if check is not None)
        self.joint_partner = (config.customs.joint_control_with
                              if config.customs is not None else None)
        self.yard = Yard(env, config.yard_capacity_teu, window.start)
        self.formation = (TrainFormationYard(env, config.train_formation, self._outbound)
                          if config.train_formation is not None else None)
        self.quay_teu = 0.0
        self.landed_teu = 0.0
        self.loaded_teu = 0.0

    def adopt(self, fresh: NodeFacility) -> None:
        """Take the berths, handling rate, yard size, rail handling and checks of
        ``fresh``; a vessel alongside keeps the rate it started with for the batch it is
        handling."""
        assert isinstance(fresh, PortFacility)
        super().adopt(fresh)
        self.berths.adopt(fresh.berths)
        self.tracks.adopt(fresh.tracks)
        self.train_handling = fresh.train_handling
        self.rate = fresh.rate
        adopt_checks(self.exit, fresh.exit)
        adopt_checks(self.entry, fresh.entry)
        self.yard.set_capacity(fresh.yard.capacity)

    def connect(self, outbound: Mapping[str, OutboundService], deliver: Delivery,
                start_train: Continuation) -> None:
        """Where cargo goes from here: ``outbound`` sea legs by the port they sail to,
        ``deliver`` for cargo whose destination this is, ``start_train`` for a train
        formed here (it leaves by rail without being handled again)."""
        self.outbound = outbound
        self.deliver = deliver
        self.start_train = start_train

    # --- rail side -----------------------------------------------------------------------

    def pass_train(self, train: Train, then: Continuation) -> None:
        """A train passing the port by rail (rail in, rail out) is not handled here."""
        then(train)

    def receive_train(self, train: Train, then: Continuation) -> None:
        """A train ending its journey here by rail: unloaded on a train track."""
        arrived = self.env.now

        def unloaded(train: Train) -> None:
            self.stats.count_train(arrived, train.teu, 0.0)  # port waits are the vessels'
            then(train)

        self.tracks.serve(train, ((self.dwell, self.train_handling()),), unloaded)

    def ship_out(self, train: Train, service: OutboundService) -> None:
        """A train bringing cargo for a vessel service: yard gate, exit check, unloading."""
        arrived = self.env.now

        def unload(train: Train) -> None:
            if self.exit is not None and self.joint_partner is not None:
                for part in train.parts:
                    part.cleared_for = self.joint_partner
            self.tracks.serve(train, ((self.dwell, self.train_handling()),),
                              unloaded)

        def unloaded(train: Train) -> None:
            self.stats.count_train(arrived, train.teu, 0.0)
            service.enqueue(self.name, train.parts)

        def exit_check(train: Train) -> None:
            if self.exit is not None:
                self.exit.clear(train, unload)
            else:
                unload(train)

        admitted = self.yard.admit(train.teu)
        if admitted is None:
            exit_check(train)
            return

        def gate_opened(_event: Any) -> None:
            charge(train.parts, self.dwell, self.env.now)
            exit_check(train)

        admitted.callbacks.append(gate_opened)

    def _outbound(self, train: Train) -> None:
        ScheduledCall(self.env, 0.0, lambda _e: self._dispatch_train(train), URGENT)

    def _dispatch_train(self, train: Train) -> None:
        """A formed train: entry check (unless cleared across the sea), loading, away."""
        formed = self.env.now
        charge(train.parts, self.consolidation, formed)
        cleared = all(part.cleared_for == self.name for part in train.parts)
        for part in train.parts:
            part.cleared_for = None

        def load(train: Train) -> None:
            self.tracks.serve(train, ((self.dwell, self.train_handling()),), loaded)

        def loaded(train: Train) -> None:
            self.yard.remove(train.teu)
            self.stats.count_train(formed, train.teu, 0.0)
            self.start_train(train)

        if self.entry is not None and not cleared:
            self.entry.clear(train, load)
        else:
            load(train)

    # --- sea side ------------------------------------------------------------------------

    def release_to_sea(self, parts: list[ConsignmentPart], service: OutboundService) -> None:
        """Cargo that starts its journey in this port's yard (background cargo): it joins
        the one first-come-first-served line at the yard gate, like trains, so that a
        saturated port still takes in the trains that came before it."""
        admitted = self.yard.admit(sum(p.teu for p in parts))
        if admitted is None:
            service.enqueue(self.name, parts)
            return

        def gate_opened(_event: Any) -> None:
            charge(parts, self.dwell, self.env.now)
            service.enqueue(self.name, parts)

        admitted.callbacks.append(gate_opened)

    def land(self, parts: list[ConsignmentPart]) -> None:
        """Cargo unloaded from a vessel: deliver it, tranship it, or form trains."""
        for part in parts:
            path = part.consignment.path
            i = path.index(self.name)
            if i == len(path) - 1:
                self.deliver((part,))
                continue
            nxt = path[i + 1]
            self.yard.add(part.teu)
            service = self.outbound.get(nxt)
            if service is not None:
                part.cleared_for = None  # transhipped: the joint check was for this port
                service.enqueue(self.name, [part])
            else:
                assert self.formation is not None  # checked by the schema
                self.formation.add(part, path[i:])

    def loaded_onto_vessel(self, teu: int) -> None:
        """``teu`` left the yard on a vessel."""
        self.yard.remove(teu)

    def count_vessel_call(self, arrived: float, waited: float, landed: float,
                          loaded: float) -> None:
        """One vessel call, counted with its berth wait and the TEU it landed and loaded
        when the vessel arrived after warm-up."""
        if arrived >= self.stats.warmup:
            self.stats.vessel_calls += 1
            self.stats.wait_hours += waited
            self.quay_teu += landed + loaded
            self.landed_teu += landed
            self.loaded_teu += loaded

    def visit_waits(self) -> tuple[int, float]:
        """Vessel calls and their berth waits (a port's waits are the vessels')."""
        return self.stats.vessel_calls, self.stats.wait_hours

    def levels(self) -> list[tuple[str | None, str, LevelMonitor]]:
        """The node's and stages' queues, and the yard's TEU."""
        return [*super().levels(), (None, "yard_teu", self.yard.monitor)]

    def record(self, replication: int, end: float) -> NodeRecord:
        """As for any node, but waits and throughput are those of vessel calls."""
        st = self.stats
        util = max(sp.utilisation(end) for sp in self.service_points)
        return NodeRecord(
            replication=replication, node=self.name, kind=self.kind, utilisation=util,
            mean_queue=st.waiting.mean(end), max_queue=int(st.waiting.peak()),
            mean_wait_hours=st.wait_hours / st.vessel_calls if st.vessel_calls else 0.0,
            throughput_teu=self.quay_teu, throughput_trains=st.trains,
            vessel_calls=st.vessel_calls, hours_closed=self.closure.closed_hours(end),
            mean_yard_teu=self.yard.monitor.mean(end), max_yard_teu=self.yard.monitor.peak(),
            landed_teu=self.landed_teu, loaded_teu=self.loaded_teu)


def _not_connected(*_args: Any) -> None:
    raise RuntimeError("a port handed on cargo before it was connected")
