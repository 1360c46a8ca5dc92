"""The timeline of dated changes as documents: which values are in force when, and which
differences a run can take."""

from __future__ import annotations

import datetime as dt

import pytest

from corridorsim.errors import KeyPathError
from corridorsim.scenario.changes import (
    DatedChange,
    timeline_states,
    unchangeable_key,
)

BASE = {
    "ports": {"aktau": {"berths": 2, "yard_capacity_teu": 2000}},
    "stations": {"almaty": {"operations": [{"kind": "locomotive_change", "servers": 2}]}},
    "vessel_services": {"feeder": {"fleet": [{"name": "a", "vessels": 4,
                                              "capacity_teu": 205}]}},
    "routes": {"middle": ["a", "b", "c"]},
}
START = dt.date(2024, 1, 1)


def change(at: str, set_: dict, until: str | None = None) -> DatedChange:
    return DatedChange.model_validate({"at": at, "until": until, "set": set_})


def test_a_later_change_wins_while_both_are_in_force_and_the_earlier_comes_back():
    states = timeline_states(BASE, {
        "hub": change("2024-02-01", {"ports.aktau.berths": 3}),
        "works": change("2024-03-01", {"ports.aktau.berths": 1}, until="2024-04-01"),
    }, START, 24 * 365)
    assert [s.at.date().isoformat() for s in states] == ["2024-02-01", "2024-03-01",
                                                         "2024-04-01"]
    assert [s.document["ports"]["aktau"]["berths"] for s in states] == [3, 1, 3]
    assert [s.in_force for s in states] == [("hub",), ("hub", "works"), ("hub",)]
    assert states[0].hour == 31 * 24
    assert BASE["ports"]["aktau"]["berths"] == 2  # the base document is not touched


def test_dates_at_or_after_the_end_of_the_run_are_not_reached():
    states = timeline_states(BASE, {
        "late": change("2025-01-01", {"ports.aktau.berths": 3}),
        "works": change("2024-06-01", {"ports.aktau.berths": 1}, until="2025-06-01"),
    }, START, 24 * 366)
    assert [s.at.date().isoformat() for s in states] == ["2024-06-01"]


def test_a_change_before_the_start_is_refused():
    with pytest.raises(KeyPathError, match="before the run starts"):
        timeline_states(BASE, {"early": change("2023-12-31", {"ports.aktau.berths": 3})},
                        START, 8760)


def with_(path: str, value: object) -> dict:
    states = timeline_states(BASE, {"c": change("2024-02-01", {path: value})}, START, 8760)
    return states[0].document


def test_settings_inside_lists_of_sections_may_change_but_not_what_the_lists_hold():
    assert unchangeable_key(BASE, with_("stations.almaty.operations.0.servers", 3)) is None
    more = with_("stations.almaty.operations",
                 [{"kind": "locomotive_change", "servers": 2}, {"kind": "marshalling",
                                                                "servers": 1}])
    assert unchangeable_key(BASE, more) == "stations.almaty.operations.1.kind"
    with pytest.raises(KeyPathError, match=r"operations\.0\.kind: cannot change during a run"):
        with_("stations.almaty.operations.0.kind", "marshalling")
    # A fleet may gain a class (vessels join at the date); a route may not change.
    fleet = with_("vessel_services.feeder.fleet",
                  [{"name": "a", "vessels": 4, "capacity_teu": 205},
                   {"name": "b", "vessels": 2, "capacity_teu": 702}])
    assert unchangeable_key(BASE, fleet) is None
    with pytest.raises(KeyPathError, match=r"routes\.middle\.1: cannot change during a run"):
        with_("routes.middle.1", "x")
    assert unchangeable_key(BASE, with_("ports.aktau.yard_capacity_teu", 4000)) is None
