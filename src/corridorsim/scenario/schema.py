"""The scenario root: the sections put together, and the checks of names across them.

``Scenario`` validates a whole file: every section by its own type (``sections.py``),
then every name one section uses of another (a route through a missing leg, a vessel
service between non-ports, a closure of an unknown place), so ``corridorsim validate``
fails before a run. Each cross-reference problem is a ``KeyPathError`` naming the key
it concerns, which the error translator (``messages.py``) keeps as the key path.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    WithJsonSchema,
    model_serializer,
    model_validator,
)

from corridorsim.corridors import CORRIDORS, SEA, corridor_of
from corridorsim.emission_factors import packaged_factors
from corridorsim.errors import KeyPathError
from corridorsim.scenario.changes import (
    DatedChange,
    TimelineState,
    attribute_problem,
    refuse_unchangeable,
    timeline_states,
)
from corridorsim.scenario.distributions import (
    ZERO,
    Hours,
    Model,
    PositiveHours,
    Probability,
    Whole,
    mean_hours,
)
from corridorsim.scenario.messages import KeyPathErrors, error_from_validation
from corridorsim.scenario.overrides import apply_overrides, override_value
from corridorsim.scenario.sections import (
    Border,
    Closure,
    Costs,
    CustomsRegime,
    CustomsRegimes,
    Flow,
    Leg,
    OutageClosure,
    Port,
    RailLeg,
    SeaLeg,
    SeasonalClosure,
    Station,
    Terminal,
    VesselService,
)
from corridorsim.scenario.shipper_choice import OutsideAlternative, ShipperChoice

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
"""A scenario or sweep name, matched in full: it names the results folder (at most 100
characters, so that ``results/<name>/`` and its hidden staging folder stay legal)."""


def _results_folder_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise ValueError("use up to 100 letters, digits, '-', '_' or '.', starting with a "
                         f"letter or digit, got {name[:40]!r} (it names the results folder)")
    return name


ResultsName = Annotated[str, AfterValidator(_results_folder_name),
                       WithJsonSchema({"type": "string", "pattern": f"^{NAME.pattern}$"})]
"""A name that is also the name of a results folder."""

NO_CUSTOMS_REGIMES = CustomsRegimes(paper=CustomsRegime(document_check=ZERO),
                                    digital=CustomsRegime(document_check=ZERO))
"""The placeholder of a scenario without customs: no check ever uses it (a scenario with
customs must give its regimes, see ``_check_customs_regimes``)."""


def _no_default(schema: dict[str, Any]) -> None:
    """Leave the placeholder regimes out of the JSON schema: they are not a default an
    editor should offer."""
    schema.pop("default", None)


class Scenario(Model):
    """A whole corridor scenario: network, demand, customs, closures, costs, run settings."""

    name: ResultsName
    """Short name; results go to ``results/<name>/`` (up to 100 letters, digits, '-', '_'
    or '.')."""
    description: str = ""
    """What the scenario represents."""
    start_date: dt.date
    """Calendar date of simulation time zero (maps seasonality and dated closures)."""
    horizon: PositiveHours
    """Demand window: consignments are reported if released between ``warmup`` and
    ``horizon``; node statistics cover the same window."""
    drain: Hours = 0.0
    """Extra simulated time after ``horizon`` so that consignments released before it can
    arrive. The network keeps running as before (demand, storms), so the late cohort
    meets normal congestion; only cohort consignments are reported. Without it, those
    released near the end are cut off, and the slowest among them (a December storm
    season) are the ones missing from transit-time percentiles."""
    warmup: Hours | Literal["auto"] = 0.0
    """Consignments released before this time are excluded from statistics; ``auto``
    chooses it with MSER-5 on the daily mean transit time (a pilot run of the same
    replications with no warm-up), and the manifest records the choice."""
    seed: Annotated[Whole, Field(ge=0, le=2**63 - 1)] = 1
    """Base random seed (0 to 2^63 - 1)."""
    replications: Annotated[Whole, Field(ge=1, le=100_000)] = 1
    """Independent replications (1 to 100,000)."""
    digitization: Probability = 0.0
    """Scenario-wide share of trains with electronic pre-arrival data."""
    promised_transit: PositiveHours | None = None
    """Transit time promised to customers; reported as the share delivered within it."""
    customs_regimes: CustomsRegimes = Field(NO_CUSTOMS_REGIMES, json_schema_extra=_no_default)
    """Scenario-wide paper and digital regimes; checks may override single keys. Required
    when a border or port has ``customs``; a scenario without customs leaves it out."""
    terminals: dict[str, Terminal] = {}
    """Origin and destination hubs by name."""
    borders: dict[str, Border] = {}
    """Border crossings by name."""
    ports: dict[str, Port] = {}
    """Seaports by name."""
    stations: dict[str, Station] = {}
    """Operational stops on lines (locomotive changes, junctions) by name."""
    legs: dict[str, Leg]
    """Rail and sea legs by name."""
    vessel_services: dict[str, VesselService] = {}
    """Vessel services by name."""
    routes: dict[str, Annotated[list[str], Field(min_length=2)]]
    """Named node sequences; China-Europe routes are named ``northern_*`` or ``middle_*``."""
    flows: Annotated[dict[str, Flow], Field(min_length=1)]
    """Demand flows by name."""
    segments: dict[str, Annotated[list[str], Field(min_length=2, max_length=2)]] = {}
    """Named spans ``[first node, last node]`` of routes, timed from arrival at the first
    node to arrival at the last on every reported route that visits both in this order
    (``segments.csv``)."""
    closures: dict[str, Closure] = {}
    """Closures by name."""
    changes: dict[str, DatedChange] = {}
    """Dated changes by name: key paths (as with ``--set``) set from a date, and
    optionally until a later one (investments, capacity cuts, demand steps). Every
    scenario the timeline produces is validated before the run; a change dated at or
    after the end of the run is not reached."""
    costs: Costs = Costs()
    """Time value of cargo and emission factors."""
    choice: ShipperChoice | None = None
    """How shippers choose between the options of flows that give ``choice``: the logit
    scale, values of time and reliability, risk premia, constants, what they remember,
    and the options outside the network (the sea)."""
    max_events: Annotated[Whole, Field(ge=1)] = 100_000_000
    """A scenario whose estimated number of simulation events in one replication (rates
    x horizon, see ``Scenario.estimated_events``) exceeds this is refused before it runs,
    instead of running for hours or out of memory; raise it knowingly. The default is
    about ten minutes and a few GB per replication on one core of a 2-core machine; the
    reference scenarios need under a million."""

    _source: Path | None = PrivateAttr(default=None)
    _overrides: tuple[tuple[str, Any], ...] = PrivateAttr(default=())
    _timeline: tuple[tuple[float, Scenario], ...] | None = PrivateAttr(default=None)

    @classmethod
    def from_document(cls, document: Any, source: Path | None = None,
                      overrides: tuple[tuple[str, Any], ...] = ()) -> Scenario:
        """Validate a raw mapping (a file's contents), or raise its first problem as one
        ``ScenarioError`` naming ``source`` and the key path. ``overrides`` records the
        key paths already set on the mapping (for the manifest)."""
        try:
            scenario = cls.model_validate(document)
        except ValidationError as exc:
            raise error_from_validation(exc, cls, source, document) from None
        scenario._source = source
        scenario._overrides = overrides
        return scenario

    @property
    def source(self) -> Path | None:
        """The file this scenario was loaded from, if any (for error messages)."""
        return self._source

    def _counts(self) -> dict[str, int]:
        return {"nodes": len(self.node_kinds), "legs": len(self.legs),
                "routes": len(self.routes), "flows": len(self.flows),
                "vessel_services": len(self.vessel_services), "closures": len(self.closures)}

    def __repr__(self) -> str:
        """One line: the name, the run settings and the network's size (the whole
        scenario is ``model_dump()``, or ``scenario.yaml`` of a results folder)."""
        counts = ", ".join(f"{k}={v}" for k, v in self._counts().items())
        return (f"Scenario(name={self.name!r}, start_date={self.start_date.isoformat()}, "
                f"horizon={self.horizon / 24:g}d, replications={self.replications}, "
                f"seed={self.seed}, {counts})")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """A notebook's view: name, description, run settings and the network's size."""
        import html  # here: the scenario package is loaded on every start-up

        warmup = self.warmup if self.warmup == "auto" else f"{float(self.warmup) / 24:g} d"
        rows = [("start date", self.start_date.isoformat()),
                ("horizon", f"{self.horizon / 24:g} d"), ("warm-up", warmup),
                ("drain", f"{self.drain / 24:g} d"), ("replications", self.replications),
                ("seed", self.seed),
                *((k.replace("_", " "), v) for k, v in self._counts().items())]
        if self.source is not None:
            rows.insert(0, ("file", self.source.name))
        body = "".join(f'<tr><td style="text-align:left">{html.escape(str(k))}</td>'
                       f'<td style="text-align:left">{html.escape(str(v))}</td></tr>'
                       for k, v in rows)
        description = (f"<br><small>{html.escape(self.description.strip())}</small>"
                       if self.description.strip() else "")
        return (f"<div><b>Scenario</b> <code>{html.escape(self.name)}</code>{description}"
                f"<table>{body}</table></div>")

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A new, validated scenario with dotted key paths set (the original is unchanged).

        ``{"borders.altynkol.customs.digitization": 0.9}`` sets one key; a
        ``ScenarioError`` names the key if the result is not a valid scenario.
        """
        document = self.model_dump(by_alias=True, exclude_none=True)
        recorded = self._overrides + tuple((k, override_value(v)) for k, v in overrides.items())
        return Scenario.from_document(apply_overrides(document, overrides, self._source),
                                      source=self._source, overrides=recorded)

    @property
    def timeline(self) -> tuple[tuple[float, Scenario], ...]:
        """The scenarios in force during the run, each from its hour on, after the start
        (empty without changes). Each is this scenario with the changes in force then
        applied, without ``changes``; all were validated with this one."""
        if self._timeline is None:
            self._timeline = tuple((state.hour, scenario)
                                   for state, scenario in _timeline_scenarios(self))
        return self._timeline

    @property
    def warmup_hours(self) -> float:
        """The warm-up in hours; 0 while it is still ``auto`` (before MSER-5 has chosen)."""
        return 0.0 if self.warmup == "auto" else float(self.warmup)

    @property
    def overrides(self) -> tuple[tuple[str, Any], ...]:
        """Key paths set on top of the file (``--set``, ``with_overrides``), in order."""
        return self._overrides

    @property
    def node_kinds(self) -> dict[str, str]:
        """Every node name with its kind (terminal, border, port or station)."""
        kinds: dict[str, str] = {}
        for kind, nodes in (("terminal", self.terminals), ("border", self.borders),
                            ("port", self.ports), ("station", self.stations)):
            for name in nodes:
                kinds[name] = kind
        return kinds

    @property
    def countries(self) -> tuple[str, ...]:
        """The countries of the scenario's nodes and legs, in code order (empty when the
        scenario gives none: time is then not split by place)."""
        found: set[str] = set()
        for section in NODE_SECTIONS:
            for node in getattr(self, section).values():
                gauge = getattr(node, "gauge_change", None)
                found.update(c for c in (node.country, getattr(node, "exit_country", None),
                                         gauge.country if gauge is not None else None,
                                         *(op.country for op in getattr(node, "operations",
                                                                        ())))
                             if c is not None)
        found.update(leg.country for leg in self.legs.values()
                     if isinstance(leg, RailLeg) and leg.country is not None)
        return tuple(sorted(found))

    @property
    def places(self) -> tuple[str, ...]:
        """Where hours are charged: the countries, and ``sea`` after them when a leg is
        at sea (empty without countries)."""
        countries = self.countries
        if countries and (any(isinstance(leg, SeaLeg) for leg in self.legs.values())
                          or self.alternatives):
            return (*countries, "sea")
        return countries

    @property
    def watched_closures(self) -> tuple[str, ...]:
        """The closures shippers react to when they choose (those whose cause the choice
        does not ignore; none without choice). Outages are not among them: they take
        servers out, they do not close a place."""
        if self.choice is None:
            return ()
        ignored = set(self.choice.ignored_closure_causes)
        return tuple(name for name, c in self.closures.items()
                     if c.cause not in ignored and not isinstance(c, OutageClosure))

    @property
    def outages(self) -> tuple[str, ...]:
        """The closures that take servers of a stage out of service (``kind: outage``)."""
        return tuple(name for name, c in self.closures.items() if isinstance(c, OutageClosure))

    @property
    def alternatives(self) -> dict[str, OutsideAlternative]:
        """The options outside the network that flows may choose (none without choice)."""
        return dict(self.choice.alternatives) if self.choice is not None else {}

    def routes_through(self, first: str, last: str,
                       among: set[str] | None = None) -> list[str]:
        """Routes (of ``among``, or all) that visit ``first`` and later ``last``."""
        found = []
        for name, nodes in self.routes.items():
            if among is not None and name not in among:
                continue
            if first in nodes and last in nodes and nodes.index(first) < nodes.index(last):
                found.append(name)
        return sorted(found)

    @property
    def legs_by_pair(self) -> dict[tuple[str, str], str]:
        """The name of the leg from each node to each other (at most one: validated)."""
        return {(leg.from_, leg.to): name for name, leg in self.legs.items()}

    @property
    def estimated_events(self) -> dict[str, float]:
        """A cheap upper estimate of the simulation events of one replication, by source:
        consignments (about 4 per node on the longest of the flow's routes, at the peak
        month's rate grown to the last year's), vessel voyages (about 8 per voyage, at the
        mean sailing time, and 4 per breakdown) and closure events (3 each; 4 per random
        outage)."""
        hours = self.horizon + self.drain
        flows = 0.0
        for flow in self.flows.values():
            peak = max(flow.seasonality) if flow.seasonality else 1.0
            peak *= flow.growth_bound(hours)
            nodes = max(len(self.routes.get(r, ())) for r in flow.route_shares)
            flows += flow.consignments_per_week * peak * hours / 168.0 * 4 * max(nodes, 1)
        voyages = sum(c.vessels * hours
                      / max(mean_hours(service.class_sailing_time(c)), 1.0) * 8
                      for service in self.vessel_services.values() for c in service.classes)
        for service in self.vessel_services.values():
            own = {b.class_: b for b in service.breakdowns}
            for c in service.classes:
                b = own.get(c.name, own.get(None))
                if b is not None:
                    voyages += c.vessels * hours * 4 / max(
                        mean_hours(b.time_between_failures) + mean_hours(b.repair_time), 1.0)
        closures = sum(sum(c.events_per_month) * 3 * hours / 730.0
                       for c in self.closures.values() if isinstance(c, SeasonalClosure))
        closures += sum(4 * hours / max(mean_hours(c.time_between_failures)
                                         + mean_hours(c.repair_time), 1.0)
                        for c in self.closures.values() if isinstance(c, OutageClosure)
                        and c.time_between_failures is not None
                        and c.repair_time is not None)
        return {"consignments": flows, "vessel voyages": voyages, "closures": closures}

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems = [problem for check in CHECKS for problem in check(self)]
        if not problems:  # the timeline's scenarios share the problems of this one
            problems = list(_check_changes(self))
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise KeyPathErrors(problems)
        return self

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The scenario as a mapping, without the customs regimes where the file gave none
        (their placeholder is not a setting: a node given customs later must still ask
        for them)."""
        data: dict[str, Any] = handler(self)
        if "customs_regimes" not in self.model_fields_set:
            data.pop("customs_regimes", None)
        return data


# --- cross-references, by section ----------------------------------------------------------
# Each check yields every problem it finds. A problem that only follows from another (a
# route step with no leg because the leg names a misspelt node) is left out, so that each
# mistake is reported once, where it was made.


MAX_RUN_HOURS = 100 * 8766.0

NODE_SECTIONS = ("terminals", "borders", "ports", "stations")


def _check_run_settings(s: Scenario) -> Iterator[KeyPathError]:
    if s.warmup_hours >= s.horizon:
        yield KeyPathError("warmup", f"must be shorter than the horizon "
                                     f"({s.horizon / 24:g} days), got {s.warmup_hours / 24:g} days")
    room = (dt.datetime.max - dt.datetime.combine(s.start_date, dt.time())).total_seconds()
    if s.horizon + s.drain > MAX_RUN_HOURS:
        yield KeyPathError("drain" if s.drain else "horizon",
                           f"horizon and drain together must be at most 100 years, got "
                           f"{(s.horizon + s.drain) / 8766:g} years")
    elif s.horizon + s.drain + 62 * 24 > room / 3600:  # the calendar looks a month ahead
        yield KeyPathError("start_date", "the run must end before the year 9999 (start_date "
                           "+ horizon + drain); choose an earlier start_date")


def _timeline_scenarios(s: Scenario) -> Iterator[tuple[TimelineState, Scenario]]:
    """Each state of the timeline as a validated scenario; its first problem raised as a
    ``KeyPathError`` naming the change and the key."""
    if not s.changes:
        return
    base = s.model_dump(by_alias=True, exclude_none=True)
    del base["changes"]
    before = base
    for state in timeline_states(base, s.changes, s.start_date, s.horizon + s.drain):
        try:
            scenario = Scenario.model_validate(state.document)
        except ValidationError as exc:
            problem = error_from_validation(exc, Scenario, None, state.document)
            raise KeyPathError(attribute_problem(problem.key_path, state, s.changes),
                               f"{problem.message} (in the scenario from "
                               f"{state.at.isoformat(sep=' ', timespec='minutes')}, at "
                               f"{problem.key_path})") from None
        refuse_unchangeable(before, state, s.changes)
        before = state.document
        yield state, scenario


def _check_changes(s: Scenario) -> Iterator[KeyPathError]:
    """Every scenario the timeline produces is valid and differs from the one before
    only in keys that can change during a run."""
    try:
        s._timeline = tuple((state.hour, scenario)
                            for state, scenario in _timeline_scenarios(s))
    except KeyPathError as exc:
        yield exc


def _check_customs_regimes(s: Scenario) -> Iterator[KeyPathError]:
    """The scenario-wide regimes are needed once a node has customs, and only then."""
    if "customs_regimes" in s.model_fields_set:
        return
    checked = [f"{section}.{name}" for section in ("borders", "ports")
               for name, node in getattr(s, section).items() if node.customs is not None]
    if checked:
        yield KeyPathError("customs_regimes", f"required key is missing: {checked[0]} has "
                           "customs, whose checks take their times from the scenario-wide "
                           "'paper' and 'digital' regimes (each with a document_check)")


def _check_size(s: Scenario) -> Iterator[KeyPathError]:
    """Refuse a scenario too large to run (rates x horizon), before it exhausts memory."""
    estimate = s.estimated_events
    total = sum(estimate.values())
    if total > s.max_events:
        parts = ", ".join(f"{name} {value:.2g}" for name, value in estimate.items())
        yield KeyPathError("max_events", f"this scenario would simulate about {total:.2g} "
                           f"events per replication ({parts}), more than max_events "
                           f"({s.max_events:.2g}); lower the rates or the horizon, or raise "
                           "max_events knowingly")


def _check_node_names(s: Scenario) -> Iterator[KeyPathError]:
    """Node names are unique across terminals, borders, ports and stations."""
    seen: dict[str, str] = {}
    for section in NODE_SECTIONS:
        for name in getattr(s, section):
            if name in seen:
                yield KeyPathError(f"{section}.{name}", f"name already used under {seen[name]}")
            else:
                seen[name] = section


def _routes_sound(s: Scenario) -> bool:
    """Every route names known nodes with a leg between each two in a row, and every
    route a flow names exists."""
    kinds, pairs = s.node_kinds, s.legs_by_pair
    return all(all(n in kinds for n in nodes) and all(p in pairs for p in itertools.pairwise(nodes))
               for nodes in s.routes.values()) and all(
        r in s.routes or r in s.alternatives for flow in s.flows.values()
        for r in flow.route_shares)


def _check_nodes_used(s: Scenario) -> Iterator[KeyPathError]:
    """Every node is on a route (a misspelt name in a route would create a new one);
    checked once the routes are sound, since a broken route may be the one meant to
    visit the node."""
    if not _routes_sound(s):
        return
    on_routes = {node for nodes in s.routes.values() for node in nodes}
    for section in NODE_SECTIONS:
        for name in getattr(s, section):
            if name not in on_routes:
                yield KeyPathError(f"{section}.{name}", "is not on any route; add it to a "
                                   "route or remove it (a misspelt name creates a new node)")


def _broken_services(s: Scenario) -> set[str]:
    """Vessel services whose ports are unknown or the same port twice."""
    return {name for name, service in s.vessel_services.items()
            if any(p not in s.ports for p in service.ports) or service.ports[0] == service.ports[1]}


def _check_vessel_services(s: Scenario) -> Iterator[KeyPathError]:
    """Vessel services join two different known ports (checked before the sea legs), their
    drydock windows take out vessels they have, and their breakdowns name classes they
    have."""
    for service_name, service in s.vessel_services.items():
        unknown = False
        for i, port in enumerate(service.ports):
            if port not in s.ports:
                unknown = True
                yield KeyPathError(f"vessel_services.{service_name}.ports.{i}",
                                   f"unknown port {port!r}; expected one of {_listing(s.ports)}")
        if not unknown and service.ports[0] == service.ports[1]:
            yield KeyPathError(f"vessel_services.{service_name}.ports",
                               "the two ports must differ")
        yield from _drydock_problems(f"vessel_services.{service_name}.drydock", service)
        sizes = {c.name: c.vessels for c in service.classes}
        for i, breakdowns in enumerate(service.breakdowns):
            if breakdowns.class_ is not None and breakdowns.class_ not in sizes:
                yield KeyPathError(f"vessel_services.{service_name}.breakdowns.{i}.class",
                                   f"unknown vessel class {breakdowns.class_!r}; expected one "
                                   f"of {_listing(sizes)}")


def _drydock_problems(key: str, service: VesselService) -> Iterator[KeyPathError]:
    """Each drydock window names a class of the fleet and takes out at most the vessels
    there are, alone and together with the windows under way when it starts."""
    sizes = {c.name: c.vessels for c in service.classes}
    windows = []
    for i, window in enumerate(service.drydock):
        if window.class_ is not None and window.class_ not in sizes:
            yield KeyPathError(f"{key}.{i}.class", f"unknown vessel class {window.class_!r}; "
                               f"expected one of {_listing(sizes)}")
        else:
            out = window.vessels if window.vessels is not None else sizes[window.class_]
            windows.append((i, window, out))
    for i, window, out in windows:
        scope, size = ((f"class {window.class_!r}", sizes[window.class_])
                       if window.class_ is not None else ("the service", service.total_vessels))
        if out > size:
            yield KeyPathError(f"{key}.{i}.vessels", f"takes {out} vessels out, but {scope} "
                               f"has {size}")
            continue
        under_way = [(w, n) for j, w, n in windows if j != i and w.start <= window.start < w.end]
        for within, limit, what in ((window.class_, size, scope),
                                    (None, service.total_vessels, "the service")):
            taken = out + sum(n for w, n in under_way if within is None or w.class_ == within)
            if taken > limit:
                yield KeyPathError(f"{key}.{i}", f"with the windows under way at its start, "
                                   f"{taken} vessels are out from {_moment(window.start)}, "
                                   f"but {what} has {limit}")
                break


def _moment(moment: dt.datetime) -> str:
    """A date and time as an author writes it: ``2025-01-10``, ``2025-01-10T06:00``."""
    return moment.strftime("%Y-%m-%d" if moment.time() == dt.time() else "%Y-%m-%dT%H:%M")


def _check_legs(s: Scenario) -> Iterator[KeyPathError]:
    """Legs join two different known nodes, one leg per pair; sea legs name the service
    that sails between their ports."""
    kinds = s.node_kinds
    broken = _broken_services(s)
    pairs: dict[tuple[str, str], str] = {}
    for leg_name, leg in s.legs.items():
        unknown = [(end, node) for end, node in (("from", leg.from_), ("to", leg.to))
                   if node not in kinds]
        for end, node in unknown:
            yield KeyPathError(f"legs.{leg_name}.{end}", f"unknown node {node!r}; "
                               f"expected one of {_listing(kinds)}")
        if unknown:
            continue
        if leg.from_ == leg.to:
            yield KeyPathError(f"legs.{leg_name}", "a leg must join two different nodes")
            continue
        if (leg.from_, leg.to) in pairs:
            yield KeyPathError(f"legs.{leg_name}", f"a leg from {leg.from_!r} to {leg.to!r} "
                               f"already exists ({pairs[(leg.from_, leg.to)]!r})")
        else:
            pairs[(leg.from_, leg.to)] = leg_name
        if isinstance(leg, SeaLeg):
            yield from _sea_leg_problems(s, leg_name, leg, broken)


def _sea_leg_problems(s: Scenario, leg_name: str, leg: SeaLeg,
                      broken: set[str]) -> Iterator[KeyPathError]:
    """A sea leg names known services, each once, that sail between its ports."""
    names = leg.service_names
    for i, name in enumerate(names):
        key = (f"legs.{leg_name}.service" if leg.service is not None
               else f"legs.{leg_name}.services.{i}")
        service = s.vessel_services.get(name)
        if name in names[:i]:
            yield KeyPathError(key, f"vessel service {name!r} is listed twice")
        elif service is None:
            yield KeyPathError(key, f"unknown vessel service {name!r}; "
                               f"expected one of {_listing(s.vessel_services)}")
        elif name not in broken and sorted(service.ports) != sorted([leg.from_, leg.to]):
            yield KeyPathError(key, f"vessel service {name!r} serves {service.ports}, not "
                               f"{leg.from_!r} and {leg.to!r}")


def _check_routes(s: Scenario) -> Iterator[KeyPathError]:
    """Routes visit known nodes once each, with a leg between consecutive nodes; a port
    left by rail after a sea leg forms trains."""
    kinds = s.node_kinds
    pairs = s.legs_by_pair
    # Known nodes of legs whose other end is misspelt: a route step from or to them
    # lacks its leg because of that misspelling, reported at the leg.
    misspelt_leg_ends = {node for leg in s.legs.values() if {leg.from_, leg.to} - kinds.keys()
                         for node in (leg.from_, leg.to) if node in kinds}
    formation_reported: set[str] = set()
    for route_name, nodes in s.routes.items():
        unknown = False
        for i, node in enumerate(nodes):
            if node not in kinds:
                unknown = True
                yield KeyPathError(f"routes.{route_name}.{i}", f"unknown node {node!r}; "
                                   f"expected one of {_listing(kinds)}")
        if unknown:
            continue
        if len(set(nodes)) != len(nodes):
            yield KeyPathError(f"routes.{route_name}", "a route may not visit a node twice")
            continue
        for i in (0, len(nodes) - 1):
            if nodes[i] in s.stations:
                yield KeyPathError(f"routes.{route_name}.{i}", f"{nodes[i]!r} is a station, "
                                   "a stop on the line; a route starts and ends at a "
                                   "terminal, border or port")
        for i, (a, b) in enumerate(itertools.pairwise(nodes)):
            leg_name = pairs.get((a, b))
            if leg_name is None:
                if not {a, b} & misspelt_leg_ends:
                    yield KeyPathError(f"routes.{route_name}.{i + 1}",
                                       f"no leg from {a!r} to {b!r}; add one under 'legs'")
                continue
            leg = s.legs[leg_name]
            if isinstance(leg, SeaLeg) and i + 2 < len(nodes) and b in s.ports:
                nxt = pairs.get((b, nodes[i + 2]))
                if nxt is not None and isinstance(s.legs[nxt], RailLeg) and (
                        s.ports[b].train_formation is None) and b not in formation_reported:
                    formation_reported.add(b)
                    yield KeyPathError(f"ports.{b}.train_formation", f"route {route_name!r} "
                                       "leaves this port by rail after a sea leg; "
                                       "expected a 'train_formation' (train_teu, "
                                       "max_consolidation_wait)")


def _check_flows(s: Scenario) -> Iterator[KeyPathError]:
    """Flows run between known nodes on routes that do; China-Europe routes are named
    for their corridor."""
    kinds = s.node_kinds
    for flow_name, flow in s.flows.items():
        unknown = False
        for end in ("origin", "destination"):
            node = getattr(flow, end)
            if node not in kinds:
                unknown = True
                yield KeyPathError(f"flows.{flow_name}.{end}", f"unknown node {node!r}; "
                                   f"expected one of {_listing(kinds)}")
        if flow.choice is not None:
            yield from _choice_problems(s, flow_name, flow)
        for route_name in flow.routes or {}:
            key = f"flows.{flow_name}.routes.{route_name}"
            nodes = s.routes.get(route_name)
            if nodes is None:
                yield KeyPathError(key, f"unknown route; expected one of {_listing(s.routes)}")
                continue
            if not unknown and {nodes[0], nodes[-1]} <= kinds.keys() and (
                    nodes[0] != flow.origin or nodes[-1] != flow.destination):
                yield KeyPathError(key, f"route runs {nodes[0]!r} -> {nodes[-1]!r} but the "
                                   f"flow runs {flow.origin!r} -> {flow.destination!r}")
            if not flow.background and corridor_of(route_name) not in CORRIDORS:
                yield KeyPathError(key, "China-Europe routes are named 'northern_*' or "
                                   "'middle_*' (or mark the flow 'background: true')")


def _choice_problems(s: Scenario, flow_name: str, flow: Flow) -> Iterator[KeyPathError]:
    """A choosing flow's options name known routes (between its ends) or outside
    alternatives, each once, each option within one corridor."""
    assert flow.choice is not None
    if s.choice is None:
        yield KeyPathError(f"flows.{flow_name}.choice", "needs the scenario's 'choice' "
                           "section (how shippers decide: logit_scale_per_usd, ...)")
        return
    alternatives = s.choice.alternatives
    seen: dict[str, str] = {}
    for option, shares in flow.choice.items():
        corridors: set[str] = set()
        for name in shares:
            key = f"flows.{flow_name}.choice.{option}"
            if len(shares) > 1:
                key += f".{name}"
            if name in seen:
                yield KeyPathError(key, f"{name!r} is already in option {seen[name]!r}; "
                                   "a route belongs to one option of a flow")
            seen[name] = option
            if name in alternatives:
                corridors.add(alternatives[name].corridor)
                continue
            nodes = s.routes.get(name)
            if nodes is None:
                yield KeyPathError(key, f"unknown route or alternative {name!r}; expected "
                                   f"one of {_listing([*s.routes, *alternatives])}")
                continue
            corridors.add(corridor_of(name))
            if {nodes[0], nodes[-1]} <= s.node_kinds.keys() and (
                    nodes[0] != flow.origin or nodes[-1] != flow.destination):
                yield KeyPathError(key, f"route runs {nodes[0]!r} -> {nodes[-1]!r} but the "
                                   f"flow runs {flow.origin!r} -> {flow.destination!r}")
            if not flow.background and corridor_of(name) not in CORRIDORS:
                yield KeyPathError(key, "China-Europe routes are named 'northern_*' or "
                                   "'middle_*' (or mark the flow 'background: true')")
        if len(corridors) > 1:
            yield KeyPathError(f"flows.{flow_name}.choice.{option}", "an option mixes "
                               f"corridors ({', '.join(sorted(corridors))}); its constant "
                               "and risk premium are by corridor, so give each its own option")


def _check_choice(s: Scenario) -> Iterator[KeyPathError]:
    """Outside alternatives are named for their corridor and are not also routes; the
    choice section is used by some flow."""
    if s.choice is None:
        return
    for name in s.choice.alternatives:
        if corridor_of(name) != SEA:
            yield KeyPathError(f"choice.alternatives.{name}", "an outside alternative is "
                               "named 'sea_*' (its corridor is the sea)")
        if name in s.routes:
            yield KeyPathError(f"choice.alternatives.{name}", "is also a route; give the "
                               "alternative another name")
    if not any(f.choice for f in s.flows.values()):
        yield KeyPathError("choice", "no flow chooses: give a flow 'choice:' (its options) "
                           "instead of 'routes:', or leave the section out")


def _check_joint_controls(s: Scenario) -> Iterator[KeyPathError]:
    """A joint control across the sea: from a port's exit check to the next port's entry."""
    for section in ("borders", "ports"):
        for name, node in getattr(s, section).items():
            partner = node.customs.joint_control_with if node.customs is not None else None
            if partner is not None:
                problem = _joint_control_problem(s, section, name, partner)
                if problem is not None:
                    yield KeyPathError(f"{section}.{name}.customs.joint_control_with", problem)


def _joint_control_problem(s: Scenario, section: str, name: str, partner: str) -> str | None:
    """What is wrong with a joint control with ``partner`` at a node, if anything."""
    if section != "ports":
        return ("only a port can check for the port across the sea; at a border use "
                "'joint_control: true'")
    if partner not in s.ports:
        return f"unknown port {partner!r}; expected one of {_listing(s.ports)}"
    leg = s.legs_by_pair.get((name, partner))
    if leg is None or not isinstance(s.legs[leg], SeaLeg):
        return (f"no sea leg from {name!r} to {partner!r}; expected the port a vessel "
                "service from here sails to")
    customs = s.ports[name].customs
    assert customs is not None
    if customs.joint_control:
        return ("cannot be combined with 'joint_control: true', which merges this port's "
                "own exit and entry checks and so leaves no exit check to clear the port "
                "across the sea; use one of the two")
    if customs.exit is None:
        return "this port has no exit check to do the joint control at; expected 'customs.exit'"
    partner_customs = s.ports[partner].customs
    if partner_customs is None or partner_customs.entry is None:
        return (f"port {partner!r} has no entry check to merge; expected "
                f"'ports.{partner}.customs.entry'")
    return None


def _check_closures(s: Scenario) -> Iterator[KeyPathError]:
    """Closures close known nodes or legs, each named once; an outage takes servers of a
    stage its node has, and interrupts only trains' services. An outage of more servers
    than the stage has takes them all: a dated change may lower the count meanwhile, and
    the two compose (configured less out of service, never below 0)."""
    kinds = s.node_kinds
    for closure_name, closure in s.closures.items():
        key = f"closures.{closure_name}"
        if isinstance(closure, OutageClosure):
            yield from _check_outage(s, key, closure)
            continue
        listed = not isinstance(closure.at, str)
        seen: set[str] = set()
        for i, place in enumerate(closure.places):
            at = f"{key}.at.{i}" if listed else f"{key}.at"
            if place not in kinds and place not in s.legs:
                yield KeyPathError(at, f"unknown node or leg {place!r}; expected a name "
                                   "under terminals, borders, ports, stations or legs")
            elif place in seen:
                yield KeyPathError(at, f"{place!r} is listed twice; name each place once")
            seen.add(place)


def _check_outage(s: Scenario, key: str, outage: OutageClosure) -> Iterator[KeyPathError]:
    if outage.at not in s.node_kinds:
        hint = " (a leg has no stages: close it with kind window or seasonal)" \
            if outage.at in s.legs else ""
        yield KeyPathError(f"{key}.at", f"unknown node {outage.at!r}; expected a name under "
                           f"terminals, borders, ports or stations{hint}")
        return
    stages = stage_servers(getattr(s, f"{s.node_kinds[outage.at]}s")[outage.at])
    if outage.stage not in stages:
        listing = ", ".join(stages) if stages else "(none: it has no servers to break down)"
        yield KeyPathError(f"{key}.stage", f"node {outage.at!r} has no stage "
                           f"{outage.stage!r}; its stages are {listing}")
        return
    if outage.interrupts and outage.stage == "berths":
        yield KeyPathError(f"{key}.interrupts", "vessels keep their berth through an outage; "
                           "expected interrupts: false at berths")


def stage_servers(node: Terminal | Border | Port | Station) -> dict[str, int]:
    """A node's service stages by the name ``nodes.csv`` gives them, with their servers
    as configured: what an outage may take out of service."""
    stages: dict[str, int] = {}
    if isinstance(node, Terminal):
        stages["tracks"] = node.tracks
    if isinstance(node, Port):
        stages["berths"] = node.berths
        stages["train_tracks"] = node.train_tracks
    customs = getattr(node, "customs", None)
    if customs is not None:
        if customs.joint_control:
            check = customs.entry if customs.entry is not None else customs.exit
            assert check is not None
            stages["joint_customs"] = check.lanes
        else:
            for which in ("exit", "entry"):
                check = getattr(customs, which)
                if check is not None:
                    stages[f"{which}_customs"] = check.lanes
    gauge = getattr(node, "gauge_change", None)
    if gauge is not None:
        stages["gauge_change"] = gauge.tracks
    for operation in getattr(node, "operations", ()):
        stages[operation.kind] = operation.servers
    return stages


def _check_countries(s: Scenario) -> Iterator[KeyPathError]:
    """Once one node or rail leg has a country, every one has (so that the days by
    country add up to the transit time). The first key without one gets the reason,
    the others a short line."""
    if not s.countries:
        return
    missing = [f"{section}.{name}.country" for section in NODE_SECTIONS
               for name, node in getattr(s, section).items() if node.country is None]
    missing += [f"legs.{name}.country" for name, leg in s.legs.items()
                if isinstance(leg, RailLeg) and leg.country is None]
    for i, key in enumerate(missing):
        yield KeyPathError(key, "missing: once a node or leg has a country, every node and "
                           "rail leg needs one (an ISO 3166-1 alpha-2 code such as KZ), so "
                           "that the days by country add up to the transit time; a line "
                           "across a border is two legs joined at a border or station"
                           if i == 0 else "missing, like the country above")


def _check_segments(s: Scenario) -> Iterator[KeyPathError]:
    """A segment's two nodes are visited in this order by at least one reported route."""
    kinds = s.node_kinds
    reported = {r for flow in s.flows.values() if flow.reported for r in flow.route_shares
                if r in s.routes}
    for name, (first, last) in s.segments.items():
        unknown = [(i, node) for i, node in enumerate((first, last)) if node not in kinds]
        for i, node in unknown:
            yield KeyPathError(f"segments.{name}.{i}", f"unknown node {node!r}; "
                               f"expected one of {_listing(kinds)}")
        if unknown:
            continue
        if first == last:
            yield KeyPathError(f"segments.{name}", "a segment joins two different nodes")
        elif not s.routes_through(first, last, reported):
            backwards = s.routes_through(last, first, reported)
            hint = (f"; routes {_listing(backwards)} visit them the other way round, "
                    f"[{last}, {first}]" if backwards else "")
            yield KeyPathError(f"segments.{name}", f"no reported route visits {first!r} and "
                               f"then {last!r}{hint}")


def _check_emissions(s: Scenario) -> Iterator[KeyPathError]:
    """Under ``costs.emissions``, every leg without its own factor can be costed by the
    factor file: a rail leg's country has factors, a sea leg's vessels an emission class."""
    if s.costs.emissions is None:
        return
    countries = packaged_factors().countries
    needed = "(or give the leg its own co2_kg_per_teu_km)"
    services: dict[str, None] = {}
    for leg_name, leg in s.legs.items():
        if leg.co2_kg_per_teu_km is not None:
            continue
        if isinstance(leg, RailLeg):
            if leg.country is None:
                yield KeyPathError(f"legs.{leg_name}.country", "costs.emissions needs the "
                                   f"country of each rail leg, one of {_listing(countries)} "
                                   f"{needed}")
            elif leg.country not in countries:
                yield KeyPathError(f"legs.{leg_name}.country", f"the emission factor file "
                                   f"has no factors for {leg.country!r}; expected one of "
                                   f"{_listing(countries)} {needed}")
            continue
        services.update(dict.fromkeys(leg.service_names))
    for name in services:
        service = s.vessel_services.get(name)
        if service is not None:
            for i, vessel_class in enumerate(service.fleet or ()):
                if vessel_class.emission_class is None and service.emission_class is None:
                    yield KeyPathError(f"vessel_services.{name}.fleet.{i}.emission_class",
                                       "costs.emissions needs the emission class of each "
                                       "vessel class (or the service's emission_class)")
            if service.fleet is None and service.emission_class is None:
                yield KeyPathError(f"vessel_services.{name}.emission_class", "costs.emissions "
                                   "needs the vessel class of the emission factor file the "
                                   "service's vessels emit as")


CHECKS = (_check_run_settings, _check_customs_regimes, _check_node_names,
          _check_vessel_services, _check_legs, _check_routes, _check_flows, _check_nodes_used,
          _check_choice, _check_joint_controls, _check_closures, _check_countries, _check_segments,
          _check_size, _check_emissions)
"""The cross-reference checks, in the order their problems are listed."""


def _listing(names: object) -> str:
    items = sorted(names)  # type: ignore[call-overload]
    if not items:
        return "(none defined)"
    shown = ", ".join(repr(n) for n in items[:12])
    return shown + (", ..." if len(items) > 12 else "")
