"""Costs per TEU by component: each computed by hand on the mini corridor, their sum is
the consignment's cost, the spread's safety stock is the route's, and a section's freight
is what a published section rate (ERAI) is checked against."""

from __future__ import annotations

import statistics

import pytest

import corridorsim as cs
from corridorsim.calibration import Targets, calibration_rows
from corridorsim.errors import RunError
from corridorsim.network import FIXED_COST_COMPONENTS, route_economics
from corridorsim.report.tables import COST_COLUMNS

from ..conftest import MINI

COSTS = {"costs.platform_usd_per_teu_km": 0.01, "costs.empty_return_share": 0.8,
         "costs.empty_return_share_of_tariff": 0.5, "costs.cargo_value_usd_per_teu": 50_000,
         "costs.insurance_share_of_value": 0.002,
         "costs.compliance_usd_per_teu_per_border": 15,
         "costs.safety_stock_usd_per_teu_day": 10}

# By hand from tests/scenarios/mini-corridor.yaml and COSTS:
# northern_main = hub, east_border, west_border, europe (8,000 rail km, 2 borders):
#   rail 300 + 0.3 x 5,000 = 1,800; handling 50 + 50; customs 20 (east_border);
#   platform 0.01 x 8,000 = 80; repositioning 0.8 x 0.5 x 1,800 = 720;
#   insurance 0.002 x 50,000 + 15 x 2 borders = 130.
# middle_caspian = hub, east_border, port_e, port_w, europe (8,000 rail km, 1 border):
#   rail 300; sea 400; handling 100; customs 20; platform 80;
#   repositioning 0.4 x (300 + 400) = 280; insurance 100 + 15 = 115.
BY_HAND = {
    "northern_main": {"rail_tariff": 1800.0, "sea_tariff": 0.0, "handling": 100.0,
                      "customs": 20.0, "platform": 80.0, "repositioning": 720.0,
                      "insurance": 130.0},
    "middle_caspian": {"rail_tariff": 300.0, "sea_tariff": 400.0, "handling": 100.0,
                       "customs": 20.0, "platform": 80.0, "repositioning": 280.0,
                       "insurance": 115.0},
}


@pytest.fixture(scope="module")
def priced() -> cs.RunResult:
    return cs.run(cs.load_scenario(MINI, COSTS), replications=2, seed=5)


def test_each_component_of_a_route_is_the_hand_computed_figure():
    scenario = cs.load_scenario(MINI, COSTS)
    for route, expected in BY_HAND.items():
        economics = route_economics(scenario, scenario.routes[route])
        assert dict(zip(FIXED_COST_COMPONENTS, economics.costs.as_tuple(),
                        strict=True)) == pytest.approx(expected, abs=1e-9)
        assert economics.fixed_cost_usd_per_teu == pytest.approx(sum(expected.values()))


def test_shipments_carry_the_components_and_their_sum_is_the_cost(priced):
    time_value = priced.scenario.costs.time_value_usd_per_teu_day
    delivered = [r for r in priced.shipments if r["transit_days"] is not None]
    assert {r["route"] for r in delivered} == set(BY_HAND)
    for row in delivered:
        for component, value in BY_HAND[row["route"]].items():
            assert row[f"cost_{component}_usd_per_teu"] == value
        assert row["freight_usd_per_teu"] == sum(BY_HAND[row["route"]].values())
        inventory = row["cost_inventory_usd_per_teu"]
        assert inventory == pytest.approx(time_value * row["transit_days"], abs=0.01)
        assert sum(row[c] for c in COST_COLUMNS) == pytest.approx(row["cost_usd_per_teu"],
                                                                  abs=0.005)


def test_the_route_mean_cost_adds_the_safety_stock_of_its_spread(priced):
    value = priced.scenario.costs.safety_stock_usd_per_teu_day
    for row in priced.tables["routes"]:
        ships = [r for r in priced.shipments if r["route"] == row["route"]
                 and r["replication"] == row["replication"] and r["transit_days"] is not None]
        spread = row["p90_transit_days"] - row["median_transit_days"]
        assert spread > 0
        assert row["cost_safety_stock_usd_per_teu"] == pytest.approx(value * spread, abs=0.005)
        mean_cost = statistics.fmean(r["cost_usd_per_teu"] for r in ships)
        assert row["mean_cost_usd_per_teu"] == pytest.approx(
            mean_cost + value * spread, abs=0.01)
        for column in COST_COLUMNS:
            assert row[f"mean_{column}"] == pytest.approx(
                statistics.fmean(r[column] for r in ships), abs=0.005)
        assert sum(row[f"mean_{c}"] for c in COST_COLUMNS) + row[
            "cost_safety_stock_usd_per_teu"] == pytest.approx(row["mean_cost_usd_per_teu"],
                                                              abs=0.05)


def test_without_the_new_keys_the_cost_is_tariffs_fees_and_inventory(mini_result):
    """The mini scenario sets none of the new keys: no platform, repositioning,
    insurance or safety stock, and the mean cost is the shipments' mean."""
    for row in mini_result.shipments:
        assert row["cost_platform_usd_per_teu"] == 0.0
        assert row["cost_repositioning_usd_per_teu"] == 0.0
        assert row["cost_insurance_usd_per_teu"] == 0.0
        if row["route"] == "northern_main":
            assert row["freight_usd_per_teu"] == 1800 + 100 + 20
    for row in mini_result.tables["routes"]:
        if row["consignments_delivered"]:
            assert row["cost_safety_stock_usd_per_teu"] == 0.0


def targets(*entries: dict) -> Targets:
    return Targets.model_validate({"targets": list(entries)})


def test_a_section_target_takes_the_freight_between_two_nodes(priced):
    rows = calibration_rows(priced, targets(
        # east_border -> west_border: the 5,000 km leg at 0.3 + platform 0.01 x 5,000;
        # no node strictly between.
        {"id": "gauge", "what": "w", "band": [1549, 1551], "source": "s",
         "metric": {"statistic": "mean", "route": "northern_main",
                    "between": ["east_border", "west_border"]}},
        # hub -> europe: all legs (1,800 + 80 platform) and the borders' fees (20), not
        # the terminals' handling.
        {"id": "whole", "what": "w", "band": [1899, 1901], "source": "s",
         "metric": {"statistic": "median", "route": "northern_main",
                    "between": ["hub", "europe"]}},
        {"id": "ratio", "what": "w", "band": [0, 10], "source": "s",
         "ratio": [{"statistic": "mean", "route": "northern_main",
                    "between": ["hub", "europe"]},
                   {"statistic": "mean", "route": "middle_caspian",
                    "between": ["port_e", "port_w"]}]},
    ))
    by_id = {r["target"]: r for r in rows}
    assert by_id["gauge"]["model_mean"] == 1550.0 and by_id["gauge"]["passed"] == "yes"
    assert by_id["whole"]["model_mean"] == 1900.0 and by_id["whole"]["passed"] == "yes"
    assert by_id["ratio"]["model_mean"] == pytest.approx(1900 / 400)


def test_a_section_a_route_does_not_pass_is_an_error_naming_the_target(priced):
    with pytest.raises(RunError, match=r"target s1: route 'northern_main' does not pass "
                                       r"'port_e' and then 'port_w'"):
        calibration_rows(priced, targets(
            {"id": "s1", "what": "w", "band": [0, 1], "source": "s",
             "metric": {"statistic": "mean", "route": "northern_main",
                        "between": ["port_e", "port_w"]}}))
    with pytest.raises(RunError, match=r"target s2: route 'northern_main' does not pass "
                                       r"both nodes"):
        calibration_rows(priced, targets(
            {"id": "s2", "what": "w", "band": [0, 1], "source": "s",
             "metric": {"statistic": "mean", "between": ["port_e", "port_w"]}}))
    with pytest.raises(RunError, match=r"target s3: between: no node 'nowhere'"):
        calibration_rows(priced, targets(
            {"id": "s3", "what": "w", "band": [0, 1], "source": "s",
             "metric": {"statistic": "mean", "between": ["hub", "nowhere"]}}))


@pytest.mark.parametrize(("metric", "message"), [
    ({"statistic": "mean", "between": ["a", "b"], "of": ["cost_usd_per_teu"]},
     "give 'between' (a section's freight) or 'of', not both"),
    ({"statistic": "teu_per_year", "between": ["a", "b"]}, "not 'teu_per_year'"),
    ({"statistic": "mean", "between": ["a", "a"]}, "two different nodes"),
    ({"statistic": "mean", "of": ["cost_tips_usd_per_teu"]}, "a cost_*_usd_per_teu component"),
])
def test_bad_cost_metrics_are_refused(metric, message):
    with pytest.raises(ValueError, match=message.replace("*", r"\*").replace("(", r"\(")
                       .replace(")", r"\)")):
        targets({"id": "x", "what": "w", "band": [0, 1], "source": "s", "metric": metric})


def test_a_component_column_can_be_a_target(priced):
    rows = calibration_rows(priced, targets(
        {"id": "rep", "what": "w", "band": [719, 721], "source": "s",
         "metric": {"statistic": "mean", "route": "northern_main",
                    "of": ["cost_repositioning_usd_per_teu"]}}))
    assert rows[0]["model_mean"] == 720.0 and rows[0]["passed"] == "yes"


def test_a_bad_section_target_in_a_file_is_one_line_and_exit_2(tmp_path, capsys):
    from corridorsim.cli import main

    bad = tmp_path / "targets.yaml"
    bad.write_text("targets:\n  - id: x\n    what: y\n    band: [1, 2]\n    source: z\n"
                   "    metric: {statistic: mean, between: [hub], of: [transit_days]}\n")
    assert main(["calibrate", str(MINI), "--targets", str(bad), "-n", "1",
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "targets.yaml" in err and "targets.0.metric.between" in err
    assert not (tmp_path / "out").exists()


def test_the_fixed_components_are_in_the_cost_shippers_compare():
    """Platform, repositioning, insurance and compliance are money shippers pay: each
    option's fixed cost rises by its route's share of them (the sea by the insurance
    premium alone), its constant aside."""
    from corridorsim.model import CorridorModel

    choice_file = MINI.parent / "mini-choice.yaml"
    plain = CorridorModel(cs.load_scenario(choice_file), 0)
    priced = CorridorModel(cs.load_scenario(choice_file, COSTS), 0)
    rise = {o.name: p.fixed_usd_per_teu - o.fixed_usd_per_teu
            for o, p in zip(plain.choices["china_europe"].options,
                            priced.choices["china_europe"].options, strict=True)}
    # northern_main: platform 80 + repositioning 720 + insurance 130; middle_caspian:
    # 80 + 280 + 115; the sea: the premium, 0.002 x 50,000.
    assert rise == pytest.approx({"northern_main": 930.0, "middle_caspian": 475.0,
                                  "sea_suez": 100.0})
