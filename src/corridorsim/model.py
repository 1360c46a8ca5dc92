"""The model of one replication: builds the corridor from a scenario, runs it, and
collects what it reports.

The composition root. It builds the facilities (terminals, borders, ports), the rail
lines and vessel services between them, connects each port to the services that sail
from it, starts closures and demand, and runs the clock to the horizon and through the
drain. Trains then move by ``TrainJourneys`` (``journeys.py``). Events scale with
trains and vessel calls, not with containers.
"""

from __future__ import annotations

import gc
import itertools
import math
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

import simpy

from corridorsim.consignment import Consignment, ConsignmentPart, Train, Visit, VisitLog
from corridorsim.corridors import corridor_of
from corridorsim.demand import FlowReleases
from corridorsim.disruptions import (
    Closable,
    ClosureState,
    RegionalClosure,
    WatchedClosure,
    start_closure,
    start_outage,
)
from corridorsim.facilities.base import FacilitySetting, NodeFacility, ServicePoint
from corridorsim.facilities.border import BorderFacility
from corridorsim.facilities.interruptions import interruptible_kind
from corridorsim.facilities.operations import StationFacility
from corridorsim.facilities.port import PortFacility
from corridorsim.facilities.terminal import TerminalFacility
from corridorsim.journeys import TrainJourneys
from corridorsim.network import (
    RouteEconomics,
    alternative_economics,
    free_flow_hours,
    route_economics,
)
from corridorsim.records import (
    AT_SEA,
    N_ACTIVITIES,
    Activity,
    DailyLevels,
    LevelMonitor,
    MonthlyLedger,
    MonthReader,
    ObservationWindow,
    Places,
    ReplicationOutcome,
    ShipmentRecord,
    StopRecord,
)
from corridorsim.route_choice import ChoiceOption, DeliveryMemory, FlowChoice
from corridorsim.scenario.distributions import mean_hours
from corridorsim.scenario.schema import Scenario
from corridorsim.scenario.sections import Flow, OutageClosure, RailLeg, SeaLeg
from corridorsim.sim.calendar import Calendar
from corridorsim.sim.sampling import make_sampler
from corridorsim.sim.scheduled_call import URGENT, ScheduledCall
from corridorsim.sim.streams import (
    ALTERNATIVE_TRANSIT,
    FLOW_CHOICE,
    FLOW_ELECTRONIC_DATA,
    FLOW_ROUTE,
    FLOW_VOLUME,
    TERMINAL_HANDLING,
    RandomStreams,
)
from corridorsim.transport.rail import RailLine
from corridorsim.transport.vessels import CargoQueue, VesselServiceOperator


class CorridorModel:
    """The corridor network of one replication of a scenario, ready to run."""

    def __init__(self, scenario: Scenario, replication: int, seed: int | None = None,
                 stops: bool = False):
        self.scenario = scenario
        self.replication = replication
        self.env = simpy.Environment()
        self.warmup = scenario.warmup_hours
        self.horizon = scenario.horizon
        self.end = scenario.horizon + scenario.drain
        self.calendar = Calendar(scenario.start_date, self.end)
        self.streams = RandomStreams(scenario.seed if seed is None else seed, replication)
        self.window = window = ObservationWindow(self.warmup, self.horizon)
        self.places = Places(scenario.places)
        prioritised = any(f.priority for f in scenario.flows.values())
        self.setting = FacilitySetting(
            self.env, window, self.streams, scenario.customs_regimes, scenario.digitization,
            self.places, prioritised=prioritised, kinds={
                f"{c.at}.{c.stage}": interruptible_kind(prioritised)
                for c in scenario.closures.values()
                if isinstance(c, OutageClosure) and c.interrupts})
        self.visits = VisitLog(clocks=stops) if stops or scenario.segments else None
        """Node visits are traced for segment times and for ``stops.csv``."""
        self.nodes = {name: self._build_node(self.setting, section, name, config)
                      for section, name, config in _node_configs(scenario)}
        self.leg_closures: dict[str, ClosureState] = {}
        self.lines: dict[tuple[str, str], RailLine] = {}
        self.services, self.sea_queues = self._build_lines_and_services()
        for service in self.services.values():
            service.visits = self.visits
        self.journeys = TrainJourneys(self.env, self.nodes, self.lines, self.sea_queues,
                                      self.visits)
        self.data_draws = {name: self.streams.get(FLOW_ELECTRONIC_DATA.format(flow=name))
                           for name in scenario.flows}
        for name, node in self.nodes.items():
            if isinstance(node, PortFacility):
                node.connect({to: queue for (at, to), queue in self.sea_queues.items()
                              if at == name}, self.journeys.deliver, self.journeys.from_port)
        self.paths = {name: tuple(nodes) for name, nodes in scenario.routes.items()}
        self.economics = {name: route_economics(scenario, nodes)
                          for name, nodes in scenario.routes.items()}
        self.outside_economics = _outside_economics(scenario)
        self.consignments: list[Consignment] = []
        self.released_teu = 0
        self.outside_delivered_teu = 0
        """TEU delivered by outside alternatives (the sea) by the end of the run."""
        self.outside_transit = {
            (flow_name, name): make_sampler(
                alternative.transit_time,
                self.streams.get(ALTERNATIVE_TRANSIT.format(flow=flow_name, alternative=name)))
            for flow_name, flow in scenario.flows.items()
            for name, alternative in scenario.alternatives.items()
            if name in flow.route_shares}
        self.watched = self._watched_closures()
        self.remembered: dict[str, list[DeliveryMemory]] = {}
        """Per route or alternative, the memories of the options it belongs to."""
        choices = {name: self._flow_choice(name, flow)
                   for name, flow in scenario.flows.items() if flow.choice is not None}
        self.journeys.remembered = self.remembered
        self.choices = choices
        self.daily = DailyLevels([(name, node.kind, stage, quantity, monitor)
                                  for name, node in self.nodes.items()
                                  for stage, quantity, monitor in self._levels(node)])
        self.in_force = scenario
        """The scenario in force now: this one, then each state of its timeline."""
        timeline = scenario.timeline
        if timeline:  # first, so that a change at hour 0 is in force before anything moves
            self._next_change(list(timeline))
        self.env.process(self._close_days())
        self.books = self._monthly_ledger()
        self._start_closures()
        for service in self.services.values():
            service.start()
        for name, flow in scenario.flows.items():
            changes = _flow_changes(scenario, name)
            self.env.process(FlowReleases(self.env, name, flow, self.calendar, self.streams,
                                          self.release, choices.get(name), changes).run())

    # --- building ------------------------------------------------------------------------

    def _build_node(self, setting: FacilitySetting, section: str, name: str,
                    config: Any) -> NodeFacility:
        """One terminal, border, port or station."""
        if section == "terminals":
            return TerminalFacility(
                setting, name, config,
                make_sampler(config.handling_time,
                             self.streams.get(TERMINAL_HANDLING.format(node=name))))
        kind = {"borders": BorderFacility, "ports": PortFacility,
                "stations": StationFacility}[section]
        return kind(setting, name, config)

    def _build_lines_and_services(self) -> tuple[dict[str, VesselServiceOperator],
                                                  dict[tuple[str, str], CargoQueue]]:
        """Rail lines by node pair, each leg's closure state, the vessel services by name,
        and the cargo queue of each sea leg by its pair of ports (shared by the services
        that serve the leg). A sea leg's closure holds every vessel about to sail it."""
        scenario, env = self.scenario, self.env
        sea_closures: dict[tuple[str, str], ClosureState] = {}
        sea_queues: dict[tuple[str, str], CargoQueue] = {}
        served: dict[str, dict[str, CargoQueue]] = {}
        """Per service, the queues it draws from, by departure port."""
        for name, leg in scenario.legs.items():
            closure = ClosureState(env, count_from=self.warmup)
            self.leg_closures[name] = closure
            if isinstance(leg, RailLeg):
                place = self.places.offset(leg.country) if self.places.names else 0
                self.lines[(leg.from_, leg.to)] = RailLine(env, name, leg, self.streams,
                                                           closure, place)
            else:
                assert isinstance(leg, SeaLeg)
                pair = (leg.from_, leg.to)
                sea_closures[pair] = closure
                queue = sea_queues[pair] = CargoQueue(env)
                for service_name in leg.service_names:
                    served.setdefault(service_name, {})[leg.from_] = queue
        services: dict[str, VesselServiceOperator] = {}
        for name, service in scenario.vessel_services.items():
            ports = {p: self.nodes[p] for p in service.ports}
            first, second = service.ports
            closures = {here: sea_closures[(here, there)]
                        for here, there in ((first, second), (second, first))
                        if (here, there) in sea_closures}
            services[name] = VesselServiceOperator(
                env, name, service, ports,  # type: ignore[arg-type]
                closures, self.streams, self.window, self.places, served.get(name),
                self.calendar)
        return services, sea_queues

    def _flow_choice(self, flow_name: str, flow: Flow) -> FlowChoice:
        """The options of a choosing flow, with what their shippers remember and watch."""
        scenario = self.scenario
        choice = scenario.choice
        assert choice is not None and flow.choice is not None
        alternatives = scenario.alternatives
        watched = self.watched
        pairs = scenario.legs_by_pair
        options = []
        for option_name, shares in flow.choice.items():
            prior = 0.0
            closures = []
            for member, share in shares.items():
                if member in alternatives:
                    prior += share * mean_hours(alternatives[member].transit_time)
                    continue
                path = self.paths[member]
                prior += share * free_flow_hours(scenario, path)
                states = [watched[n] for n in path if n in watched]
                states += [watched[pairs[p]] for p in itertools.pairwise(path)
                           if pairs[p] in watched]
                if states:
                    closures.append((share, states))
            first = next(iter(shares))
            corridor = alternatives[first].corridor if first in alternatives \
                else corridor_of(first)
            fixed = self._option_fixed_cost(shares, corridor)
            prior = choice.prior_transit.get(corridor, prior)  # type: ignore[call-overload]
            memory = DeliveryMemory(choice.memory, choice.memory_at_least, prior,
                                    choice.overdue_known)
            for member in shares:
                self.remembered.setdefault(member, []).append(memory)
            options.append(ChoiceOption(option_name, corridor, shares, fixed, memory,
                                        closures))
        time_value = choice.time_value_usd_per_teu_day
        if time_value is None:
            time_value = scenario.costs.time_value_usd_per_teu_day
        streams = self.streams
        elastic = flow.volume_response_per_usd is not None
        return FlowChoice(
            options, choice, time_value, streams.get(FLOW_CHOICE.format(flow=flow_name)),
            streams.get(FLOW_ROUTE.format(flow=flow_name)),
            streams.get(FLOW_VOLUME.format(flow=flow_name)) if elastic else None,
            flow.volume_response_per_usd, flow.reference_cost_usd_per_teu)

    def _option_fixed_cost(self, shares: dict[str, float], corridor: str) -> float:
        """What an option costs per TEU whatever its time: its members' tariffs and fees
        (as now in force), its corridor's risk premium and constant."""
        choice = self.scenario.choice
        assert choice is not None
        alternatives = self.scenario.alternatives
        fixed = 0.0
        for member, share in shares.items():
            if member in alternatives:
                fixed += share * self.outside_economics[member].fixed_cost_usd_per_teu
            else:
                fixed += share * self.economics[member].fixed_cost_usd_per_teu
        return fixed + choice.risk_premium(corridor) + choice.constant(corridor)

    # --- dated changes -------------------------------------------------------------------

    def _next_change(self, timeline: list[tuple[float, Scenario]]) -> None:
        """Schedule the next state of the timeline; each schedules the one after it. It
        runs before anything else at its instant (``URGENT``), so every train or vessel
        starting then sees the change."""
        hour, state = timeline.pop(0)

        def adopt(_event: Any) -> None:
            self._adopt(state)
            if timeline:
                self._next_change(timeline)

        ScheduledCall(self.env, hour - self.env.now, adopt, URGENT)

    def _adopt(self, after: Scenario) -> None:
        """Bring the network to ``after``, the scenario in force from now: every node and
        rail leg whose configuration differs adopts one built afresh from it (demand
        follows its own changes, ``FlowReleases``); a vessel service whose fleet, capacity,
        sailing time or departure policy differs runs as it says from now
        (``VesselServiceOperator.update``)."""
        before, self.in_force = self.in_force, after
        setting = self.setting
        regimes_changed = (after.digitization != before.digitization
                           or after.customs_regimes != before.customs_regimes)
        setting.regimes, setting.digitization = after.customs_regimes, after.digitization
        scratch = FacilitySetting(simpy.Environment(), self.window, self.streams,
                                  after.customs_regimes, after.digitization, self.places,
                                  setting.prioritised)
        old_nodes = {name: config for _, name, config in _node_configs(before)}
        for section, name, config in _node_configs(after):
            if regimes_changed or config != old_nodes[name]:
                self.nodes[name].adopt(self._build_node(scratch, section, name, config))
        for name, leg in after.legs.items():
            if isinstance(leg, RailLeg) and leg != before.legs[name]:
                place = self.places.offset(leg.country) if self.places.names else 0
                self.lines[(leg.from_, leg.to)].adopt(RailLine(
                    scratch.env, name, leg, self.streams, ClosureState(scratch.env), place))
        for name, service in after.vessel_services.items():
            if service != before.vessel_services[name]:
                self.services[name].update(service)
        economics = {name: route_economics(after, nodes) for name, nodes in after.routes.items()}
        outside = _outside_economics(after)
        if economics != self.economics or outside != self.outside_economics:
            # tariffs or fees: consignments released from now
            self.economics, self.outside_economics = economics, outside
            for flow_name, choice in self.choices.items():
                written = self.scenario.flows[flow_name].choice
                assert written is not None
                for option in choice.options:
                    option.fixed_usd_per_teu = self._option_fixed_cost(
                        written[option.name], option.corridor)

    def _watched_closures(self) -> dict[str, ClosureState]:
        """Per node or leg where a closure that shippers react to may happen, the state
        they watch there: closed only by those closures, not by the storms they ignore."""
        return {place: ClosureState(self.env) for name in self.scenario.watched_closures
                for place in self.scenario.closures[name].places}

    def _monthly_ledger(self) -> MonthlyLedger:
        """The books of every node and stage, closed at each first of a month in the
        observation window (before anything else that happens then) and at its end."""
        starts = [self.warmup] + [b for b in self.calendar.boundaries
                                  if self.warmup < b < self.horizon]
        places: list[tuple[str, str, str | None, MonthReader]] = []
        for name, node in self.nodes.items():
            places.append((name, node.kind, None, node.close_month))
            places += [(name, node.kind, sp.name.removeprefix(f"{name}."), sp.close_month)
                       for sp in node.service_points]
        ledger = MonthlyLedger(places, starts, self.horizon)
        for node in self.nodes.values():
            for sp in node.service_points:
                sp.month_end = ledger.next_close
        env = self.env

        def close(_event: Any) -> None:
            ledger.close_month(env.now)
            if ledger.next_close < self.horizon:
                ScheduledCall(env, ledger.next_close - env.now, close, URGENT)

        if ledger.next_close < self.horizon:
            ScheduledCall(env, ledger.next_close, close, URGENT)
        return ledger

    def _start_closures(self) -> None:
        """Start every closure's process: one closing a place, a regional one closing its
        places together with each event, an outage taking servers of a stage out."""
        watched = self.scenario.watched_closures
        for name, closure in self.scenario.closures.items():
            if isinstance(closure, OutageClosure):
                start_outage(self.env, self._stage(closure.at, closure.stage), name, closure,
                             self.calendar, self.streams)
                continue
            states: list[Closable] = []
            for at in closure.places:
                place = (self.nodes[at].closure if at in self.nodes
                         else self.leg_closures[at])
                states.append(WatchedClosure(place, self.watched[at]) if name in watched
                              else place)
            state = states[0] if isinstance(closure.at, str) else RegionalClosure(states)
            start_closure(self.env, state, name, closure, self.calendar, self.streams)

    def _stage(self, node: str, stage: str) -> ServicePoint:
        """The service point of a node's stage (by its name in ``nodes.csv``)."""
        name = f"{node}.{stage}"
        return next(sp for sp in self.nodes[node].service_points if sp.name == name)

    def _levels(self, node: NodeFacility) -> list[tuple[str | None, str, LevelMonitor]]:
        """What ``timeseries.csv`` follows at a node: its levels, and, at each stage an
        outage takes servers from, the servers in service."""
        levels = node.levels()
        out_at = {(c.at, c.stage) for c in self.scenario.closures.values()
                  if isinstance(c, OutageClosure)}
        for sp in node.service_points:
            stage = sp.name.removeprefix(f"{node.name}.")
            if (node.name, stage) in out_at:
                levels.append((stage, "servers", sp.capacity))
        return levels

    # --- demand --------------------------------------------------------------------------

    def release(self, flow_name: str, flow: Flow, route: str, teu: int,
                expected_cost: float | None = None) -> None:
        """A new consignment at its origin: on a train, or (background cargo starting at
        a port) straight into the yard for its vessel service. ``expected_cost``: the
        logsum its shipper chose by, where the flow chooses."""
        now = self.env.now
        if route not in self.paths:
            self._release_outside(flow_name, flow, route, teu, now, expected_cost)
            return
        path = self.paths[route]
        econ = self.economics[route]
        consignment = Consignment(len(self.consignments), flow_name, route, path, teu,
                                  now, not flow.reported, econ.fixed_cost_usd_per_teu,
                                  econ.co2_kg_per_teu, flow.priority,
                                  self.data_draws[flow_name].random(), econ.co2e,
                                  econ.costs)
        consignment.expected_cost_usd_per_teu = expected_cost
        self.consignments.append(consignment)
        self.released_teu += teu
        for memory in self.remembered.get(route, ()):
            memory.sent(consignment)
        part = ConsignmentPart.whole(consignment, self.places.slots, self.visits is not None)
        queue = self.sea_queues.get((path[0], path[1]))
        if queue is not None:
            port = self.nodes[path[0]]
            assert isinstance(port, PortFacility)
            if self.visits is not None:
                self.visits.arrive((part,), port.name, now)
            port.release_to_sea([part], queue)
        else:
            self.journeys.from_origin(Train([part], path, 0, left_at=now))

    def _release_outside(self, flow_name: str, flow: Flow, name: str, teu: int,
                         now: float, expected_cost: float | None = None) -> None:
        """A consignment that goes by an outside alternative (the sea): it draws its
        transit time and is delivered then, at sea all the way, loading no node."""
        transit = self.outside_transit[(flow_name, name)]()
        econ = self.outside_economics[name]
        consignment = Consignment(len(self.consignments), flow_name, name,
                                  (flow.origin, flow.destination), teu, now,
                                  not flow.reported, econ.fixed_cost_usd_per_teu,
                                  econ.co2_kg_per_teu, flow.priority,
                                  self.data_draws[flow_name].random(), econ.co2e,
                                  econ.costs)
        consignment.expected_cost_usd_per_teu = expected_cost
        self.consignments.append(consignment)
        self.released_teu += teu
        delivered_at = now + transit
        for memory in self.remembered.get(name, ()):
            memory.will_deliver(delivered_at, transit)
        if delivered_at <= self.end:
            # Its clock (all at sea, sailing) is written with its record: a whole clock per
            # consignment meanwhile would only give the garbage collector more to scan.
            consignment.delivered_at = delivered_at
            consignment.teu_outstanding = 0
            self.outside_delivered_teu += teu

    # --- running -------------------------------------------------------------------------

    def _close_days(self) -> Generator[simpy.Event, Any, None]:
        """Each midnight before the end: the day's queue and yard levels (the last,
        perhaps short, day is closed when the run ends)."""
        env = self.env
        for day in range(1, math.ceil(self.end / 24.0)):
            yield env.timeout(24.0 * day - env.now)
            self.daily.close_day(env.now)

    def run(self) -> ReplicationOutcome:
        """Run to the horizon, then through the drain period, and return the records.

        Node statistics are taken at the horizon (the demand window); consignments
        released in the window are followed until delivered or the drain ends.
        """
        self.env.run(until=self.horizon)
        self.books.close_month(self.horizon)
        nodes = tuple(node.record(self.replication, self.horizon)
                      for node in self.nodes.values())
        stages = tuple(stage for node in self.nodes.values()
                       for stage in node.stage_records(self.replication, self.horizon))
        sailings = tuple(r for service in self.services.values()
                         for r in service.records(self.replication))
        if self.end > self.horizon:
            self.env.run(until=self.end)
        while self.daily.closed < math.ceil(self.end / 24.0):
            self.daily.close_day(min(24.0 * (self.daily.closed + 1), self.end))
        return ReplicationOutcome(
            replication=self.replication, shipments=tuple(self._shipment_records()),
            nodes=nodes, backlog=self._backlog(), released_teu=self.released_teu,
            delivered_teu=self.journeys.delivered_teu + self.outside_delivered_teu,
            in_system_teu=sum(c.teu_outstanding for c in self.consignments),
            streams=self.streams.names, sailings=sailings, stages=stages,
            daily=self.daily.records(), months=self.books.record())

    def _shipment_records(self) -> Iterator[ShipmentRecord]:
        """China-Europe consignments released between the warm-up and the horizon."""
        tv = self.scenario.costs.time_value_usd_per_teu_day
        places = self.places
        split = bool(places.names)
        outside = self.scenario.alternatives
        at_sea = places.index.get(AT_SEA, 0)
        for c in self.consignments:
            if c.background or c.released_at >= self.horizon or c.released_at < self.warmup:
                continue
            cost = inventory = None
            hours = None
            clock = None
            place_hours = None
            if c.delivered_at is not None:
                inventory = tv * (c.delivered_at - c.released_at) / 24.0
                cost = c.cost_fixed_usd_per_teu + inventory
                if c.route in outside:  # at sea all the way, sailing: no clock kept
                    sailing = c.delivered_at - c.released_at
                    hours = _only(N_ACTIVITIES, Activity.SAILING, sailing)
                    if split:
                        place_hours = _only(len(places.names), at_sea, sailing)
                else:
                    clock = tuple(c.activity_hours or ())
                    hours = places.by_activity(clock)
                    if split:
                        place_hours = places.by_place(clock)
            yield ShipmentRecord(
                replication=self.replication, consignment_id=c.id, flow=c.flow,
                route=c.route, teu=c.teu, released_at=c.released_at,
                delivered_at=c.delivered_at, activity_hours=hours, cost_usd_per_teu=cost,
                freight_usd_per_teu=c.cost_fixed_usd_per_teu, co2_kg_per_teu=c.co2_kg_per_teu,
                expected_cost_usd_per_teu=c.expected_cost_usd_per_teu,
                place_hours=place_hours, clock=clock if split else None,
                stops=stop_records(c.visits) if c.visits is not None else None,
                co2e_wtw_kg_per_teu=c.co2e.wtw_kg_per_teu if c.co2e is not None else None,
                co2e_ttw_kg_per_teu=c.co2e.ttw_kg_per_teu if c.co2e is not None else None,
                cost_components=c.cost_components, inventory_usd_per_teu=inventory)

    def _backlog(self) -> dict[str, tuple[int, int]]:
        """Per route: China-Europe consignments released before the horizon (warm-up
        included) and not delivered at the end, and their TEU outstanding."""
        backlog: dict[str, tuple[int, int]] = {}
        for c in self.consignments:
            if c.background or c.released_at >= self.horizon or c.delivered_at is not None:
                continue
            count, teu = backlog.get(c.route, (0, 0))
            backlog[c.route] = (count + 1, teu + c.teu_outstanding)
        return backlog


def _outside_economics(scenario: Scenario) -> dict[str, RouteEconomics]:
    """Each outside alternative's money and CO2 per TEU, once per scenario state."""
    return {name: alternative_economics(scenario, a.tariff_usd_per_teu, a.co2_kg_per_teu)
            for name, a in scenario.alternatives.items()}


def _node_configs(scenario: Scenario) -> Iterator[tuple[str, str, Any]]:
    """Every node's section, name and configuration, in the order nodes are built."""
    for section in ("terminals", "borders", "ports", "stations"):
        for name, config in getattr(scenario, section).items():
            yield section, name, config


def _flow_changes(scenario: Scenario, name: str) -> list[tuple[float, Flow]]:
    """A flow's configuration from each hour of the timeline where it differs."""
    changes: list[tuple[float, Flow]] = []
    current = scenario.flows[name]
    for hour, state in scenario.timeline:
        flow = state.flows[name]
        if flow != current:
            changes.append((hour, flow))
            current = flow
    return changes


def _only(length: int, index: int, value: float) -> tuple[float, ...]:
    """A tuple of zeros with ``value`` at ``index``."""
    out = [0.0] * length
    out[index] = value
    return tuple(out)


def stop_records(visits: list[Visit]) -> tuple[StopRecord, ...]:
    """A delivered part's visits as records, with the hours spent at each node by
    activity when the clocks were kept."""
    out = []
    for v in visits:
        hours = None
        if v.clock is not None and v.clock_out is not None:
            spent = [b - a for a, b in zip(v.clock, v.clock_out, strict=True)]
            hours = tuple(sum(spent[a::N_ACTIVITIES]) for a in range(N_ACTIVITIES))
        out.append(StopRecord(v.node, v.arrived, v.departed, hours))
    return tuple(out)


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
                    seed: int | None = None, stops: bool = False) -> ReplicationOutcome:
    """Build and run one replication (a picklable entry point for worker processes);
    ``stops`` keeps each consignment's node visits with their hours (``stops.csv``)."""
    with few_garbage_collections():
        return CorridorModel(scenario, replication, seed, stops).run()
