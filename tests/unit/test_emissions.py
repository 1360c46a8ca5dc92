"""Emissions by ISO 14083 / GLEC: a route's WTW and TTW per TEU by hand, the factor file's
citations, bad input in one line, and scenarios without ``costs.emissions`` unchanged."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml

import corridorsim as cs
from corridorsim.cli import main
from corridorsim.emission_factors import (
    EmissionFactorError,
    packaged_factors,
    read_factors,
)
from corridorsim.emissions import route_emissions
from corridorsim.network import route_economics

SCENARIOS = Path(__file__).parent.parent / "scenarios"
MINI_EMISSIONS = SCENARIOS / "mini-emissions.yaml"
FACTOR_FILE = Path(cs.__file__).parent / "data" / "emission_factors.yaml"

# The factor file's values, restated so that a changed factor fails here on purpose.
KWH, DIESEL_TTW, DIESEL_WTW = 0.0323, 0.0246, 0.0289
GRID = {"CN": 0.582, "KZ": 0.65, "RU": 0.35, "PL": 0.662}
ELECTRIFIED = {"CN": 0.75, "KZ": 0.40, "RU": 0.50, "PL": 0.90}
ROPAX_5000_TTW, ROPAX_5000_WTW = 0.1664, 0.1953
RAIL_TERMINAL, SEAPORT = 7.0, 10.0           # kg per container, WTW = TTW
TONNES = 10.0 + 0.25 * 2.0                    # a loaded TEU and a quarter of an empty box
BOXES = (1 + 0.25) / 2                        # containers handled per loaded TEU (FEU)


def rail(country: str, km: float, share: float | None = None) -> tuple[float, float]:
    """WTW and TTW kg per loaded TEU of a rail leg, by hand."""
    s = ELECTRIFIED[country] if share is None else share
    wtw = s * KWH * GRID[country] + (1 - s) * DIESEL_WTW
    return TONNES * km * wtw, TONNES * km * (1 - s) * DIESEL_TTW


def total(*parts: tuple[float, float]) -> tuple[float, float]:
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


@pytest.fixture(scope="module")
def scenario() -> cs.Scenario:
    return cs.load_scenario(MINI_EMISSIONS)


def test_northern_route_by_hand_to_the_gram(scenario):
    handled = BOXES * 4 * RAIL_TERMINAL  # hub, two gauge changes, europe; none at the station
    wtw, ttw = total(rail("CN", 2000), rail("KZ", 2500), rail("RU", 2500), rail("PL", 1000),
                     (handled, handled))
    got = route_emissions(scenario, scenario.routes["northern_main"])
    assert got.wtw_kg_per_teu == pytest.approx(wtw, abs=5e-4)
    assert got.ttw_kg_per_teu == pytest.approx(ttw, abs=5e-4)
    assert round(wtw, 3) == 1901.027 and round(ttw, 3) == 882.805  # the hand sum itself


def test_middle_route_with_a_diesel_branch_and_a_ropax_crossing_by_hand(scenario):
    sea = (TONNES * 450 * ROPAX_5000_WTW, TONNES * 450 * ROPAX_5000_TTW)
    handled = BOXES * (3 * RAIL_TERMINAL + 2 * SEAPORT)  # hub, gauge change, europe; 2 ports
    wtw, ttw = total(rail("CN", 2000), rail("KZ", 2500, share=0.0), sea, rail("PL", 3500),
                     (handled, handled))
    got = route_emissions(scenario, scenario.routes["middle_caspian"])
    assert got.wtw_kg_per_teu == pytest.approx(wtw, abs=5e-4)
    assert got.ttw_kg_per_teu == pytest.approx(ttw, abs=5e-4)
    # Electric traction has no tank-to-wheel emissions: TTW is below WTW on every route.
    assert got.ttw_kg_per_teu < got.wtw_kg_per_teu


def test_a_legs_own_factor_stands_for_both_wtw_and_ttw(scenario):
    own = scenario.with_overrides({"legs.west-europe.co2_kg_per_teu_km": 0.05})
    before = route_emissions(scenario, scenario.routes["northern_main"])
    after = route_emissions(own, own.routes["northern_main"])
    leg_before = rail("PL", 1000)
    leg_after = 0.05 * 1000 * TONNES / 10.0  # per loaded TEU-km, the empty box pro rata
    assert after.wtw_kg_per_teu - before.wtw_kg_per_teu == pytest.approx(
        leg_after - leg_before[0], abs=5e-4)
    assert after.ttw_kg_per_teu - before.ttw_kg_per_teu == pytest.approx(
        leg_after - leg_before[1], abs=5e-4)


def test_co2_is_the_wtw_figure_under_the_standard_and_distance_x_factor_without(scenario):
    econ = route_economics(scenario, scenario.routes["northern_main"])
    assert econ.co2e is not None and econ.co2_kg_per_teu == econ.co2e.wtw_kg_per_teu
    plain = cs.load_scenario(SCENARIOS / "mini-countries.yaml")
    econ = route_economics(plain, plain.routes["northern_main"])
    assert econ.co2e is None
    assert econ.co2_kg_per_teu == pytest.approx(0.02 * (2000 + 2500 + 2500 + 1000))


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_run_writes_wtw_and_ttw_and_says_which_standard(tmp_path, scenario):
    result = cs.run(scenario.with_overrides({"horizon": "40d"}), replications=1, seed=3)
    out = result.write(tmp_path / "run")
    expected = {r: route_emissions(scenario, p) for r, p in scenario.routes.items()}
    rows = read(out / "shipments.csv")
    assert rows
    for row in rows:
        e = expected[row["route"]]
        assert float(row["co2e_wtw_kg_per_teu"]) == round(e.wtw_kg_per_teu, 2)
        assert float(row["co2e_ttw_kg_per_teu"]) == round(e.ttw_kg_per_teu, 2)
        assert row["co2_kg_per_teu"] == row["co2e_wtw_kg_per_teu"]
    routes = {r["route"]: r for r in read(out / "routes.csv")}
    assert float(routes["northern_main"]["mean_co2e_ttw_kg_per_teu"]) == round(
        expected["northern_main"].ttw_kg_per_teu, 2)
    kpis = {(r["name"], r["kpi"]) for r in read(out / "summary.csv")}
    assert ("northern_main", "mean_co2e_wtw_kg_per_teu") in kpis
    manifest = result.manifest()["emissions"]
    assert manifest["standard"] == "ISO 14083:2023 / GLEC Framework v3.0"
    assert manifest["method"] == "glec" and len(manifest["factors_sha256"]) == 64


def test_without_the_standard_the_new_columns_are_empty_and_the_summary_unchanged(tmp_path):
    plain = cs.load_scenario(SCENARIOS / "mini-countries.yaml").with_overrides(
        {"horizon": "40d"})
    result = cs.run(plain, replications=1, seed=3)
    out = result.write(tmp_path / "run")
    rows = read(out / "shipments.csv")
    assert rows and all(r["co2e_wtw_kg_per_teu"] == r["co2e_ttw_kg_per_teu"] == ""
                        for r in rows)
    assert not any("co2e" in r["kpi"] for r in read(out / "summary.csv"))
    assert not any("co2e" in r["kpi"] for r in read(out / "comparison.csv"))
    assert result.manifest()["emissions"]["standard"] is None


# --- the factor file ------------------------------------------------------------------


def _factors(node: Any, key: str = "") -> list[tuple[str, Any]]:
    """Every mapping of the raw file that holds a number, with its key path."""
    found = []
    if isinstance(node, dict):
        if any(isinstance(v, int | float) and not isinstance(v, bool) for v in node.values()):
            found.append((key, node))
        for k, v in node.items():
            found += _factors(v, f"{key}.{k}" if key else str(k))
    return found


def test_every_factor_of_the_packaged_file_has_a_source():
    raw = yaml.safe_load(FACTOR_FILE.read_text(encoding="utf-8"))
    factors = _factors(raw)
    assert len(factors) > 30  # payload, rail, 13 countries x 2, vessel classes, handling
    for key, factor in factors:
        assert str(factor.get("source", "")).strip(), key
    assert packaged_factors().standard == "ISO 14083:2023 / GLEC Framework v3.0"


@pytest.mark.parametrize(("path", "value", "expected"), [
    (("countries", "KZ", "grid_kg_per_kwh", "source"), None, "countries.KZ.grid_kg_per_kwh.source"),
    (("vessel_classes", "ropax_lt_2000_gt", "source"), "  ", "vessel_classes.ropax_lt_2000_gt"),
    (("rail", "diesel_ttw_kg_per_tkm", "value"), -1, "rail.diesel_ttw_kg_per_tkm.value"),
])
def test_a_factor_without_a_source_or_with_a_bad_value_is_refused(tmp_path, path, value,
                                                                  expected):
    raw = yaml.safe_load(FACTOR_FILE.read_text(encoding="utf-8"))
    target = raw
    for part in path[:-1]:
        target = target[part]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    broken = tmp_path / "factors.yaml"
    broken.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(EmissionFactorError) as caught:
        read_factors(broken)
    message = str(caught.value)
    assert message.startswith(f"{broken}: {expected}") and "\n" not in message
    if path[-1] == "source":
        assert "expected a non-empty source" in message


# --- bad scenarios: one line, the key path, exit 2 ----------------------------------------


@pytest.mark.parametrize(("extra", "key_path", "expected"), [
    ({"vessel_services": {"feeder": {"emission_class": "ropax_huge"}}},
     "vessel_services.feeder.emission_class", "expected a vessel class of the emission factor"),
    ({"vessel_services": {"feeder": {"emission_class": None}}},
     "vessel_services.feeder.emission_class", "costs.emissions needs the vessel class"),
    ({"legs": {"hub-east": {"country": "FI"}}},
     "legs.hub-east.country", "has no factors for 'FI'"),
    ({"costs": {"emissions": {"method": "glec", "empty_teu_per_loaded_teu": 2}}},
     "costs.emissions.empty_teu_per_loaded_teu", "expected a number of at most 1"),
    ({"costs": {"emissions": {"method": "defra"}}}, "costs.emissions.method", "'glec'"),
    ({"costs": {"emissions": {"method": "glec", "empty_share": 0.1}}},
     "costs.emissions.empty_share", ""),
])
def test_bad_emission_settings_are_one_line_naming_the_key(tmp_path, capsys, extra, key_path,
                                                           expected):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"extends": str(MINI_EMISSIONS), **extra}),
                    encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"corridorsim: error: {path}: {key_path}"), err
    assert expected in err, err
    assert "Traceback" not in err


def test_the_reports_co2_label_names_the_standard_of_the_run():
    from corridorsim.report.figures import co2_axis_label, emissions_standard

    glec = {"method": "glec", "standard": "ISO 14083:2023 / GLEC Framework v3.0"}
    standard = emissions_standard({"emissions": glec})
    assert standard == "ISO 14083:2023 / GLEC Framework v3.0"
    assert co2_axis_label(standard) == "CO2e WTW (kg per TEU, ISO 14083 / GLEC Framework v3.0)"
    assert emissions_standard({"emissions": {"method": "distance_x_factor",
                                             "standard": None}}) is None
    assert emissions_standard({}) is None  # a folder written before the standard
    assert co2_axis_label(None) == "CO2 (kg per TEU)"


def test_the_factor_file_is_package_data_so_that_it_installs():
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text(
        encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["corridorsim"]
    assert any(FACTOR_FILE.relative_to(FACTOR_FILE.parents[1]).match(p) for p in patterns)
