"""What a replication observes: activity kinds, consignment records, and the monitors
that facilities own (time-weighted levels and tallies, Law's method).

Records are flat and immutable; tables are built from them only in ``report/``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple


class Activity(enum.IntEnum):
    """Where a consignment's time goes. Every hour of a transit is charged to exactly one."""

    RAIL_RUNNING = 0
    """Running on a rail leg, including waits for a path on a capacity-limited line."""
    TERMINAL = 1
    """Loading at the origin terminal or unloading at the destination terminal."""
    BORDER_QUEUE = 2
    """Waiting for a customs lane, a gauge-change track or a trains-per-day slot."""
    CUSTOMS = 3
    """Document checks (declaration to release)."""
    INSPECTION = 4
    """Physical inspections."""
    GAUGE_CHANGE = 5
    """Transshipment or bogie exchange between gauges."""
    PORT_DWELL = 6
    """At a port, not waiting for a vessel: yard admission, train and vessel handling,
    waiting on board for a berth."""
    VESSEL_WAIT = 7
    """In a port yard waiting for a vessel to take it."""
    SAILING = 8
    """At sea."""
    CLOSURE_HOLD = 9
    """Held by a closure: a storm at a port, a closed border, works on a line."""
    CONSOLIDATION = 10
    """In a port yard waiting for an outbound train to fill."""
    INTERCHANGE = 11
    """Handed over between railways: acceptance of the train by the receiving railway
    (documents, wagon and brake checks), and the wait for it."""
    TECHNICAL_INSPECTION = 12
    """Technical (wagon) inspection at a station or border, and the wait for it."""
    LOCOMOTIVE_CHANGE = 13
    """Changing locomotive or crew (diesel to electric, at a railway's boundary), and
    the wait for a locomotive."""
    MARSHALLING = 14
    """Shunting, splitting or re-forming the train (length and weight limits), and the
    wait for a shunting track."""

    @property
    def column(self) -> str:
        """The activity's column in the result tables (``days_rail_running``)."""
        return f"days_{self.name.lower()}"


ACTIVITIES: tuple[Activity, ...] = tuple(Activity)
N_ACTIVITIES = len(ACTIVITIES)

AT_SEA = "sea"
"""The place of hours on a sea leg (no country's)."""


class Places:
    """Where hours are charged: a consignment part's clock has one slot per (place,
    activity), place-major, so a facility charges ``offset(its country) + activity``
    with one addition, as cheap as a clock by activity alone.

    Places are the scenario's countries in code order, and ``sea`` when a route has a
    sea leg. A scenario without countries has one unnamed place and a clock of
    ``N_ACTIVITIES`` slots, the clock by activity.
    """

    __slots__ = ("names", "index", "slots")

    def __init__(self, names: tuple[str, ...] = ()):
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}
        self.slots = max(len(names), 1) * N_ACTIVITIES

    def offset(self, place: str | None) -> int:
        """The first slot of ``place`` (0 in a scenario without countries)."""
        if not self.names:
            return 0
        if place is None:
            raise ValueError("a facility without a country in a scenario with countries")
        return self.index[place] * N_ACTIVITIES

    def by_activity(self, hours: tuple[float, ...] | list[float]) -> tuple[float, ...]:
        """A clock's hours per activity, summed over places."""
        if len(hours) == N_ACTIVITIES:
            return tuple(hours)
        return tuple(sum(hours[a::N_ACTIVITIES]) for a in range(N_ACTIVITIES))

    def by_place(self, hours: tuple[float, ...] | list[float]) -> tuple[float, ...]:
        """A clock's hours per place, summed over activities (empty without places)."""
        if not self.names:
            return ()
        return tuple(sum(hours[i:i + N_ACTIVITIES])
                     for i in range(0, len(hours), N_ACTIVITIES))


class ShipmentRecord(NamedTuple):
    """One China-Europe consignment in one replication (a row of ``shipments.csv``).

    ``delivered_at`` and the per-activity hours are ``None`` while the consignment
    is still in the system at the end of the run (horizon + drain). A named tuple, not a
    frozen dataclass: a replication makes one per consignment, and a tuple is built
    about five times faster.
    """

    replication: int
    consignment_id: int
    flow: str
    route: str
    teu: int
    released_at: float
    delivered_at: float | None
    activity_hours: tuple[float, ...] | None
    cost_usd_per_teu: float | None
    freight_usd_per_teu: float
    co2_kg_per_teu: float
    place_hours: tuple[float, ...] | None = None
    """Hours per place (``Places.names`` order), in a scenario with countries."""
    clock: tuple[float, ...] | None = None
    """Hours per (place, activity) slot, in a scenario with countries."""
    stops: tuple[StopRecord, ...] | None = None
    """The node visits of its last part, when the run traces them."""
    expected_cost_usd_per_teu: float | None = None
    """The logsum its shipper chose by (USD per TEU), where its flow chooses."""
    co2e_wtw_kg_per_teu: float | None = None
    """Well-to-wheel kg CO2e per TEU by ISO 14083 / GLEC (``costs.emissions``), or None."""
    co2e_ttw_kg_per_teu: float | None = None
    """Tank-to-wheel kg CO2e per TEU by ISO 14083 / GLEC (``costs.emissions``), or None."""
    cost_components: tuple[float, ...] = ()
    """``freight_usd_per_teu`` by component (``network.FIXED_COST_COMPONENTS`` order)."""
    inventory_usd_per_teu: float | None = None
    """The inventory cost of its transit time (the rest of ``cost_usd_per_teu``), or None
    while it is still in the system."""

    @property
    def transit_hours(self) -> float | None:
        """Hours from release to delivery, or None while still in the system."""
        return None if self.delivered_at is None else self.delivered_at - self.released_at


class StopRecord(NamedTuple):
    """A consignment's stop at a node (of its last part): a row of ``stops.csv``."""

    node: str
    arrived: float
    departed: float | None
    """None while it is still there at the end of the run."""
    activity_hours: tuple[float, ...] | None
    """Hours spent here by activity (only when ``stops.csv`` is written)."""


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """One node in one replication, over the post-warm-up period (a row of ``nodes.csv``)."""

    replication: int
    node: str
    kind: str
    utilisation: float
    """Busy share of the busiest service point: customs lanes, gauge-change tracks and
    terminal tracks at rail nodes; berths (occupied, including waits for cargo at berth)
    and train tracks at ports."""
    mean_queue: float
    max_queue: int
    mean_wait_hours: float
    throughput_teu: float
    throughput_trains: int
    vessel_calls: int
    hours_closed: float
    mean_yard_teu: float | None
    max_yard_teu: float | None
    landed_teu: float | None = None
    """Ports: TEU vessels unloaded here (``throughput_teu`` is landed plus loaded)."""
    loaded_teu: float | None = None
    """Ports: TEU loaded onto vessels here."""


@dataclass(frozen=True, slots=True)
class StageRecord:
    """One service stage of a node in one replication, over the observation window (a
    stage row of ``nodes.csv``): an exit or entry check, a gauge change, an operation,
    terminal or port train tracks, berths."""

    replication: int
    node: str
    kind: str
    stage: str
    servers: int
    utilisation: float
    """Busy share of the stage's servers."""
    mean_queue: float
    max_queue: int
    services: int
    """Services started in the window."""
    mean_wait_hours: float | None
    """Mean hours those waited before starting (servers, closures, opening hours, the
    trains-per-day headway)."""
    mean_service_hours: float | None
    """Mean service hours of those (at berths: hours a vessel held the berth)."""
    hours_out: float = 0.0
    """Hours in the window with at least one server out of service (outages)."""
    server_hours_out: float = 0.0
    """Server-hours lost to outages in the window (servers out x hours)."""


@dataclass(frozen=True, slots=True)
class SailingRecord:
    """One direction of one vessel service in one replication, over the observation window
    (a row of ``services.csv``): the departures from ``from_port`` in the window."""

    replication: int
    service: str
    from_port: str
    to_port: str
    sailings: int
    teu: int
    """TEU carried on those sailings."""
    capacity_teu: int
    """TEU the vessels could have carried on them (the load factor is ``teu`` over this)."""
    handling_hours: float
    """Hours at berth unloading and loading, summed over the calls that ended in them."""
    cargo_wait_hours: float
    """Hours at berth waiting for cargo under the departure policy, summed likewise."""
    closure_hours: float
    """Hours at berth, loaded, held by a closure of the port or the sea leg."""


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
    streams: tuple[str, ...] = ()
    """Names of the random streams the replication drew from (for the manifest)."""
    sailings: tuple[SailingRecord, ...] = ()
    """Per vessel service and direction: sailings, TEU carried, berth hours."""
    stages: tuple[StageRecord, ...] = ()
    """Per node, each service stage."""
    daily: tuple[DailyLevelRecord, ...] = ()
    """Per node and stage: queue (and yard) levels day by day (``timeseries.csv``)."""
    months: MonthlyTotals | None = None
    """Per node and stage: services, waits, busy and available server-hours and queue
    area month by month over the observation window (``periods.csv``)."""


@dataclass(frozen=True, slots=True)
class ObservationWindow:
    """The period node statistics describe: from the end of warm-up to the horizon."""

    start: float
    end: float


class LevelMonitor:
    """Time-weighted statistics of a level (queue length, busy servers, yard TEU).

    Only time after ``start`` (the warm-up) counts; the area is updated on every change.
    """

    __slots__ = ("start", "level", "last", "area", "maximum", "run_area", "day_peak")

    def __init__(self, start: float = 0.0):
        self.start = start
        self.level = 0.0
        self.last = 0.0
        self.area = 0.0
        self.maximum = 0.0
        self.run_area = 0.0
        """Area from time 0, warm-up included (the daily series, ``DailyLevels``)."""
        self.day_peak = 0.0
        """Largest level since the last day closed."""

    def change(self, now: float, delta: float) -> None:
        """The level changes by ``delta`` at ``now`` (the area up to ``now`` is added first)."""
        level, last, start = self.level, self.last, self.start  # locals: the hot path
        if now > start:
            if last <= start:
                if level > self.maximum:
                    self.maximum = level  # the level carried in at the end of warm-up
                self.area += level * (now - start)
            else:
                self.area += level * (now - last)
        self.run_area += level * (now - last)
        self.last = now
        self.level = level = level + delta
        if level > self.day_peak:
            self.day_peak = level
        if now >= start and level > self.maximum:
            self.maximum = level

    def close_day(self, now: float) -> tuple[float, float]:
        """The area from time 0 to ``now`` and the largest level since the last call; the
        next day's peak starts from the level carried into it."""
        peak = self.day_peak
        self.day_peak = self.level
        return self.run_area + self.level * (now - self.last), peak

    def area_to(self, t: float) -> float:
        """The area from ``start`` to ``t`` (a time not before the last change)."""
        if t <= self.start:
            return 0.0
        return self.area + self.level * (t - max(self.last, self.start))

    def mean(self, end: float) -> float:
        """Time average from ``start`` to ``end``."""
        if end <= self.start:
            return 0.0
        area = self.area
        if end > self.last:
            area += self.level * (end - max(self.last, self.start))
        return area / (end - self.start)

    def peak(self) -> float:
        """Largest level seen after ``start`` (including the level carried in at ``start``)."""
        return max(self.maximum, self.level) if self.last <= self.start else self.maximum


@dataclass(frozen=True, slots=True)
class DailyLevelRecord:
    """One level (a queue or a yard) of one node or stage in one replication, day by day
    from time 0 to the end of the run: each day's time-average and largest level."""

    node: str
    kind: str
    stage: str | None
    """None for the node's own queue (all its stages) or its yard."""
    quantity: str
    """``queue`` (trains and vessels waiting) or ``yard_teu``."""
    means: tuple[float, ...]
    peaks: tuple[float, ...]


class DailyLevels:
    """Closes every watched level's day at each midnight, for ``timeseries.csv``.

    One call per day for all levels, so the cost does not grow with events; the last
    day may be short (the run ends within it) and is averaged over its own length. A
    monitor watched twice (a node's only stage shares the node's queue) is read once.
    """

    __slots__ = ("watched", "monitors", "of", "closed", "areas", "means", "peaks")

    def __init__(self, watched: list[tuple[str, str, str | None, str, LevelMonitor]]):
        self.watched = watched
        self.monitors: list[LevelMonitor] = []
        index: dict[int, int] = {}
        for *_, monitor in watched:
            if id(monitor) not in index:
                index[id(monitor)] = len(self.monitors)
                self.monitors.append(monitor)
        self.of = [index[id(monitor)] for *_, monitor in watched]
        """The distinct monitor each watched level reads."""
        self.closed = 0
        self.areas = [0.0] * len(self.monitors)
        self.means: list[list[float]] = [[] for _ in self.monitors]
        self.peaks: list[list[float]] = [[] for _ in self.monitors]

    def close_day(self, now: float) -> None:
        """Day ``closed`` ends at ``now``: its mean and peak of every level."""
        length = now - 24.0 * self.closed
        for i, monitor in enumerate(self.monitors):
            area, peak = monitor.close_day(now)
            self.means[i].append((area - self.areas[i]) / length if length > 0 else 0.0)
            self.peaks[i].append(peak)
            self.areas[i] = area
        self.closed += 1

    def records(self) -> tuple[DailyLevelRecord, ...]:
        """The series, in the order watched."""
        return tuple(DailyLevelRecord(node, kind, stage, quantity, tuple(self.means[i]),
                                      tuple(self.peaks[i]))
                     for (node, kind, stage, quantity, _), i
                     in zip(self.watched, self.of, strict=True))


MONTHLY_QUANTITIES = ("services", "wait_hours", "busy_hours", "server_hours", "queue_hours")
"""What ``MonthlyTotals`` sums: services started (a node: the visits its mean wait
averages), the hours they waited, busy and available server-hours (a node: none), and
the area under the queue (trains, or vessels at berths, times hours)."""

MonthReader = Callable[[float, float], tuple[float, ...]]
"""A node's or stage's running totals from the start of the observation window to ``t``
(``MONTHLY_QUANTITIES``), told the next closing time (``inf`` after the last)."""


@dataclass(frozen=True, slots=True)
class MonthlyTotals:
    """Each node and stage of one replication, month by month over the observation window:
    sums, so that months add up to quarters and years exactly, and utilisation stays busy
    over available server-hours when the number of servers changes within a period.

    ``starts`` are the months' starts: the end of warm-up, then each first of a month
    before the horizon (the first and last months may be partial)."""

    starts: tuple[float, ...]
    end: float
    """The horizon: the end of the last month."""
    places: tuple[tuple[str, str, str | None], ...]
    """(node, kind, stage or None for the node as a whole), in the model's order."""
    totals: tuple[tuple[tuple[float, ...], ...], ...]
    """Per place, per quantity, one sum per month."""


class MonthlyLedger:
    """Closes the books of every node and stage at each first of a month in the
    observation window and at its end, for ``periods.csv``: one call per month for all,
    so that the cost does not grow with events (the services that straddle a closing
    are the service points' own small bookkeeping, ``ServicePoint.close_month``)."""

    __slots__ = ("readers", "places", "starts", "end", "closed", "last", "totals")

    def __init__(self, places: list[tuple[str, str, str | None, MonthReader]],
                 starts: list[float], end: float):
        self.places = tuple((node, kind, stage) for node, kind, stage, _ in places)
        self.readers = [reader for *_, reader in places]
        self.starts = tuple(starts)
        self.end = end
        self.closed = 0
        """Months closed so far."""
        width = len(MONTHLY_QUANTITIES)
        self.last = [(0.0,) * width for _ in places]
        self.totals: list[list[list[float]]] = [[[] for _ in range(width)] for _ in places]

    @property
    def next_close(self) -> float:
        """When the month open now ends (``inf`` once the last has closed)."""
        k = self.closed + 1
        if k < len(self.starts):
            return self.starts[k]
        return self.end if k == len(self.starts) else float("inf")

    def close_month(self, now: float) -> None:
        """The month open now ends at ``now``: each place's sums over it."""
        self.closed += 1
        following = self.next_close
        for i, read in enumerate(self.readers):
            running = read(now, following)
            for q, (value, before) in enumerate(zip(running, self.last[i], strict=True)):
                self.totals[i][q].append(value - before)
            self.last[i] = running

    def record(self) -> MonthlyTotals:
        """The months closed, as a record."""
        return MonthlyTotals(
            starts=self.starts[:self.closed], end=self.end, places=self.places,
            totals=tuple(tuple(tuple(values) for values in place) for place in self.totals))
