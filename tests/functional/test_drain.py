"""The drain period: consignments released before the horizon are followed to delivery,
without changing anything the run measured up to the horizon."""

from __future__ import annotations

import datetime as dt

import pytest

import corridorsim as cs
from corridorsim.errors import ScenarioError
from corridorsim.scenario.loader import load_scenario

from ..conftest import MINI


@pytest.fixture(scope="module")
def cut_and_drained(mini_scenario: cs.Scenario) -> tuple[cs.RunResult, cs.RunResult]:
    cut = cs.run(mini_scenario, replications=2, seed=11)
    drained = cs.run(mini_scenario.with_overrides({"drain": "60d"}), replications=2, seed=11)
    return cut, drained


def test_the_drain_reports_the_same_cohort_and_delivers_more_of_it(cut_and_drained):
    cut, drained = cut_and_drained
    key = [(r["replication"], r["consignment_id"]) for r in cut.shipments]
    assert key == [(r["replication"], r["consignment_id"]) for r in drained.shipments]
    delivered_cut = sum(r["transit_days"] is not None for r in cut.shipments)
    delivered_drained = sum(r["transit_days"] is not None for r in drained.shipments)
    assert delivered_drained > delivered_cut
    assert all(r["transit_days"] is not None for r in drained.shipments)
    # Released after the horizon (during the drain): never reported.
    scenario = drained.scenario
    end = dt.datetime.combine(scenario.start_date, dt.time()) + dt.timedelta(
        hours=scenario.horizon)
    assert max(r["released_at"] for r in drained.shipments) < end.isoformat()


def test_consignments_delivered_before_the_horizon_keep_their_times(cut_and_drained):
    cut, drained = cut_and_drained
    drained_by_key = {(r["replication"], r["consignment_id"]): r for r in drained.shipments}
    compared = 0
    for row in cut.shipments:
        if row["transit_days"] is not None:
            assert drained_by_key[(row["replication"], row["consignment_id"])] == row
            compared += 1
    assert compared > 100


def test_node_statistics_cover_the_demand_window_only(cut_and_drained):
    cut, drained = cut_and_drained
    assert cut.nodes == drained.nodes


def test_what_the_drain_adds_arrived_after_the_horizon(cut_and_drained):
    """The consignments the cut left undelivered are delivered during the drain, not before."""
    cut, drained = cut_and_drained
    scenario = drained.scenario
    end = (dt.datetime.combine(scenario.start_date, dt.time())
           + dt.timedelta(hours=scenario.horizon)).isoformat(timespec="minutes")
    was_open = {(r["replication"], r["consignment_id"]) for r in cut.shipments
                if r["transit_days"] is None}
    added = [r for r in drained.shipments
             if (r["replication"], r["consignment_id"]) in was_open]
    assert added and all(r["delivered_at"] >= end for r in added)
    assert all(r["backlog_consignments"] == 0 for r in drained.routes)
    assert sum(r["backlog_consignments"] for r in cut.routes) >= len(added)


def test_manifest_records_the_drain(cut_and_drained):
    _, drained = cut_and_drained
    assert drained.manifest()["drain_hours"] == 60 * 24


def test_a_negative_drain_is_refused_with_its_key_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {MINI.as_posix()}\nname: bad\ndrain: -5d\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    assert "drain" in str(err.value) and "bad.yaml" in str(err.value)
