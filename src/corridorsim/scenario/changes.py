"""Dated changes: investments, cuts and demand steps on a timeline (``changes:``).

A change sets key paths (those of ``--set``) from a date, and optionally until a later
date, when the old values come back. The scenario in force at any moment is the file as
written with the ``set`` of every change in force at that moment applied in order of
their dates, so a later change wins while both are in force and the earlier one's value
comes back when the later ends. Every state the timeline produces is validated as a
whole scenario before the run: a change that would make an invalid scenario is one
error naming the change and the key.

What can change is what the model can adopt while trains are in service: server counts,
headways, opening hours, service and running times, yard space, handling rates, fees,
tariffs, customs regimes and digitization, and demand. A change that would alter the
network's structure (a new node, another route, customs where there were none) is
refused with the list of keys that may change. Nothing here knows the simulation: this
module turns the file into a list of dated, validated states.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from corridorsim.errors import KeyPathError, ScenarioError
from corridorsim.scenario.distributions import Model
from corridorsim.scenario.overrides import set_key_paths
from corridorsim.scenario.sections import LocalDateTime


def _key_paths(value: object) -> object:
    """``set`` keys as written: dotted key paths, not nested sections."""
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str) or not key.strip():
                raise ValueError(f"expected dotted key paths such as ports.aktau.berths, "
                                 f"got {key!r}")
    return value


class DatedChange(Model):
    """Key paths set from a date (an investment, a capacity cut, a demand step)."""

    at: LocalDateTime
    """When the change takes effect (a date is its midnight; scenario time)."""
    until: LocalDateTime | None = None
    """When the old values come back; without it the change stays in force."""
    set: Annotated[dict[str, Any], BeforeValidator(_key_paths), Field(min_length=1)]
    """Dotted key paths, as with ``--set`` (``ports.aktau.berths: 3``), and their values
    from ``at``."""
    description: str = ""
    """What the change is (an investment, a works window); cite its source beside it."""

    @model_validator(mode="after")
    def _ordered(self) -> DatedChange:
        if self.until is not None and self.until <= self.at:
            raise ValueError(f"until ({self.until.isoformat()}) must be later than at "
                             f"({self.at.isoformat()})")
        return self


CHANGEABLE = (
    "digitization",
    "customs_regimes",
    "terminals.*.tracks", "terminals.*.handling_time", "terminals.*.opening_hours",
    "terminals.*.handling_fee_usd_per_teu",
    "borders.*.opening_hours", "borders.*.handling_fee_usd_per_teu",
    "borders.*.customs_fee_usd_per_teu",
    "borders.*.gauge_change.tracks", "borders.*.gauge_change.service_time",
    "borders.*.gauge_change.trains_per_day",
    "borders.*.customs.digitization", "ports.*.customs.digitization",
    *(f"{section}.*.customs.{check}.{key}" for section in ("borders", "ports")
      for check in ("exit", "entry") for key in ("lanes", "pre_arrival", "paper", "digital")),
    *(f"{section}.*.operations.*.{key}" for section in ("terminals", "borders", "stations")
      for key in ("servers", "service_time", "digital_service_time", "trains_per_day",
                  "opening_hours")),
    "stations.*.handling_fee_usd_per_teu",
    "ports.*.berths", "ports.*.handling_teu_per_hour", "ports.*.yard_capacity_teu",
    "ports.*.train_tracks", "ports.*.train_handling_time", "ports.*.handling_fee_usd_per_teu",
    "ports.*.customs_fee_usd_per_teu",
    "legs.*.speed_kmh", "legs.*.running_time", "legs.*.delay", "legs.*.trains_per_day",
    "legs.*.tariff_usd_per_teu", "legs.*.tariff_usd_per_teu_km",
    "vessel_services.*.vessels", "vessel_services.*.capacity_teu",
    "vessel_services.*.fleet", "vessel_services.*.sailing_time", "vessel_services.*.departure",
    "flows.*.trains_per_week", "flows.*.teu_per_week", "flows.*.seasonality",
    "flows.*.routes", "flows.*.growth_per_year",
)
"""Key paths that may change during a run (``*`` is any one name or index; a key
matches a pattern it begins with, so ``legs.*.delay`` covers the delay's parameters).
The section holding the key (``borders.x.gauge_change`` for its ``tracks``) must exist
before and after the change: a change adjusts what is built, it never builds more."""


PATTERNS = tuple(tuple(pattern.split(".")) for pattern in CHANGEABLE)
"""``CHANGEABLE``, each split into its keys."""


def _agree(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    """Whether ``path`` and ``pattern`` agree key by key as far as the shorter goes."""
    return all(p in ("*", key) for p, key in zip(pattern, path, strict=False))


def changeable_pattern(path: tuple[str, ...]) -> tuple[str, ...] | None:
    """The pattern of ``CHANGEABLE`` that ``path`` falls under, if any."""
    for pattern in PATTERNS:
        if len(path) >= len(pattern) and _agree(pattern, path):
            return pattern
    return None


def leaves(document: object, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                              object]]:
    """Every scalar of a document with its key path; a list of mappings (a node's
    operations, a fleet's classes) by index, any other list as one value."""
    if isinstance(document, Mapping):
        for key, value in document.items():
            yield from leaves(value, (*prefix, str(key)))
    elif isinstance(document, list) and document and all(isinstance(v, Mapping)
                                                         for v in document):
        for index, value in enumerate(document):
            yield from leaves(value, (*prefix, str(index)))
    else:
        yield prefix, document


MISSING = object()
"""What ``_value_at`` finds where a document has no value."""


def _value_at(document: object, path: Iterable[str]) -> object:
    """The value of ``document`` at ``path`` (list items by index), or ``MISSING``."""
    for key in path:
        if isinstance(document, Mapping) and key in document:
            document = document[key]
        elif isinstance(document, list) and key.isdigit() and int(key) < len(document):
            document = document[int(key)]
        else:
            return MISSING
    return document


def changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The key paths whose values differ between two documents (dotted)."""
    old, new = dict(leaves(before)), dict(leaves(after))
    return sorted(".".join(p) for p in old.keys() | new.keys() if old.get(p) != new.get(p)
                  or (p in old) != (p in new))


CHANGEABLE_SUMMARY = (
    "the servers of every stage (tracks, lanes, berths, operations' servers), "
    "trains_per_day, opening_hours, service, handling and running times, delays, "
    "speed_kmh, yard_capacity_teu, handling_teu_per_hour, customs (digitization, "
    "pre_arrival, paper, digital, customs_regimes), fees and tariffs, vessel services' "
    "vessels, capacity_teu, fleet, sailing_time and departure, and flows' "
    "trains_per_week, teu_per_week, seasonality, routes and growth_per_year")
"""``CHANGEABLE`` in words, for the error that refuses a key."""


def written_key_problem(key: str) -> str | None:
    """Why a key written in a change's ``set`` can never change during a run (None if it
    may: it falls under a pattern, or holds keys that do)."""
    path = tuple(key.split("."))
    if any(_agree(pattern, path) for pattern in PATTERNS):
        return None
    return f"cannot change during a run; what can: {CHANGEABLE_SUMMARY}"


def unchangeable_key(before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
    """The first changed key that cannot change during a run (or None)."""
    for key in changed_keys(before, after):
        path = tuple(key.split("."))
        pattern = changeable_pattern(path)
        if pattern is None:
            return key
        holder = path[:len(pattern) - 1]
        if not all(isinstance(_value_at(d, holder), Mapping) for d in (before, after)):
            return key
    return None


class TimelineState:
    """The scenario document in force from ``hour`` on, and the changes in force."""

    __slots__ = ("hour", "at", "document", "in_force")

    def __init__(self, hour: float, at: dt.datetime, document: dict[str, Any],
                 in_force: tuple[str, ...]):
        self.hour = hour
        self.at = at
        self.document = document
        self.in_force = in_force


def _hours(start: dt.date, moment: dt.datetime) -> float:
    return (moment - dt.datetime.combine(start, dt.time())).total_seconds() / 3600.0


def timeline_states(base: Mapping[str, Any], changes: Mapping[str, DatedChange],
                    start_date: dt.date, end_hours: float) -> list[TimelineState]:
    """The documents in force at each date where the set of changes in force changes,
    from the start of the run to ``end_hours`` (a date at or after it is not reached).

    Raises ``KeyPathError`` for a change before the start, for two changes from the
    same date setting the same key, and for a key that cannot change during a run.
    """
    start = dt.datetime.combine(start_date, dt.time())
    for name, change in changes.items():
        if change.at < start:
            raise KeyPathError(f"changes.{name}.at", f"{change.at.isoformat()} is before the "
                               f"run starts (start_date {start_date.isoformat()}); put what is "
                               "in force at the start in the scenario itself")
    for name, change in changes.items():  # a key the file has, that can never change
        for key in change.set:
            problem = written_key_problem(key)
            if problem is not None and _value_at(base, key.split(".")) is not MISSING:
                raise KeyPathError(f"changes.{name}.set.{key}", problem)
    ordered = sorted(changes.items(), key=lambda item: item[1].at)
    _check_order(ordered)
    moments = sorted({m for _, c in ordered for m in (c.at, c.until) if m is not None})
    states: list[TimelineState] = []
    for moment in moments:
        hour = _hours(start_date, moment)
        if hour >= end_hours:
            break
        in_force = [(name, c) for name, c in ordered
                    if c.at <= moment and (c.until is None or moment < c.until)]
        document = copy.deepcopy(dict(base))
        for name, change in in_force:
            try:
                set_key_paths(document, change.set)
            except ScenarioError as exc:
                raise KeyPathError(f"changes.{name}.set.{exc.key_path}", exc.message) from None
        states.append(TimelineState(hour, moment, document, tuple(n for n, _ in in_force)))
    return states


def refuse_unchangeable(before: Mapping[str, Any], state: TimelineState,
                        changes: Mapping[str, DatedChange]) -> None:
    """Raise ``KeyPathError`` if a change starting or ending with ``state`` writes a key
    that can never change during a run, or if ``state`` differs from the state before it
    in a key that cannot (both are valid scenarios)."""
    for name, change in changes.items():
        if state.at not in (change.at, change.until):
            continue
        for written in change.set:
            problem = written_key_problem(written)
            if problem is not None:
                raise KeyPathError(f"changes.{name}.set.{written}", problem)
    key = unchangeable_key(before, state.document)
    if key is not None:
        raise KeyPathError(_culprit(key, changes, state.at),
                           f"{key} cannot change during a run (it would change what is "
                           f"built); what can: {CHANGEABLE_SUMMARY}")


def _overlapping(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _check_order(ordered: list[tuple[str, DatedChange]]) -> None:
    """Two changes from the same date must not set the same key: neither would win."""
    for i, (name, change) in enumerate(ordered):
        for other_name, other in ordered[:i]:
            if other.at != change.at:
                continue
            for key in change.set:
                clash = next((k for k in other.set if _overlapping(k, key)), None)
                if clash is not None:
                    raise KeyPathError(
                        f"changes.{name}.set.{key}",
                        f"change {other_name!r} sets {clash} from the same date "
                        f"({change.at.isoformat()}), so neither comes first; merge them or "
                        "give them different dates")


def _culprit(key: str, changes: Mapping[str, DatedChange], moment: dt.datetime) -> str:
    """The ``changes.<name>.set.<key>`` path of the change that alters ``key`` at
    ``moment`` (starting or ending then), or of the key itself."""
    for name, change in changes.items():
        if change.at == moment or change.until == moment:
            for written in change.set:
                if _overlapping(written, key):
                    return f"changes.{name}.set.{written}"
    return key


def attribute_problem(key_path: str, state: TimelineState,
                      changes: Mapping[str, DatedChange]) -> str:
    """The key path to name for a problem at ``key_path`` in a timeline state: the
    change in force that sets it (the latest), else the latest change in force."""
    for name in reversed(state.in_force):
        for written in changes[name].set:
            if _overlapping(written, key_path):
                return f"changes.{name}.set.{written}"
    if state.in_force:
        name = state.in_force[-1]
        return f"changes.{name}.set.{next(iter(changes[name].set))}"
    return key_path
