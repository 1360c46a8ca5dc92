"""Joint control across the sea: the departure port's exit check also clears the
arrival port's entry check (Caspian joint controls, Aktau for Alat)."""

from __future__ import annotations

import pytest

import corridorsim as cs
from corridorsim.errors import ScenarioError

JOINT = {"ports.port_e.customs.joint_control_with": "port_w"}


@pytest.fixture(scope="module")
def separate_and_joint(mini_scenario: cs.Scenario) -> tuple[cs.RunResult, cs.RunResult]:
    separate = cs.run(mini_scenario, replications=2, seed=3)
    joint = cs.run(mini_scenario.with_overrides(JOINT), replications=2, seed=3)
    return separate, joint


def _route_mean(result: cs.RunResult, route: str, column: str) -> float:
    values = [r[column] for r in result.shipments
              if r["route"] == route and r[column] is not None]
    return sum(values) / len(values)


def test_the_arrival_port_entry_check_is_not_done_again(separate_and_joint):
    separate, joint = separate_and_joint
    saved = (_route_mean(separate, "middle_caspian", "days_customs")
             - _route_mean(joint, "middle_caspian", "days_customs"))
    # One paper/digital document check less: 0.7 x 6 h + 0.3 x 0.5 h = 4.35 h = 0.18 d.
    assert saved == pytest.approx(4.35 / 24, rel=0.25)
    assert (_route_mean(joint, "middle_caspian", "transit_days")
            < _route_mean(separate, "middle_caspian", "transit_days"))


def test_the_same_cargo_runs_and_the_northern_route_barely_moves(separate_and_joint):
    """Same demand; the Northern route shares only the destination terminal with the
    trains formed at the arrival port, so its transit time moves by a fraction of 1 %."""
    separate, joint = separate_and_joint
    assert ([(r["consignment_id"], r["released_at"]) for r in separate.shipments]
            == [(r["consignment_id"], r["released_at"]) for r in joint.shipments])
    before = _route_mean(separate, "northern_main", "transit_days")
    assert _route_mean(joint, "northern_main", "transit_days") == pytest.approx(before,
                                                                                rel=0.005)


def test_a_joint_control_needs_a_sea_leg_to_the_partner(mini_scenario):
    with pytest.raises(ScenarioError, match=r"ports\.port_w\.customs\.joint_control_with"):
        mini_scenario.with_overrides({"ports.port_w.customs.joint_control_with": "port_e"})


def test_a_border_cannot_name_a_partner_port(mini_scenario):
    with pytest.raises(ScenarioError, match="only a port"):
        mini_scenario.with_overrides(
            {"borders.east_border.customs.joint_control_with": "port_w"})


def test_joint_control_with_and_joint_control_together_are_refused(mini_scenario):
    """``joint_control: true`` leaves no exit check here, so the partner would never be
    cleared: refused rather than silently ignored."""
    with pytest.raises(ScenarioError, match="cannot be combined"):
        mini_scenario.with_overrides({**JOINT, "ports.port_e.customs.joint_control": True})
