"""The commented minimal scenario (``scenarios/examples/minimal.yaml``): it validates, runs
and delivers its cargo over the sea crossing in a plausible time, every value it sets is
commented, and its first line points editors at the committed JSON schema."""

from __future__ import annotations

import re
from pathlib import Path

from corridorsim.cli import main
from corridorsim.experiment import run
from corridorsim.scenario.loader import load_scenario
from corridorsim.scenario.schema import SeaLeg

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "examples" / "minimal.yaml"


def test_it_has_two_terminals_one_border_and_one_port_pair_joined_by_a_sea_leg():
    scenario = load_scenario(EXAMPLE)
    assert (len(scenario.terminals), len(scenario.borders), len(scenario.ports)) == (2, 1, 2)
    (route,) = scenario.routes.values()
    sea = [leg for leg in scenario.legs.values() if isinstance(leg, SeaLeg)]
    assert [(leg.from_, leg.to) for leg in sea] == [("aktau", "alat")]
    assert route[2:4] == ["aktau", "alat"]


def test_it_validates_on_the_command_line(capsys):
    assert main(["validate", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.startswith("Scenario 'minimal' is valid.")


def test_it_runs_and_delivers_over_the_sea_in_a_plausible_time():
    scenario = load_scenario(EXAMPLE, {"horizon": "60d", "drain": "45d"})
    result = run(scenario, replications=2, seed=5, workers=1)
    (row,) = [r for r in result.summary if r["scope"] == "route"
              and r["name"] == "middle_caspian" and r["kpi"] == "median_transit_days"]
    # 7,500 km of rail at 45-50 km/h is about 6.5 days running; customs, the gauge change,
    # the port, waiting for the feeder and forming a train add days, not weeks.
    assert 8 < row["mean"] < 30
    delivered = [r["consignments_delivered"] for r in result.routes
                 if r["route"] == "middle_caspian"]
    assert len(delivered) == 2 and min(delivered) > 10
    assert all(r["backlog_consignments"] == 0 for r in result.routes)


def test_every_value_it_sets_is_commented():
    for number, line in enumerate(EXAMPLE.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        value = line.partition(":")[2]
        if value.strip():  # a key with a value on the line, not a mapping opened below
            assert "#" in value, f"line {number} has no comment: {line!r}"


def test_its_first_line_points_editors_at_the_committed_schema():
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match is not None
    assert (EXAMPLE.parent / match.group(1)).resolve() == ROOT / "docs" / "scenario.schema.json"
