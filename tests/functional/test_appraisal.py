"""Appraisals: a project against its reference on the same random numbers, valued.

By hand: a project identical to its reference has no benefit in any replication (the
same random numbers give the same runs), so its NPV is minus the discounted cost to the
cent, with no spread; the pairing makes the interval of a real project narrower than the
same runs paired at random; bad files are one line with exit 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import corridorsim as cs
from corridorsim.appraisal import (
    Appraisal,
    appraisal_of_runs,
    extrapolated,
    load_appraisal,
    yearly_costs,
)
from corridorsim.cli import main

MINI = Path(__file__).parent.parent / "scenarios" / "mini-corridor.yaml"


def appraisal_file(folder: Path, project: str = "mini-corridor.yaml", **changes) -> Path:
    """An appraisal of ``project`` (beside the mini corridor) against the mini corridor."""
    (folder / "mini-corridor.yaml").write_text(MINI.read_text(encoding="utf-8"))
    document = {
        "name": "mini-appraisal", "reference": "mini-corridor.yaml", "project": project,
        "replications": 3, "discount_rate": 0.1, "first_year": 2024, "last_year": 2026,
        "values": {"time_usd_per_teu_day": 20.0, "reliability_usd_per_teu_day": 10.0,
                   "co2_usd_per_tonne": {2024: 50.0, 2026: 70.0}},
        "investments": {"tracks": {"capital_usd": 1000.0, "year": 2024, "lifetime_years": 2,
                                   "operating_usd_per_year": 100.0, "country": "KZ"}}}
    document.update(changes)
    path = folder / "appraisal.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def faster_project(folder: Path) -> str:
    (folder / "faster.yaml").write_text(yaml.safe_dump({
        "extends": "mini-corridor.yaml", "name": "mini-faster",
        "borders": {"east_border": {"gauge_change": {"tracks": 4, "trains_per_day": 30}}}}))
    return "faster.yaml"


def test_a_project_identical_to_its_reference_is_worth_minus_its_discounted_cost(tmp_path):
    result = cs.appraise(appraisal_file(tmp_path))
    npv = result.value("result", "npv_usd")
    # 1,000 in 2024, 100 in 2025 (the second and last year of its life), nothing after.
    assert npv["mean"] == pytest.approx(-(1000 + 100 / 1.1), abs=0.005)
    assert npv["half_width"] == 0.0
    assert result.value("result", "benefit_cost_ratio")["mean"] == 0.0
    assert result.value("result", "eirr")["mean"] is None
    assert result.npv == pytest.approx([-(1000 + 100 / 1.1)] * 3)  # no benefit in any
    assert {r["mean"] for r in result.rows if r["section"] == "benefit"} == {0.0}


def test_the_pairing_narrows_the_interval_of_a_real_project(tmp_path):
    appraisal = load_appraisal(appraisal_file(tmp_path, faster_project(tmp_path)))
    reference = cs.run(cs.load_scenario(tmp_path / "mini-corridor.yaml"), replications=6,
                       seed=3)
    project = cs.run(cs.load_scenario(tmp_path / "faster.yaml"), replications=6, seed=3)
    paired = appraisal_of_runs(appraisal, reference, project)
    unpaired = appraisal_of_runs(appraisal, reference, project, pairing=1)
    p, u = paired.value("result", "npv_usd"), unpaired.value("result", "npv_usd")
    assert p["mean"] > 0  # faster gauge change: time saved
    assert p["half_width"] < 0.7 * u["half_width"], (p, u)


def test_costs_residual_values_and_extrapolation_by_hand():
    appraisal = Appraisal.model_validate({
        "name": "x", "reference": "a.yaml", "project": "b.yaml", "discount_rate": 0.05,
        "first_year": 2025, "last_year": 2029, "after_simulation": "grow",
        "growth_per_year": 0.1,
        "values": {"time_usd_per_teu_day": 1.0, "co2_usd_per_tonne": {2025: 40, 2035: 140}},
        "investments": {"hub": {"capital_usd": 900.0, "year": 2026, "lifetime_years": 9,
                                "operating_usd_per_year": 10.0, "country": "KZ"}}})
    rows = yearly_costs(appraisal)["hub"]
    # Capital in 2026; operating 2027-2029; its life runs to 2034: 5 of 9 years left at
    # the end of 2029, a residual value of 500.
    assert rows == [(0, 0, 0), (900.0, 0, 0), (0, 10.0, 0), (0, 10.0, 0), (0, 10.0, 500.0)]
    assert extrapolated([1.0, 2.0], 5, appraisal) == pytest.approx([1.0, 2.0, 2.2, 2.42, 2.662])
    assert appraisal.carbon_price(2030) == pytest.approx(90.0)
    assert appraisal.carbon_price(2020) == 40 and appraisal.carbon_price(2040) == 140


@pytest.mark.parametrize(("changes", "key", "phrase"), [
    ({"discount_rate": -0.02}, "discount_rate", "expected a number of at least 0"),
    ({"investments": {"x": {"capital_usd": 1, "year": 2031, "lifetime_years": 5,
                            "country": "KZ"}}},
     "investments.x.year", "2031 is outside the appraisal period (2024-2026)"),
    ({"investments": {"x": {"capital_usd": 1, "year": 2024, "lifetime_years": 5,
                            "country": "XX"}}}, "investments.x.country", "XX"),
])
def test_a_bad_appraisal_file_is_one_line_with_exit_code_2(tmp_path, capsys, changes, key,
                                                           phrase):
    path = appraisal_file(tmp_path, **changes)
    assert main(["appraise", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{path}: {key}: " in err and phrase in err, err
    assert not (tmp_path / "out").exists()


def test_a_project_on_another_network_is_refused(tmp_path, capsys):
    (tmp_path / "other.yaml").write_text(yaml.safe_dump({
        "extends": "mini-corridor.yaml", "name": "mini-other",
        "routes": {"middle_caspian": None}, "flows": {"china_europe": {
            "routes": {"northern_main": 1.0, "middle_caspian": None}}}}))
    path = appraisal_file(tmp_path, "other.yaml")
    assert main(["appraise", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{path}: project: does not match the reference's network: it lacks routes " \
           "middle_caspian" in err, err


def test_the_command_writes_appraisal_csv(tmp_path, capsys):
    path = appraisal_file(tmp_path, faster_project(tmp_path))
    assert main(["appraise", str(path), "-n", "2", "--workers", "1",
                 "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "appraisal.csv").read_text()
    assert text.splitlines()[0] == "section,item,year,country,mean,half_width,unit"
    assert "result,npv_usd" in text and "switching,capital_cost_factor" in text
    assert "npv_usd" in capsys.readouterr().out


def _flow(teu, days, spread=0.0, co2=0.0, rail=0.0, places=None, expected=None):
    from corridorsim.appraisal import FlowYear
    return FlowYear(teu=teu, mean_days=days, spread_days=spread, co2_tonnes=co2,
                    rail_days=rail, days_by_place=places or {}, expected_cost=expected)


def test_year_benefits_by_hand_flow_by_flow():
    from corridorsim.appraisal import year_benefits
    appraisal = Appraisal.model_validate({
        "name": "x", "reference": "a.yaml", "project": "b.yaml", "discount_rate": 0.05,
        "first_year": 2025, "last_year": 2026,
        "values": {"time_usd_per_teu_day": 10.0, "reliability_usd_per_teu_day": 4.0,
                   "rolling_stock_usd_per_teu_day": 2.0, "co2_usd_per_tonne": {2025: 100}},
        "investments": {"hub": {"capital_usd": 1.0, "year": 2025, "lifetime_years": 1,
                                "country": "KZ"}}})
    reference = {"a": _flow(100, 20, 5, co2=10, rail=12, places={"KZ": 8, "sea": 12}),
                 "b": _flow(50, 3, co2=1)}
    project = {"a": _flow(140, 18, 4, co2=13, rail=11, places={"KZ": 7, "sea": 11}),
               "c": _flow(10, 9, co2=0.5)}
    b = year_benefits(reference, project, appraisal, 2025)
    # Flow a on the rule of a half (120 TEU); b and c delivered in one run only: their CO2
    # counts, their time cannot be compared.
    assert b.by_type["time"] == pytest.approx(10 * 120 * 2)
    assert b.by_type["reliability"] == pytest.approx(4 * 120 * 1)
    assert b.by_type["operators"] == pytest.approx(2 * 120 * 1)
    assert b.by_type["co2"] == pytest.approx(100 * ((10 + 1) - (13 + 0.5)))
    assert b.by_type["consumer_surplus"] == 0.0
    assert b.time_by_place == pytest.approx({"KZ": 1200.0, "sea": 1200.0})
    assert sum(b.time_by_place.values()) == pytest.approx(b.by_type["time"])


def test_choosing_shippers_by_the_logsum_replace_their_measured_time():
    from corridorsim.appraisal import year_benefits
    appraisal = Appraisal.model_validate({
        "name": "x", "reference": "a.yaml", "project": "b.yaml", "discount_rate": 0.05,
        "first_year": 2025, "last_year": 2026, "choosing_shippers": "logsum",
        "values": {"time_usd_per_teu_day": 10.0, "co2_usd_per_tonne": {2025: 0}},
        "investments": {"hub": {"capital_usd": 1.0, "year": 2025, "lifetime_years": 1,
                                "country": "KZ"}}})
    reference = {"choosing": _flow(100, 30, expected=5000.0), "fixed": _flow(10, 20)}
    project = {"choosing": _flow(300, 25, expected=4900.0), "fixed": _flow(10, 19)}
    b = year_benefits(reference, project, appraisal, 2025)
    # Consumer surplus: 100 USD/TEU less expected cost on (100 + 300) / 2 TEU; the fixed
    # flow's day is measured.
    assert b.by_type["consumer_surplus"] == pytest.approx(100 * 200)
    assert b.by_type["time"] == pytest.approx(10 * 10 * 1)


def test_beneficiaries_and_places_add_up_and_background_cargo_counts(tmp_path):
    path = appraisal_file(tmp_path, faster_project(tmp_path), replications=3)
    everything = cs.appraise(path)
    reported = cs.appraise(load_appraisal(path).model_copy(update={"cargo": "reported"}),
                           source=path)
    pv = {t: everything.value("result", f"pv_{t}_usd")["mean"]
          for t in ("time", "reliability", "consumer_surplus", "operators", "co2")}
    shippers = everything.value("beneficiary", "shippers")["mean"]
    assert shippers == pytest.approx(pv["time"] + pv["reliability"] + pv["consumer_surplus"],
                                     abs=0.01)
    assert everything.value("beneficiary", "society")["mean"] == pytest.approx(pv["co2"],
                                                                              abs=0.01)
    paid = [r for r in everything.rows if r["section"] == "paid_by"]
    assert [(r["country"], r["mean"]) for r in paid] == [("KZ", pytest.approx(
        1000 + 100 / 1.1, abs=0.005))]
    # The mini corridor's background Caspian cargo crosses no border: counting it adds
    # TEU but no time saved at the border, so the time benefit per TEU falls, and the
    # manifest says which cargo was valued.
    assert everything.manifest["cargo"] == "all" and reported.manifest["cargo"] == "reported"
    assert everything.value("result", "npv_usd")["mean"] != reported.value(
        "result", "npv_usd")["mean"]


def test_the_report_of_an_appraisal_folder(tmp_path):
    pytest.importorskip("matplotlib")
    path = appraisal_file(tmp_path, faster_project(tmp_path))
    out = tmp_path / "out"
    assert main(["appraise", str(path), "-n", "2", "--workers", "1", "--out", str(out),
                 "--report", "--quiet"]) == 0
    page = (out / "report" / "index.html").read_text()
    assert "Appraisal: mini-appraisal" in page and "What the project is worth" in page
    assert "NPV USD" in page and "Who gains and who pays" in page
    data = (out / "report" / "appraisal-present-values.csv").read_text()
    assert data.splitlines()[0].startswith("item,mean_musd,half_width_musd")
    assert "NPV" in data


def test_a_saturated_reference_is_flagged_and_a_fast_payback_counted_by_hand():
    from corridorsim.appraisal import Run, appraisal_of_outcomes
    appraisal = Appraisal.model_validate({
        "name": "x", "reference": "a.yaml", "project": "b.yaml", "discount_rate": 0.05,
        "first_year": 2024, "last_year": 2025,
        "values": {"time_usd_per_teu_day": 1.0, "co2_usd_per_tonne": {2024: 0}},
        "investments": {"ships": {"capital_usd": 10.0, "year": 2024, "lifetime_years": 2,
                                  "country": "AE"}}})
    from corridorsim.appraisal import FlowYear

    def run(days: float, undelivered: float) -> Run:
        outcomes = {(r, y): {"f": FlowYear(100.0, days, 0.0, 0.0, 0.0, {}, None,
                                           undelivered if y == 2025 else 0.0)}
                    for r in range(3) for y in (2024, 2025)}
        return Run("s", "0", 1, 3, outcomes)

    # 2024: 100 TEU x 0.05 day saved x 1 USD = 5 against 10 of capital; 2025: 5 / 1.05.
    result = appraisal_of_outcomes(appraisal, run(3.0, 2.0), run(2.95, 0.0))
    assert result.value("result", "npv_usd")["mean"] == pytest.approx(-5 + 5 / 1.05, abs=1e-4)
    assert result.value("check", "reference_undelivered_share", 2025)["mean"] == \
        pytest.approx(2 / 102, abs=1e-4)
    assert result.manifest["saturated"] == {"reference": [2025]}
    assert "the reference is saturated in 2025" in result.warnings[0]
    # 100 TEU x 2 days = 200 a year against 210: -10, then +200: 1,900 % a year.
    dear = appraisal.model_copy(update={"investments": {
        "ships": appraisal.investments["ships"].model_copy(update={"capital_usd": 210.0})}})
    fast = appraisal_of_outcomes(dear, run(4.0, 0.0), run(2.0, 0.0))
    assert fast.value("result", "eirr")["mean"] is None
    assert fast.value("result", "eirr_above_max_pairs")["mean"] == 3
    assert fast.warnings == []


def test_validate_checks_an_appraisal_file_with_both_its_scenarios(tmp_path, capsys):
    path = appraisal_file(tmp_path, faster_project(tmp_path))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Appraisal mini-appraisal: project mini-faster against reference" in out
    assert "tracks USD 1,000 in 2024 (KZ" in out
    bad = appraisal_file(tmp_path, "missing.yaml")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{bad}: project: file 'missing.yaml' not found" in err and "\n" not in err
