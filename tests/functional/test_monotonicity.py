"""More capacity never makes the mean transit time longer; a closure never makes it shorter.

Paired runs (same seed, so the same demand and the same draws at every other facility);
the mean transit time over all China-Europe consignments of three replications.
"""

from __future__ import annotations

import statistics

import pytest

import corridorsim as cs


def mean_transit(scenario: cs.Scenario, route: str | None = None) -> float:
    result = cs.run(scenario, replications=3, seed=21)
    return statistics.fmean(r["transit_days"] for r in result.shipments
                            if r["transit_days"] is not None
                            and (route is None or r["route"] == route))


@pytest.mark.parametrize("less, more, route", [
    ({"borders.east_border.customs.exit.lanes": 1},
     {"borders.east_border.customs.exit.lanes": 3}, None),
    ({"borders.west_border.customs.entry.lanes": 2},
     {"borders.west_border.customs.entry.lanes": 4}, "northern_main"),
    ({"digitization": 0.0}, {"digitization": 0.8}, None),
    ({"vessel_services.feeder.vessels": 2}, {"vessel_services.feeder.vessels": 5},
     "middle_caspian"),
    ({"ports.port_w.berths": 1}, {"ports.port_w.berths": 3}, "middle_caspian"),
    ({"borders.east_border.gauge_change.trains_per_day": 7},
     {"borders.east_border.gauge_change.trains_per_day": 14}, None),
], ids=["exit-lanes", "entry-lanes", "digitization", "vessels", "berths", "gauge-capacity"])
def test_more_capacity_does_not_lengthen_transit(mini_scenario, less, more, route):
    assert mean_transit(mini_scenario.with_overrides(more), route) <= mean_transit(
        mini_scenario.with_overrides(less), route)


def test_a_closure_window_does_not_shorten_transit(mini_scenario):
    open_ = mini_scenario.with_overrides({"closures.works": None})
    closed = mini_scenario.with_overrides({"closures.works.end": "2024-03-10"})
    assert mean_transit(closed, "northern_main") >= mean_transit(open_, "northern_main")
