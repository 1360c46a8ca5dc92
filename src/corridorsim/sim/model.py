"""One replication: builds facilities, lines and vessel services from a scenario, starts
demand and closures, moves trains along their routes, and collects records.

A train's journey walks its path: handle the train at a node, run the next rail
leg, and so on; at a port followed by a sea leg the train's cargo is handed to the
vessel service and the journey ends (formed trains start new journeys at the far
port). Journeys are chains of callbacks on SimPy events (``ScheduledCall``), not
processes: they are the hot path. Events scale with trains and vessel calls, not
with containers.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import simpy

from corridorsim.consignment import Consignment, ConsignmentPart, Train
from corridorsim.demand import FlowReleases
from corridorsim.disruptions import ClosureState, start_closure
from corridorsim.facilities.base import NodeFacility
from corridorsim.facilities.border import BorderFacility
from corridorsim.facilities.port import PortFacility
from corridorsim.facilities.terminal import TerminalFacility
from corridorsim.records import NodeRecord, ObservationWindow, ShipmentRecord
from corridorsim.scenario.schema import Flow, RailLeg, Scenario, SeaLeg
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.sampling import make_sampler
from corridorsim.sim.scheduled_call import URGENT, ScheduledCall
from corridorsim.sim.streams import RandomStreams
from corridorsim.transport.rail import RAIL_RUNNING, RailLine
from corridorsim.transport.vessels import VesselServiceOperator


@dataclass(frozen=True)
class RouteEconomics:
    """Per-TEU money and CO2 of a route that do not depend on time."""

    fixed_cost_usd_per_teu: float
    co2_kg_per_teu: float


def route_economics(scenario: Scenario, path: Iterable[str]) -> RouteEconomics:
    """Tariffs, handling and customs fees, and CO2 along a path, per TEU."""
    path = list(path)
    legs = {(leg.from_, leg.to): leg for leg in scenario.legs.values()}
    factors = scenario.costs.co2_kg_per_teu_km
    cost = 0.0
    co2 = 0.0
    for node in path:
        config = (scenario.terminals.get(node) or scenario.borders.get(node)
                  or scenario.ports.get(node))
        cost += config.handling_fee_usd_per_teu  # type: ignore[union-attr]
        cost += getattr(config, "customs_fee_usd_per_teu", 0.0)
    for a, b in zip(path, path[1:], strict=False):
        leg = legs[(a, b)]
        cost += leg.tariff_usd_per_teu + leg.tariff_usd_per_teu_km * leg.distance_km
        factor = leg.co2_kg_per_teu_km
        if factor is None:
            factor = factors.rail if isinstance(leg, RailLeg) else factors.sea
        co2 += factor * leg.distance_km
    return RouteEconomics(cost, co2)


MAX_NESTED_NODES = 40
"""Node visits one call may nest (each takes ~10 frames of Python's limit of 1,000)."""


class Stop(NamedTuple):
    """A node on a train's path and how the train leaves it."""

    node: NodeFacility
    line: RailLine | None
    service: VesselServiceOperator | None


@dataclass(frozen=True)
class ReplicationOutcome:
    """Everything one replication reports."""

    replication: int
    shipments: tuple[ShipmentRecord, ...]
    nodes: tuple[NodeRecord, ...]
    backlog: dict[str, tuple[int, int]]
    """Per China-Europe route: consignments released before the horizon (including those
    released during warm-up) not yet delivered at the end of the run (horizon + drain),
    and their TEU not yet delivered."""
    released_teu: int
    delivered_teu: int
    in_system_teu: int


class Replication:
    """The corridor network of one replication, ready to run."""

    def __init__(self, scenario: Scenario, replication: int, seed: int | None = None):
        self.scenario = scenario
        self.index = replication
        self.env = env = simpy.Environment()
        self.warmup = scenario.warmup_hours
        self.horizon = scenario.horizon
        self.end = scenario.horizon + scenario.drain
        self.calendar = Calendar(scenario.start_date, self.end)
        self.streams = streams = RandomStreams(scenario.seed if seed is None else seed,
                                               replication)
        regimes = scenario.customs_regimes
        dig = scenario.digitization
        self.nodes: dict[str, NodeFacility] = {}
        window = ObservationWindow(self.warmup, self.horizon)
        for name, cfg in scenario.terminals.items():
            self.nodes[name] = TerminalFacility(
                env, name, cfg, window,
                make_sampler(cfg.handling_time, streams.get(f"{name}.handling")))
        for name, bcfg in scenario.borders.items():
            self.nodes[name] = BorderFacility(env, name, bcfg, window, regimes, dig,
                                              streams)
        for name, pcfg in scenario.ports.items():
            self.nodes[name] = PortFacility(env, name, pcfg, window, regimes, dig,
                                            streams, self)
        self.leg_closures: dict[str, ClosureState] = {}
        self.lines: dict[tuple[str, str], RailLine] = {}
        sea_by_service: dict[str, dict[str, ClosureState]] = {}
        sea_service_of_pair: dict[tuple[str, str], str] = {}
        for name, leg in scenario.legs.items():
            closure = ClosureState(env, count_from=self.warmup)
            self.leg_closures[name] = closure
            if isinstance(leg, RailLeg):
                self.lines[(leg.from_, leg.to)] = RailLine(env, name, leg, streams, closure)
            else:
                assert isinstance(leg, SeaLeg)
                sea_by_service.setdefault(leg.service, {})[leg.from_] = closure
                sea_service_of_pair[(leg.from_, leg.to)] = leg.service
        self.services: dict[str, VesselServiceOperator] = {}
        for name, svc in scenario.vessel_services.items():
            ports = {p: self.nodes[p] for p in svc.ports}
            self.services[name] = VesselServiceOperator(
                env, name, svc, ports, sea_by_service.get(name, {}), streams)  # type: ignore[arg-type]
        self.sea_services = {pair: self.services[s] for pair, s in sea_service_of_pair.items()}
        self.paths = {name: tuple(nodes) for name, nodes in scenario.routes.items()}
        self.itineraries: dict[tuple[str, ...], tuple[Stop, ...]] = {}
        self.nested_nodes = 0
        """Node visits in progress on the call stack (see ``_at_node``)."""
        self.economics = {name: route_economics(scenario, nodes)
                          for name, nodes in scenario.routes.items()}
        self.consignments: list[Consignment] = []
        self.released_teu = 0
        self.delivered_teu = 0
        for name, closure in scenario.closures.items():
            state = (self.nodes[closure.at].closure if closure.at in self.nodes
                     else self.leg_closures[closure.at])
            start_closure(env, state, closure, self.calendar, streams.get(f"closure.{name}"),
                          streams.get(f"closure.{name}.duration"))
        for service in self.services.values():
            service.start()
        for name, flow in scenario.flows.items():
            env.process(FlowReleases(env, name, flow, self.calendar, streams,
                                     self.release).run())

    # --- cargo movement ------------------------------------------------------------------

    def release(self, flow_name: str, flow: Flow, route: str, teu: int) -> None:
        """A new consignment at its origin."""
        path = self.paths[route]
        econ = self.economics[route]
        consignment = Consignment(len(self.consignments), flow_name, route, path, teu,
                                  self.env.now, flow.background, econ.fixed_cost_usd_per_teu,
                                  econ.co2_kg_per_teu)
        self.consignments.append(consignment)
        self.released_teu += teu
        part = ConsignmentPart.whole(consignment)
        service = self.sea_services.get((path[0], path[1]))
        if service is not None:
            port = self.nodes[path[0]]
            assert isinstance(port, PortFacility)
            port.release_to_sea([part], service)
        else:
            self.start_journey(Train([part], path, 0), handle_first=True)

    def start_journey(self, train: Train, handle_first: bool) -> None:
        """Move a train along its path until it is delivered or handed to a vessel; the
        first node handles it only when ``handle_first`` (not a train formed there)."""
        itinerary = self.itineraries.get(train.path)
        if itinerary is None:
            itinerary = self.itineraries[train.path] = self._itinerary(train.path)
        train.itinerary = itinerary
        self._at_node(train, handle_first)

    def _itinerary(self, path: tuple[str, ...]) -> tuple[Stop, ...]:
        """Per node of ``path``: the facility, and the rail line or vessel service that
        leaves it (neither at the end)."""
        stops = []
        for here, there in zip(path, path[1:], strict=False):
            service = self.sea_services.get((here, there))
            stops.append(Stop(self.nodes[here],
                              None if service is not None else self.lines[(here, there)],
                              service))
        stops.append(Stop(self.nodes[path[-1]], None, None))
        return tuple(stops)

    def _at_node(self, train: Train, handle: bool) -> None:
        if self.nested_nodes >= MAX_NESTED_NODES:
            # Nodes and legs that take no time call the next one directly; on a long
            # route of them the calls would nest past Python's recursion limit. Go on
            # from a fresh call at the same instant instead.
            ScheduledCall(self.env, 0.0, lambda _e: self._at_node(train, handle), URGENT)
            return
        self.nested_nodes += 1  # no try/finally: an exception ends the replication anyway
        node, line, service = train.itinerary[train.index]
        if line is not None:
            if handle:
                node.pass_train(train, self._depart)
            else:
                line.traverse(train, self._arrive_at_next_node)
        elif service is not None:
            assert isinstance(node, PortFacility)
            node.ship_out(train, service)
        else:
            node.receive_train(train, self._delivered)
        self.nested_nodes -= 1

    def _depart(self, train: Train) -> None:
        """Leave the node by the next rail line, and arrive at the next node."""
        line = train.itinerary[train.index].line
        assert line is not None
        if not (line.instant and line.closure.depth == 0):
            line.traverse(train, self._arrive_at_next_node)
            return
        # An open instant leg (``RailLine.traverse`` of no time, and the arrival,
        # inlined): the hot path of queueing-theory layouts.
        now = self.env.now
        for part in train.parts:
            part.hours[RAIL_RUNNING] += now - part.mark
            part.mark = now
        train.index += 1
        self._at_node(train, True)

    def _arrive_at_next_node(self, train: Train) -> None:
        train.index += 1
        self._at_node(train, True)

    def _delivered(self, train: Train) -> None:
        self.deliver(train.parts)

    def deliver(self, parts: Iterable[ConsignmentPart]) -> None:
        """Parts reaching their destination; a consignment is delivered with its last TEU."""
        now = self.env.now
        for part in parts:
            consignment = part.consignment
            consignment.teu_outstanding -= part.teu
            self.delivered_teu += part.teu
            if consignment.teu_outstanding == 0:
                consignment.delivered_at = now
                consignment.activity_hours = part.hours

    # --- running -------------------------------------------------------------------------

    def run(self) -> ReplicationOutcome:
        """Run to the horizon, then through the drain period, and return the records.

        Node statistics are taken at the horizon (the demand window); consignments
        released in the window are followed until delivered or the drain ends.
        """
        self.env.run(until=self.horizon)
        nodes = tuple(node.record(self.index, self.horizon) for node in self.nodes.values())
        if self.end > self.horizon:
            self.env.run(until=self.end)
        tv = self.scenario.costs.time_value_usd_per_teu_day
        shipments = []
        backlog: dict[str, list[int]] = {}
        in_system = 0
        for c in self.consignments:
            in_system += c.teu_outstanding
            if c.background or c.released_at >= self.horizon:
                continue
            if c.delivered_at is None:
                entry = backlog.setdefault(c.route, [0, 0])
                entry[0] += 1
                entry[1] += c.teu_outstanding
            if c.released_at < self.warmup:
                continue
            cost = None
            hours = None
            if c.delivered_at is not None:
                cost = c.cost_fixed_usd_per_teu + tv * (c.delivered_at - c.released_at) / 24.0
                hours = tuple(c.activity_hours or ())
            shipments.append(ShipmentRecord(
                replication=self.index, consignment_id=c.id, flow=c.flow, route=c.route,
                teu=c.teu, released_at=c.released_at, delivered_at=c.delivered_at,
                activity_hours=hours, cost_usd_per_teu=cost,
                freight_usd_per_teu=c.cost_fixed_usd_per_teu, co2_kg_per_teu=c.co2_kg_per_teu))
        return ReplicationOutcome(
            replication=self.index, shipments=tuple(shipments), nodes=nodes,
            backlog={k: (v[0], v[1]) for k, v in backlog.items()},
            released_teu=self.released_teu, delivered_teu=self.delivered_teu,
            in_system_teu=in_system)


@contextmanager
def few_garbage_collections() -> Iterator[None]:
    """Run the cyclic garbage collector far less often meanwhile.

    A replication makes millions of short-lived objects (events, closures) and few
    cycles; with the default thresholds the collector spends ~10% of the run, and more
    of the table building afterwards, rescanning the growing records. Threaded workers
    (Dask) share the process-wide setting, so there it is left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def run_replication(scenario: Scenario, replication: int,
                    seed: int | None = None) -> ReplicationOutcome:
    """Build and run one replication (a picklable entry point for worker processes)."""
    with few_garbage_collections():
        return Replication(scenario, replication, seed).run()
