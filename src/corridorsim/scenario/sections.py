"""The sections of a scenario: customs, nodes, legs, vessel services, closures, demand
and costs, as typed, frozen models.

Every field has a docstring because this module is also the reference for
scenario authors (the docstrings are the fields' descriptions in the JSON schema).
Durations are written with units (``36h``, ``2.5d``, ``45min``) and stored in
hours. ``extra="forbid"`` everywhere: a misspelt key is an error, never a silently
ignored setting. Names used across sections (a route through a missing leg) are
checked by the ``Scenario`` root (``schema.py``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from corridorsim.countries import COUNTRY_NAMES
from corridorsim.emission_factors import packaged_factors
from corridorsim.scenario.distributions import (
    ZERO,
    Distribution,
    Fleet,
    Hours,
    KgCo2PerTeuKm,
    Kilometres,
    KmPerHour,
    Model,
    MonthlyValues,
    Number,
    PerDay,
    PositiveHours,
    Probability,
    Servers,
    Teu,
    TeuPerHour,
    TimeOfDay,
    Usd,
    UsdPerKm,
    Whole,
    YardTeu,
    mean_hours,
)

# --- customs -------------------------------------------------------------------------------


class CustomsRegime(Model):
    """How long a check takes and how often it inspects, for one documentary regime."""

    document_check: Distribution
    """Time to check the documents of one train (declaration to release)."""
    inspection_probability: Probability = 0.0
    """Share of trains selected for physical inspection."""
    inspection_time: Distribution = ZERO
    """Time of a physical inspection, on top of the document check."""


class CustomsRegimes(Model):
    """The two regimes: paper documents, or electronic pre-arrival data (e-TIR, e-transit)."""

    paper: CustomsRegime
    """Trains without electronic pre-arrival data."""
    digital: CustomsRegime
    """Trains with electronic pre-arrival data."""


class CustomsRegimePatch(Model):
    """A partial regime: only the keys given replace the scenario-wide regime."""

    document_check: Distribution | None = None
    """Replaces the scenario-wide document check time."""
    inspection_probability: Probability | None = None
    """Replaces the scenario-wide inspection share (e.g. sanctions checks)."""
    inspection_time: Distribution | None = None
    """Replaces the scenario-wide inspection time."""


class CustomsCheck(Model):
    """One customs check (exit or entry) with its lanes and optional regime overrides."""

    lanes: Servers = 1
    """Trains checked at the same time (1 to 1,000)."""
    pre_arrival: bool = False
    """With electronic pre-arrival data (the digital regime), the document check starts
    when the train leaves the previous node: the train waits here only for what is left
    of it when it reaches the check, and for an inspection. Paper trains are checked on
    arrival as usual."""
    paper: CustomsRegimePatch | None = None
    """Overrides of the scenario-wide paper regime at this check."""
    digital: CustomsRegimePatch | None = None
    """Overrides of the scenario-wide digital regime at this check."""


class Customs(Model):
    """Customs at a border or port: an exit check, an entry check, or one joint control."""

    exit: CustomsCheck | None = None
    """Export/transit-exit check of the country being left."""
    entry: CustomsCheck | None = None
    """Import/transit-entry check of the country being entered."""
    joint_control: bool = False
    """One joint check instead of two: the exit check is skipped and the entry check
    (or the exit check where there is no entry check) is done once."""
    joint_control_with: str | None = None
    """Ports only: the port across the sea whose entry check is done here, jointly with
    this port's exit check (both countries' officers at the departure port). A train
    formed there passes its entry check without stopping when all its cargo was
    cleared here."""
    digitization: Probability | None = None
    """Share of trains with electronic pre-arrival data here; the scenario-wide
    ``digitization`` applies when omitted."""

    @model_validator(mode="after")
    def _has_a_check(self) -> Customs:
        if self.exit is None and self.entry is None:
            raise ValueError("customs needs an 'exit' or an 'entry' check (or both)")
        return self


# --- nodes ---------------------------------------------------------------------------------


def _country_code(code: str) -> str:
    if code not in COUNTRY_NAMES:
        raise ValueError("expected an ISO 3166-1 alpha-2 country code in capitals (CN, KZ, "
                         f"AZ, GE, TR, PL, DE), got {code!r}")
    return code


Country = Annotated[str, AfterValidator(_country_code),
                    WithJsonSchema({"type": "string", "enum": sorted(COUNTRY_NAMES)})]
"""An ISO 3166-1 alpha-2 country code (``KZ``)."""


class OpeningHours(Model):
    """Daily window in which service may start (local scenario time)."""

    open: Annotated[TimeOfDay, Field(lt=24)]
    """Time of day service starts, as a duration after midnight (``8h``)."""
    close: Annotated[TimeOfDay, Field(gt=0)]
    """Time of day after which no service starts (``20h``)."""

    @model_validator(mode="after")
    def _ordered(self) -> OpeningHours:
        if self.close <= self.open:
            raise ValueError("close must be later than open "
                             "(windows across midnight are not supported)")
        return self


OperationKind = Literal["interchange", "technical_inspection", "locomotive_change",
                        "marshalling"]

BorderStep = Literal["arrival", "exit_check", "gauge_change", "entry_check"]


class Operation(Model):
    """A railway operation a train stops for at a node, with its own servers and queue;
    its hours (waiting for it included) are charged to the activity of its kind."""

    kind: OperationKind
    """``interchange`` (acceptance by the receiving railway), ``technical_inspection``,
    ``locomotive_change`` (or crew change) or ``marshalling`` (shunting, splitting)."""
    servers: Servers
    """Trains handled at the same time: tracks, crews or locomotives (1 to 1,000)."""
    service_time: Distribution
    """Time to handle one train (paper documents, no advance data)."""
    digital_service_time: Distribution | None = None
    """Time for a train with electronic pre-arrival data (pre-planned acceptance, data
    exchanged between railways); ``service_time`` when omitted."""
    trains_per_day: PerDay | None = None
    """Ceiling on trains handled per day, as a minimum headway between starts."""
    opening_hours: OpeningHours | None = None
    """When handling may start; always open when omitted."""
    after: BorderStep | None = None
    """At a border: the step it follows (``arrival``: before the exit check); after the
    last check when omitted. Elsewhere operations run in the order listed."""
    country: Country | None = None
    """Where its hours are charged, if not the node's country (an interchange on the
    other side of a border)."""


def _one_operation_per_kind(operations: list[Operation]) -> list[Operation]:
    kinds = [op.kind for op in operations]
    for kind in kinds:
        if kinds.count(kind) > 1:
            raise ValueError(f"operation {kind!r} is listed twice; a node has at most one "
                             "operation of each kind (give it more servers instead)")
    return operations


Operations = Annotated[list[Operation], AfterValidator(_one_operation_per_kind)]
"""A node's operations, at most one of each kind."""


class Terminal(Model):
    """An origin or destination hub: trains are loaded or unloaded here."""

    tracks: Servers = 1
    """Trains handled at the same time (1 to 1,000)."""
    handling_time: Distribution = ZERO
    """Time to load (origin) or unload (destination) one train."""
    opening_hours: OpeningHours | None = None
    """When handling may start; always open when omitted."""
    handling_fee_usd_per_teu: Usd = 0.0
    """Terminal handling charge (0 to 10 million USD)."""
    operations: Operations = []
    """Railway operations after loading (origin) or before unloading (destination)."""
    country: Country | None = None
    """Country where the terminal's hours are charged (ISO code)."""
    description: str = ""
    """Free text for reports."""


class Station(Model):
    """An operational stop on a line where no border is: locomotive and crew changes,
    technical inspection, a junction or marshalling yard."""

    operations: Annotated[Operations, Field(min_length=1)]
    """What trains stop for here, in order."""
    handling_fee_usd_per_teu: Usd = 0.0
    """Station charges (0 to 10 million USD)."""
    country: Country | None = None
    """Country where the station's hours are charged (ISO code)."""
    description: str = ""
    """Free text for reports."""


class GaugeChange(Model):
    """Transshipment or bogie exchange between track gauges (1435 <-> 1520 mm)."""

    tracks: Servers
    """Trains exchanged at the same time (tracks with cranes; 1 to 1,000)."""
    service_time: Distribution
    """Time to exchange one train."""
    trains_per_day: PerDay | None = None
    """Ceiling on trains exchanged per day, enforced as a minimum headway between starts
    (0.001 to 1,440: one a minute)."""
    country: Country | None = None
    """Where its hours are charged, if not the border's ``country`` (a gauge change on the
    side the train leaves)."""


class Border(Model):
    """A rail border crossing: exit customs, optional gauge change, entry customs."""

    customs: Customs | None = None
    """Customs checks; none when omitted (e.g. inside a customs union)."""
    gauge_change: GaugeChange | None = None
    """Gauge change between the checks; none when omitted."""
    opening_hours: OpeningHours | None = None
    """When service may start; always open when omitted."""
    handling_fee_usd_per_teu: Usd = 0.0
    """Transshipment and station charges (0 to 10 million USD)."""
    customs_fee_usd_per_teu: Usd = 0.0
    """Customs and broker fees (0 to 10 million USD)."""
    operations: Operations = []
    """Railway operations at the crossing (interchange between railways, technical
    inspection, locomotive change), each placed after a step with ``after``."""
    country: Country | None = None
    """Country where the crossing's hours are charged (the entry side, ISO code); the
    exit check's go to ``exit_country``."""
    exit_country: Country | None = None
    """Country of the exit check (the side the train leaves); ``country`` when omitted."""
    description: str = ""
    """Free text for reports."""


class TrainFormation(Model):
    """How a port forms outbound trains from cargo landed by vessels."""

    train_teu: Teu
    """A train leaves as soon as it holds this many TEU (1 to 10,000)."""
    max_consolidation_wait: PositiveHours
    """...or this long after its first TEU arrived, with whatever it holds."""


class Port(Model):
    """A seaport: berths for vessel services, a yard, rail handling, optional customs."""

    berths: Servers
    """Vessels worked at the same time (shared by all vessel services calling here; 1 to
    1,000)."""
    handling_teu_per_hour: TeuPerHour
    """Vessel loading/unloading rate per berth (at most 100,000 TEU an hour)."""
    yard_capacity_teu: YardTeu | None = None
    """TEU the yard holds (1 to 10 million); arriving trains wait upstream while it is full
    (unlimited if omitted)."""
    train_tracks: Servers = 1
    """Trains loaded or unloaded at the same time (1 to 1,000)."""
    train_handling_time: Distribution = ZERO
    """Time to unload an arriving train or load a departing one."""
    customs: Customs | None = None
    """Exit check on cargo arriving by rail for shipment; entry check on each train
    formed from cargo landed by vessels."""
    train_formation: TrainFormation | None = None
    """Required when cargo leaves the port by rail after a sea leg."""
    handling_fee_usd_per_teu: Usd = 0.0
    """Port handling charge per TEU (0 to 10 million USD)."""
    customs_fee_usd_per_teu: Usd = 0.0
    """Customs and broker fees (0 to 10 million USD)."""
    country: Country | None = None
    """Country where the port's hours are charged (ISO code)."""
    description: str = ""
    """Free text for reports."""


# --- dates ---------------------------------------------------------------------------------


def _calendar_text(value: object) -> object:
    """A date as written (``2024-09-12``, ``2024-09-12T06:00``), not a number of seconds."""
    if isinstance(value, bool | int | float):
        raise ValueError(f"expected a date such as 2024-09-12 or 2024-09-12T06:00, got {value!r}")
    return value


def _no_time_zone(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        raise ValueError("expected a time without a time zone (scenario times are local), "
                         f"got {value.isoformat()}")
    return value


LocalDateTime = Annotated[
    dt.datetime, BeforeValidator(_calendar_text), AfterValidator(_no_time_zone),
    WithJsonSchema({"type": "string",
                    "pattern": r"^\d{4}-\d{2}-\d{2}([Tt _]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"})]
"""A date, or a date and time without a time zone (``2024-09-12``, ``2024-09-12T06:00``)."""


# --- legs and vessel services --------------------------------------------------------------


class LegBase(Model):
    """What rail and sea legs share: their two ends, length, tariffs and emissions."""

    from_: str = Field(alias="from")
    """Node the leg starts at."""
    to: str
    """Node the leg ends at."""
    distance_km: Kilometres
    """Length, for tariffs per TEU-km and CO2 (at most 50,000 km)."""
    tariff_usd_per_teu: Usd = 0.0
    """Flat freight rate (0 to 10 million USD)."""
    tariff_usd_per_teu_km: UsdPerKm = 0.0
    """Distance-based freight rate (0 to 10,000 USD per TEU-km)."""
    co2_kg_per_teu_km: KgCo2PerTeuKm | None = None
    """Emission factor (0 to 1,000 kg); the scenario's default for the mode when omitted."""


class RailLeg(LegBase):
    """A rail line between two nodes."""

    mode: Literal["rail"]
    """``rail``: a train runs the leg."""
    country: Country | None = None
    """Country where the leg's hours are charged (ISO code); a line across a border is
    two legs with a node (a border or station) where they meet."""
    speed_kmh: KmPerHour | None = None
    """Average running speed (at most 1,000 km/h); running time = distance / speed
    (+ delay)."""
    running_time: Distribution | None = None
    """Running time distribution, instead of ``speed_kmh``."""
    trains_per_day: PerDay | None = None
    """Line capacity, enforced as a minimum headway between trains entering the leg (0.001
    to 1,440 a day: one a minute)."""
    delay: Distribution | None = None
    """Extra stochastic delay added to each run."""
    electrified_share: Probability | None = None
    """Under ``costs.emissions``: the share of the leg's train-km hauled electrically (0
    for a diesel branch line); its ``country``'s share in the emission factor file when
    omitted."""

    @model_validator(mode="after")
    def _one_running_time(self) -> RailLeg:
        if (self.speed_kmh is None) == (self.running_time is None):
            raise ValueError("give exactly one of 'speed_kmh' or 'running_time'")
        return self


class SeaLeg(LegBase):
    """A sea crossing served by one or several named vessel services."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["service"]},
                                                           {"required": ["services"]}]})

    mode: Literal["sea"]
    """``sea``: vessels of ``service`` (or of ``services``) carry the cargo."""
    service: str | None = None
    """Name of the vessel service (under ``vessel_services``) that carries cargo here; or
    give ``services``."""
    services: Annotated[list[str], Field(min_length=1)] | None = None
    """Names of several vessel services that carry cargo here (container feeders of two
    operators, rail ferries), instead of ``service``. Cargo for the leg waits in one
    queue at the departure port, first come first served, and the first vessel of any of
    them that is ready to leave by its own departure policy takes it; each service keeps
    its own sailings (``services.csv``)."""

    @model_validator(mode="after")
    def _named_services(self) -> SeaLeg:
        if (self.service is None) == (self.services is None):
            raise ValueError("give 'service' (one vessel service) or 'services' (a list of "
                             "them), not both" if self.service is not None else
                             "give 'service' (the vessel service that carries cargo here) "
                             "or 'services' (a list of them)")
        return self

    @property
    def service_names(self) -> tuple[str, ...]:
        """The services that carry cargo here, as listed."""
        return (self.service,) if self.service is not None else tuple(self.services or ())


Leg = Annotated[RailLeg | SeaLeg, Field(discriminator="mode")]


def _at_least_a_minute(hours: float) -> float:
    if hours < 1 / 60:
        raise ValueError(f"expected at least a minute, got {hours * 3600:.3g} s")
    return hours


class DeparturePolicy(Model):
    """When a vessel leaves a port."""

    policy: Literal["when_full", "timetable", "when_full_or_after"]
    """``when_full``: leaves when full; ``timetable``: leaves at scheduled slots with
    what it holds; ``when_full_or_after``: leaves when full or ``max_wait`` after it has
    unloaded. "Leaves" is when loading starts: loading takes its time at the berth's
    handling rate, and a closure may hold the vessel after that."""
    max_wait: PositiveHours | None = None
    """Longest wait for cargo at berth (``when_full_or_after``)."""
    headway: Annotated[PositiveHours, AfterValidator(_at_least_a_minute)] | None = None
    """Time between scheduled departures from each port (``timetable``; at least a
    minute)."""
    first_departure: Hours = 0.0
    """First scheduled departure after the scenario start (``timetable``)."""

    @model_validator(mode="after")
    def _parameters(self) -> DeparturePolicy:
        if self.policy == "when_full_or_after" and self.max_wait is None:
            raise ValueError("policy 'when_full_or_after' needs 'max_wait'")
        if self.policy == "timetable" and self.headway is None:
            raise ValueError("policy 'timetable' needs 'headway'")
        return self


CLASS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,49}")
"""A vessel class's name, matched in full: it is part of random-stream names, which use
dots as separators."""


def _class_name(name: str) -> str:
    if not CLASS_NAME.fullmatch(name):
        raise ValueError("use up to 50 letters, digits, '-' or '_', starting with a letter, "
                         f"got {name[:40]!r}")
    return name


ClassName = Annotated[str, AfterValidator(_class_name),
                      WithJsonSchema({"type": "string", "pattern": f"^{CLASS_NAME.pattern}$"})]
"""The name of a class of vessels in a fleet."""


def _emission_class(name: str) -> str:
    known = packaged_factors().vessel_classes
    if name not in known:
        raise ValueError(f"expected a vessel class of the emission factor file ("
                         f"{', '.join(sorted(known))}), got {name[:60]!r}")
    return name


EmissionClass = Annotated[str, AfterValidator(_emission_class),
                          WithJsonSchema({"type": "string",
                                          "enum": sorted(packaged_factors().vessel_classes)})]
"""A vessel class of ``corridorsim/data/emission_factors.yaml`` (``ropax_5000_9999_gt``)."""


class VesselClass(Model):
    """Vessels of one type in a service's fleet: how many, their size, their speed."""

    name: ClassName | None = None
    """Name for ``drydock`` windows, dated changes and random-stream names; ``class_1``,
    ``class_2``, ... by position in the fleet when omitted."""
    vessels: Fleet
    """Number of vessels of the class (1 to 5,000)."""
    capacity_teu: Teu
    """Capacity of each vessel in TEU (wagons and trucks in TEU equivalents; 1 to
    10,000)."""
    sailing_time: Distribution | None = None
    """Port-to-port sailing time of this class; the service's ``sailing_time`` when
    omitted. A class with a sailing time of its own draws it from its own random stream
    (``<service>.<class>.sailing``); the others share the service's (``<service>.sailing``),
    so a fleet of classes without their own sailing times draws exactly as one class."""
    emission_class: EmissionClass | None = None
    """Under ``costs.emissions``: the vessel class of the emission factor file these
    vessels emit as (``ropax_10000_19999_gt``); the service's ``emission_class`` when
    omitted."""


class Drydock(Model):
    """Vessels of a service out of service between two dates (drydock, refit, repairs).
    From ``start`` the first vessels to finish the voyage they are on (or that wait for
    cargo at a berth) are withdrawn at the port they are in, and come back into service
    there at ``end``; a window that finds too few vessels free by its end withdraws only
    those."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["vessels"]},
                                                           {"required": ["class"]}]})

    vessels: Fleet | None = None
    """How many vessels are out (1 to 5,000); with ``class`` and without ``vessels``,
    every vessel of the class."""
    class_: ClassName | None = Field(None, alias="class")
    """The class (``name`` under ``fleet``) whose vessels are out; any vessel of the
    service when omitted."""
    start: LocalDateTime
    """Start of the window (date or date and time, scenario time: no time zone)."""
    end: LocalDateTime
    """End of the window (date or date and time, scenario time: no time zone)."""

    @model_validator(mode="after")
    def _window(self) -> Drydock:
        if self.vessels is None and self.class_ is None:
            raise ValueError("give 'vessels' (how many are out), 'class' (every vessel of "
                             "that class) or both")
        if self.end <= self.start:
            raise ValueError("end must be later than start")
        return self


class VesselBreakdowns(Model):
    """Random breakdowns of a service's vessels (of one class, or every vessel). Each
    vessel fails after a time between failures counted in service time (drawn when it
    enters service and after each repair; the clock stops while it is in drydock or
    under repair). A failed vessel at sea finishes its voyage (it sails on from a berth
    it was loading at), unloads, and is out of service for a repair time drawn then, at
    the port where it stopped; one waiting for cargo leaves its berth at once. Then it
    returns to service there. Failure and repair times come from their own random
    streams (``<service>.breakdowns.failures`` and ``.repair``, or
    ``<service>.<class>.breakdowns.failures`` and ``.repair`` with ``class``), so
    breakdowns shift no other draw."""

    time_between_failures: Distribution
    """Service time from entering service, or the end of a repair, to the next failure
    (mean above 0)."""
    repair_time: Distribution
    """How long a failed vessel is out of service, from when it stops at a port."""
    class_: ClassName | None = Field(None, alias="class")
    """The class (``name`` under ``fleet``) whose vessels break down this way; every
    vessel of the service (of a class without an entry of its own) when omitted."""

    @model_validator(mode="after")
    def _failing(self) -> VesselBreakdowns:
        if mean_hours(self.time_between_failures) <= 0:
            raise ValueError("time_between_failures must have a mean above 0")
        return self


class VesselService(Model):
    """A fleet shuttling between two ports, in both directions: vessels of one size
    (``vessels`` x ``capacity_teu``) or classes of vessels (``fleet``)."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [
        {"required": ["vessels", "capacity_teu"]}, {"required": ["fleet"]}]})

    ports: Annotated[list[str], Field(min_length=2, max_length=2)]
    """The two ports served. Vessels are numbered across the fleet, class by class in the
    order listed; vessel 0 starts at the first port, vessel 1 at the second, and so on
    alternately."""
    vessels: Fleet | None = None
    """Number of vessels (1 to 5,000), all of ``capacity_teu``; or give ``fleet``."""
    capacity_teu: Teu | None = None
    """Capacity of each vessel in TEU (wagons and trucks in TEU equivalents; 1 to
    10,000); with ``vessels``."""
    fleet: Annotated[list[VesselClass], Field(min_length=1)] | None = None
    """Classes of vessels, each with its number, capacity and optionally its sailing
    time, instead of ``vessels`` and ``capacity_teu`` (which are one class,
    ``class_1``)."""
    departure: DeparturePolicy
    """Departure policy at both ports."""
    sailing_time: Distribution | None = None
    """Port-to-port sailing time (of every class without its own); required unless every
    class of the ``fleet`` has its own."""
    drydock: list[Drydock] = []
    """Dated windows in which vessels of the service are out of service."""
    breakdowns: list[VesselBreakdowns] = []
    """Random breakdowns: at most one entry per class, and at most one without ``class``
    (for every vessel of a class without an entry of its own). Cannot change during a
    run."""
    emission_class: EmissionClass | None = None
    """Under ``costs.emissions``: the vessel class of the emission factor file the
    service's vessels emit as (of every fleet class without its own)."""

    @model_validator(mode="after")
    def _one_fleet(self) -> VesselService:
        single = [key for key in ("vessels", "capacity_teu") if getattr(self, key) is not None]
        if self.fleet is not None and single:
            raise ValueError("give 'fleet' (classes of vessels) or 'vessels' and "
                             f"'capacity_teu' (one class), not both; remove {single[0]!r}")
        if self.fleet is None and len(single) < 2:
            if not single:
                raise ValueError("give 'vessels' and 'capacity_teu' (vessels of one size) or "
                                 "'fleet' (classes of vessels)")
            missing = "capacity_teu" if single == ["vessels"] else "vessels"
            raise ValueError(f"{single[0]!r} needs {missing!r} (or give 'fleet' instead)")
        if self.sailing_time is None and any(c.sailing_time is None for c in self.classes):
            raise ValueError("'sailing_time' is required (the sailing time of every class "
                             "without its own)")
        names = [c.name for c in self.classes]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"two classes of the fleet are called {name!r} (a class "
                                 "without a name is class_<its position>)")
        covered = [b.class_ for b in self.breakdowns]
        for covers in covered:
            if covered.count(covers) > 1:
                which = "without 'class'" if covers is None else f"for class {covers!r}"
                raise ValueError(f"two 'breakdowns' entries {which}; give one per class")
        return self

    @property
    def classes(self) -> tuple[VesselClass, ...]:
        """The fleet by class, each named: ``fleet`` as given, or the one class
        ``class_1`` of ``vessels`` x ``capacity_teu``."""
        if self.fleet is None:
            assert self.vessels is not None and self.capacity_teu is not None
            return (VesselClass(name="class_1", vessels=self.vessels,
                                capacity_teu=self.capacity_teu),)
        return tuple(c if c.name is not None else c.model_copy(update={"name": f"class_{i}"})
                     for i, c in enumerate(self.fleet, start=1))

    @property
    def total_vessels(self) -> int:
        """Vessels in the fleet, all classes."""
        return sum(c.vessels for c in self.classes)

    def class_sailing_time(self, vessel_class: VesselClass) -> Distribution:
        """The sailing time of a class: its own, or the service's."""
        sailing = vessel_class.sailing_time or self.sailing_time
        assert sailing is not None  # validated
        return sailing


# --- closures ------------------------------------------------------------------------------


def _names_as_written(value: object) -> object:
    """A place is a name; a list of names (a regional closure) needs at least one. Checked
    here so that a wrong value gets one message, not one per member of the union."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list) or not value:
        shown = ("an empty list" if value == [] else "a mapping" if isinstance(value, dict)
                 else repr(value)[:40])
        raise ValueError(f"expected a node or leg name, or a list of at least one, got {shown}")
    for i, name in enumerate(value):
        if not isinstance(name, str):
            raise ValueError(f"expected node or leg names, got {name!r} at position {i}")
    return value


ClosedPlaces = Annotated[str | list[str], BeforeValidator(_names_as_written)]
"""What a closure closes: one node or leg, or a list of them closed together."""


def closed_places(at: str | list[str]) -> tuple[str, ...]:
    """The places of a closure's ``at`` (one name, or the names of a list)."""
    return (at,) if isinstance(at, str) else tuple(at)


class SeasonalClosure(Model):
    """Random closures (storms): a Poisson process of events with monthly rates."""

    kind: Literal["seasonal"]
    """``seasonal``: closures at random, at monthly rates."""
    at: ClosedPlaces
    """Node or leg name that closes, or a list of them that one event closes together (a
    regional storm shuts Aktau, Kuryk and Alat at once)."""
    events_per_month: MonthlyValues
    """Expected closure events starting in each month, January to December (0 to 1,000
    each)."""
    duration: Distribution
    """Length of one closure."""
    cause: str = "weather"
    """Label for reports."""

    @property
    def places(self) -> tuple[str, ...]:
        """The nodes and legs each event closes."""
        return closed_places(self.at)


class WindowClosure(Model):
    """A closure on fixed dates (a border closure, planned works)."""

    kind: Literal["window"]
    """``window``: one closure between two dates."""
    at: ClosedPlaces
    """Node or leg name that closes, or a list of them closed together."""
    start: LocalDateTime
    """Start of the closure (date or date and time, scenario time: no time zone)."""
    end: LocalDateTime
    """End of the closure (date or date and time, scenario time: no time zone)."""
    cause: str = "closure"
    """Label for reports."""

    @model_validator(mode="after")
    def _ordered(self) -> WindowClosure:
        if self.end <= self.start:
            raise ValueError("end must be later than start")
        return self

    @property
    def places(self) -> tuple[str, ...]:
        """The nodes and legs it closes."""
        return closed_places(self.at)


class OutageClosure(Model):
    """A breakdown: some servers of one stage of a node out of service (cranes, tracks,
    lanes), at random or on fixed dates. The stage keeps working with the others; with
    ``interrupts`` the services on the failed servers stop and resume after the repair
    with the time they had left (preemptive-resume)."""

    kind: Literal["outage"]
    """``outage``: servers of a stage out of service."""
    at: str
    """The node whose stage breaks down."""
    stage: str
    """The stage, as named in the ``stage`` column of ``nodes.csv``: ``exit_customs``,
    ``entry_customs``, ``joint_customs``, ``gauge_change``, an operation's kind
    (``interchange``...), ``tracks`` (terminals), ``berths`` or ``train_tracks`` (ports)."""
    servers: Servers = 1
    """Servers out of service during each outage (1 to 1,000); the stage keeps in service
    those of its configured servers that are left, never fewer than 0 (more than it has
    takes them all), also when a dated change sets its count meanwhile."""
    time_between_failures: Distribution | None = None
    """Random outages: time from the end of one repair to the next failure (the servers
    fail whether busy or idle). Give it with ``repair_time``, or give ``start`` and
    ``end``."""
    repair_time: Distribution | None = None
    """Random outages: how long each one lasts."""
    start: LocalDateTime | None = None
    """An outage on fixed dates: when the servers go out of service (scenario time)."""
    end: LocalDateTime | None = None
    """An outage on fixed dates: when they are back."""
    interrupts: bool = False
    """Whether services in progress on the failed servers stop and resume after the repair
    with their remaining time (preemptive-resume; a crane failing mid-transshipment).
    Otherwise they finish and the servers go out of service as they free up. Not at
    ``berths`` (vessels keep their berth)."""
    cause: str = "breakdown"
    """Label for reports."""

    @model_validator(mode="after")
    def _random_or_dated(self) -> OutageClosure:
        random = (self.time_between_failures, self.repair_time)
        dated = (self.start, self.end)
        if any(v is not None for v in random) and any(v is not None for v in dated):
            raise ValueError("give either time_between_failures and repair_time (random "
                             "outages) or start and end (an outage on fixed dates), not both")
        if all(v is None for v in (*random, *dated)):
            raise ValueError("expected time_between_failures and repair_time (random "
                             "outages) or start and end (an outage on fixed dates)")
        if any(v is not None for v in random):
            if self.time_between_failures is None or self.repair_time is None:
                missing = "repair_time" if self.repair_time is None else "time_between_failures"
                raise ValueError(f"random outages need {missing} too")
            if mean_hours(self.time_between_failures) <= 0:
                raise ValueError("time_between_failures must have a mean above 0")
        else:
            if self.start is None or self.end is None:
                raise ValueError(f"an outage on fixed dates needs "
                                 f"{'end' if self.end is None else 'start'} too")
            if self.end <= self.start:
                raise ValueError("end must be later than start")
        return self

    @property
    def places(self) -> tuple[str, ...]:
        """The node whose stage breaks down."""
        return (self.at,)


Closure = Annotated[SeasonalClosure | WindowClosure | OutageClosure,
                    Field(discriminator="kind")]


# --- demand --------------------------------------------------------------------------------


class TeuRange(Model):
    """Consignment sizes drawn uniformly between two whole TEU counts."""

    low: Teu
    """Smallest consignment (1 to 10,000 TEU)."""
    high: Teu
    """Largest consignment (1 to 10,000 TEU)."""

    @model_validator(mode="after")
    def _ordered(self) -> TeuRange:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self


CHOICE_JSON = {"anyOf": [
    {"type": "array", "items": {"type": "string"}, "minItems": 1},
    {"type": "object", "minProperties": 1, "additionalProperties": {
        "type": "object", "minProperties": 1,
        "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}}]}
"""The JSON schema of a flow's ``choice``: names, or options by name with their shares."""


def _options_by_name(value: object) -> object:
    """A list of names is one option per name, each its single route."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return {name: {name: 1.0} for name in value}
    return value


class Flow(Model):
    """A stream of consignments from an origin to a destination, split across routes."""

    origin: str
    """Node where consignments are released."""
    destination: str
    """Node where they are delivered."""
    trains_per_week: Annotated[Number, Field(gt=0, le=10_000)] | None = None
    """Consignments released per week (one consignment is one block train; at most
    10,000, about 1,400 a day)."""
    teu_per_week: Annotated[Number, Field(gt=0, le=10_000_000)] | None = None
    """TEU released per week, instead of ``trains_per_week`` (at most 10 million)."""
    consignment_teu: Teu | TeuRange
    """Size of a consignment in TEU (a block train of 40-55 FEU is 80-110 TEU; 1 to
    10,000)."""
    seasonality: MonthlyValues | None = None
    """Multiplier of the weekly rate for each month, January to December (0 to 1,000)."""
    routes: Annotated[dict[str, Probability], Field(min_length=1)] | None = None
    """Share of consignments on each route; shares add up to 1 (or give ``choice``)."""
    choice: Annotated[dict[str, Annotated[dict[str, Probability], Field(min_length=1)]],
                      BeforeValidator(_options_by_name), Field(min_length=1),
                      WithJsonSchema(CHOICE_JSON)] | None = None
    """Options shippers choose between, instead of fixed ``routes`` shares: a list of
    route and outside-alternative names (each its own option), or options by name, each
    a mix of routes of one corridor with fixed shares (the crossing a train takes within
    its corridor, say). Each consignment picks an option by the scenario's ``choice``
    logit when it is released, then a route of the option by its shares."""
    volume_response_per_usd: Annotated[Number, Field(ge=-0.01, le=0)] | None = None
    """How a choosing flow's volume follows its expected generalized cost per TEU (the
    logit's logsum, in USD): volume x exp(response x (cost - reference cost)), so that a
    worse corridor loses traffic, not only moves it. A semi-elasticity per USD, because
    the constants make the level of the cost arbitrary but not its changes. The World
    Bank's ~1 % less trade per extra day of delay (Djankov, Freund & Pham 2010) at a value
    of time of V USD per TEU-day is -0.01 / V (-0.01 to 0)."""
    reference_cost_usd_per_teu: Usd | None = None
    """The expected generalized cost per TEU (the logsum, constants included) at which the
    flow sends its stated volume; by default the cost at the prior transit times (what
    shippers expect before any delivery, ``choice.prior_transit``), so that the stated
    volume is the volume of a network that runs as expected."""
    arrivals: Literal["poisson", "scheduled"] = "poisson"
    """Poisson releases, or evenly spaced releases at the current rate."""
    growth_per_year: Annotated[Number, Field(ge=-0.5, le=1.0)] | None = None
    """Compound growth of the rate per calendar year (0.08 is 8 % a year): in the k-th
    calendar year after the start date's year the rate is (1 + growth) ** k times the
    stated rate, a step each 1 January, so that releases stay an exact Poisson process
    with a rate constant within each month (-0.5 to 1)."""
    background: bool = False
    """Cargo that loads shared facilities but is not reported as China-Europe cargo."""
    report: bool | None = None
    """Whether the flow's consignments are reported (``shipments.csv``, ``routes.csv``,
    ``corridors.csv``); by default China-Europe flows are and background flows are not.
    A reported flow on routes outside the two corridors (China-Central Asia trains at
    Altynkol, say) reports as corridor ``other``, never as Middle Corridor cargo."""
    priority: Annotated[Whole, Field(ge=0, le=1_000)] = 0
    """Priority class at every shared queue (lanes, tracks, berths, operations): a
    waiting train of a higher class is served before any of a lower one; within a class,
    first come first served; a service under way is never interrupted. China-Europe
    trains with fixed slots go before Central Asia wagonload (0 to 1,000)."""

    @model_validator(mode="after")
    def _volume(self) -> Flow:
        if (self.trains_per_week is None) == (self.teu_per_week is None):
            raise ValueError("give exactly one of 'trains_per_week' or 'teu_per_week'")
        if (self.routes is None) == (self.choice is None):
            raise ValueError("give either 'routes' (fixed shares) or 'choice' (shippers "
                             "choose), not both" if self.routes else
                             "give 'routes' (fixed shares) or 'choice' (shippers choose)")
        if self.routes is not None:
            total = sum(self.routes.values())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"route shares must add up to 1, they add up to {total:g}")
        for option, shares in (self.choice or {}).items():
            total = sum(shares.values())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"the shares of option {option!r} must add up to 1, they "
                                 f"add up to {total:g}")
        if self.reference_cost_usd_per_teu is not None and self.volume_response_per_usd is None:
            raise ValueError("'reference_cost_usd_per_teu' is the cost of "
                             "'volume_response_per_usd': give that too, or leave it out")
        if self.volume_response_per_usd is not None and self.choice is None:
            raise ValueError("'volume_response_per_usd' needs 'choice' (the cost it "
                             "responds to is that of the options shippers choose between)")
        return self

    @property
    def route_shares(self) -> dict[str, float]:
        """Every route or outside alternative the flow may use, with its fixed share (for
        a choosing flow, its share within its option divided by the number of options: a
        neutral guess where a share must be assumed)."""
        if self.routes is not None:
            return dict(self.routes)
        assert self.choice is not None
        n = len(self.choice)
        return {name: share / n for shares in self.choice.values()
                for name, share in shares.items()}

    @property
    def reported(self) -> bool:
        """Whether the flow's consignments appear in the result tables."""
        return self.report if self.report is not None else not self.background

    @property
    def mean_consignment_teu(self) -> float:
        """Mean consignment size in TEU."""
        size = self.consignment_teu
        return float(size) if isinstance(size, int) else (size.low + size.high) / 2.0

    def growth_bound(self, hours: float) -> float:
        """The largest growth factor a run of ``hours`` from any start date can reach: one
        step per 1 January it may cross, at most one per 365 days begun (1 without growth
        or with a decline)."""
        if not self.growth_per_year or self.growth_per_year < 0:
            return 1.0
        return float((1.0 + self.growth_per_year) ** math.ceil(hours / (24.0 * 365)))

    @property
    def consignments_per_week(self) -> float:
        """Consignments released per week (from TEU per week where that is given)."""
        if self.trains_per_week is not None:
            return self.trains_per_week
        assert self.teu_per_week is not None
        return self.teu_per_week / self.mean_consignment_teu


# --- costs ---------------------------------------------------------------------------------


class EmissionFactors(Model):
    """CO2 per TEU-km by mode, used where a leg gives none."""

    rail: KgCo2PerTeuKm = 0.0
    """kg CO2 per TEU-km by rail (0 to 1,000)."""
    sea: KgCo2PerTeuKm = 0.0
    """kg CO2 per TEU-km by sea (0 to 1,000)."""


class Emissions(Model):
    """Emissions by a standard method instead of one factor per TEU-km and mode."""

    method: Literal["glec"]
    """``glec``: ISO 14083:2023 / GLEC Framework v3.0 with the cited factors of
    ``corridorsim/data/emission_factors.yaml``: rail by traction (the electrified share
    of each leg's country and that country's grid, diesel for the rest), sea by the
    vessels' ``emission_class``, handling per container at terminals, gauge changes and
    ports; well-to-wheel and tank-to-wheel. A leg's own ``co2_kg_per_teu_km`` still
    applies to that leg, as both its WTW and TTW figure."""
    empty_teu_per_loaded_teu: Annotated[Number, Field(ge=0, le=1)] = 0.0
    """Empty TEU moved back over the route per loaded TEU (the corridor's imbalance),
    whose emissions (at the empty box's weight, handling included) are charged to the
    loaded ones (0 to 1)."""


class Costs(Model):
    """Money and emissions attached to each consignment."""

    time_value_usd_per_teu_day: Usd = 0.0
    """Inventory carrying cost of the cargo per TEU and day in transit (0 to 10 million
    USD)."""
    platform_usd_per_teu_km: UsdPerKm = 0.0
    """Platform (wagon) hire per TEU-km on rail legs, where the legs' tariffs leave it
    out (0 to 10,000 USD)."""
    empty_return_share: Probability = 0.0
    """Empty containers moved back per loaded TEU (0 to 1): one minus the returning
    cargo per outbound TEU, from the published directional imbalance."""
    empty_return_share_of_tariff: Probability = 0.0
    """What moving one empty back costs, as a share of the route's loaded rail and sea
    tariffs (0 to 1). Repositioning per loaded TEU is ``empty_return_share`` times this
    times those tariffs: a charge on the cargo until empty moves are simulated."""
    cargo_value_usd_per_teu: Usd = 0.0
    """Value of the goods in one TEU (0 to 10 million USD), for insurance."""
    insurance_share_of_value: Probability = 0.0
    """Cargo insurance premium per trip, as a share of ``cargo_value_usd_per_teu``
    (0 to 1)."""
    compliance_usd_per_teu_per_border: Usd = 0.0
    """Compliance per TEU at each border node a route crosses (transit guarantees,
    sanctions screening, documents beyond the border's customs fee; 0 to 10 million
    USD)."""
    safety_stock_usd_per_teu_day: Usd = 0.0
    """Carrying cost per TEU of one day of safety stock (0 to 10 million USD): a route's
    unreliability costs this times its p90 - median transit days, per replication."""
    co2_kg_per_teu_km: EmissionFactors = EmissionFactors()
    """Default emission factors by mode."""
    emissions: Emissions | None = None
    """Emissions by ISO 14083 / GLEC (``{method: glec}``) instead of ``co2_kg_per_teu_km``;
    omitted: distance x the factor of each leg or mode."""
