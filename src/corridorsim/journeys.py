"""The journey of a train: node by node along its path, until it is delivered or its
cargo is handed to a vessel service.

At each node the train is handled (``pass_train``: the node's stages, such as customs
and gauge change) and leaves by the next rail line; at the last node it is received
(``receive_train``) and its cargo delivered; at a port followed by a sea leg its cargo
is shipped out and the journey ends there. Trains formed at a port from landed cargo
start a new journey that leaves the port by rail without being handled again. Every
step is a callback (the continuation protocol of ``facilities/base.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import simpy

from corridorsim.consignment import ConsignmentPart, Train, VisitLog
from corridorsim.facilities.base import NodeFacility
from corridorsim.facilities.port import OutboundService, PortFacility
from corridorsim.route_choice import DeliveryMemory
from corridorsim.sim.scheduled_call import URGENT, ScheduledCall
from corridorsim.transport.rail import RailLine

MAX_NESTED_NODES = 40
"""Node visits one call may nest (each takes ~10 frames of Python's limit of 1,000)."""


class Stop(NamedTuple):
    """A node on a train's path and how the train leaves it."""

    node: NodeFacility
    line: RailLine | None
    """The rail line to the next node, if the train leaves by rail."""
    service: OutboundService | None
    """The cargo queue of the sea leg to the next node (its vessel services draw from
    it), if the cargo leaves by sea."""


class TrainJourneys:
    """Moves every train of a replication along its path, and delivers its cargo."""

    def __init__(self, env: simpy.Environment, nodes: Mapping[str, NodeFacility],
                 lines: Mapping[tuple[str, str], RailLine],
                 sea_services: Mapping[tuple[str, str], OutboundService],
                 visits: VisitLog | None = None):
        self.env = env
        self.visits = visits
        """Traces node visits (segments, stops), or None."""
        self.nodes = nodes
        self.lines = lines
        self.sea_services = sea_services
        self.itineraries: dict[tuple[str, ...], tuple[Stop, ...]] = {}
        self.nested_nodes = 0
        """Node visits in progress on the call stack (see ``_arrive``)."""
        self.delivered_teu = 0
        self.remembered: Mapping[str, Sequence[DeliveryMemory]] = {}
        """Per route, the memories of the choice options it belongs to: each delivery on
        it is remembered by the shippers who choose between them."""

    # --- where a journey starts ----------------------------------------------------------

    def from_origin(self, train: Train) -> None:
        """A train leaving its origin: handled there first, then on along its path."""
        train.itinerary = self._itinerary(train.path)
        self._arrive(train)

    def from_port(self, train: Train) -> None:
        """A train formed at a port from landed cargo: it leaves by rail at once."""
        train.itinerary = self._itinerary(train.path)
        self._leave_by_rail(train)

    def _itinerary(self, path: tuple[str, ...]) -> tuple[Stop, ...]:
        """Per node of ``path``: the facility, and the rail line or vessel service that
        leaves it (neither at the end). Built once per path."""
        itinerary = self.itineraries.get(path)
        if itinerary is None:
            stops = []
            for here, there in itertools.pairwise(path):
                service = self.sea_services.get((here, there))
                stops.append(Stop(self.nodes[here],
                                  None if service is not None else self.lines[(here, there)],
                                  service))
            stops.append(Stop(self.nodes[path[-1]], None, None))
            itinerary = self.itineraries[path] = tuple(stops)
        return itinerary

    # --- node by node --------------------------------------------------------------------

    def _arrive(self, train: Train) -> None:
        """The train is at node ``train.index``: pass it, ship its cargo, or receive it."""
        if self.nested_nodes >= MAX_NESTED_NODES:
            # Nodes and legs that take no time call the next one directly; on a long
            # route of them the calls would nest past Python's recursion limit. Go on
            # from a fresh call at the same instant instead.
            ScheduledCall(self.env, 0.0, lambda _e: self._arrive(train), URGENT)
            return
        self.nested_nodes += 1  # no try/finally: an exception ends the replication anyway
        node, line, service = train.itinerary[train.index]
        if self.visits is not None:
            self.visits.arrive(train.parts, node.name, self.env.now)
        if line is not None:
            node.pass_train(train, self._depart)
        elif service is not None:
            assert isinstance(node, PortFacility)
            node.ship_out(train, service)
        else:
            node.receive_train(train, self._delivered)
        self.nested_nodes -= 1

    def _leave_by_rail(self, train: Train) -> None:
        """The train leaves node ``train.index`` by rail without being handled there."""
        if self.nested_nodes >= MAX_NESTED_NODES:
            ScheduledCall(self.env, 0.0, lambda _e: self._leave_by_rail(train), URGENT)
            return
        self.nested_nodes += 1
        line = train.itinerary[train.index].line
        assert line is not None
        now = self.env.now
        train.left_at = now
        if self.visits is not None:
            self.visits.depart(train.parts, now)
        line.traverse(train, self._arrived_by_rail)
        self.nested_nodes -= 1

    def _depart(self, train: Train) -> None:
        """Handled at the node: leave by the next rail line, and arrive at the next node."""
        line = train.itinerary[train.index].line
        assert line is not None
        now = self.env.now
        train.left_at = now
        if self.visits is not None:
            self.visits.depart(train.parts, now)
        if not (line.instant and not line.closure.closed):
            line.traverse(train, self._arrived_by_rail)
            return
        # An open leg that takes no time (queueing-theory layouts), written out.
        slot = line.running_slot
        for part in train.parts:
            part.hours[slot] += now - part.mark
            part.mark = now
        train.index += 1
        self._arrive(train)

    def _arrived_by_rail(self, train: Train) -> None:
        train.index += 1
        self._arrive(train)

    # --- where a journey ends ------------------------------------------------------------

    def _delivered(self, train: Train) -> None:
        self.deliver(train.parts)

    def deliver(self, parts: Iterable[ConsignmentPart]) -> None:
        """Parts reaching their destination; a consignment is delivered with its last TEU."""
        now = self.env.now
        visits = self.visits
        for part in parts:
            consignment = part.consignment
            consignment.teu_outstanding -= part.teu
            self.delivered_teu += part.teu
            if visits is not None:
                visits.depart((part,), now)
            if consignment.teu_outstanding == 0:
                consignment.delivered_at = now
                consignment.activity_hours = part.hours
                consignment.visits = part.visits
                memories = self.remembered.get(consignment.route)
                if memories:
                    for memory in memories:
                        memory.delivered(now, now - consignment.released_at)
