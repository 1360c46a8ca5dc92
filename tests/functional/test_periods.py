"""``periods.csv`` of a year of the mini corridor cut into quarters: its columns, a row per
route and quarter, periods that add up to the run's totals, intervals across
replications, the option on the command line and in the API, and bad input refused."""

from __future__ import annotations

import csv
import math
import statistics
from pathlib import Path
from typing import Any

import pytest
from scipy import stats as scipy_stats

import corridorsim as cs
from corridorsim.cli import main
from corridorsim.experiment.replications import replicate
from corridorsim.report.periods import PERIOD_COLUMNS
from tests.conftest import MINI
from tests.functional.test_bad_input import (
    assert_nothing_written,
    assert_one_line_error,
    setting,
    write_scenario,
)

QUARTERS = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
YEAR_2024 = 366 * 24.0


@pytest.fixture(scope="module")
def year_scenario() -> cs.Scenario:
    return cs.load_scenario(MINI).with_overrides({"horizon": YEAR_2024})


@pytest.fixture(scope="module")
def year_result(year_scenario: cs.Scenario) -> cs.RunResult:
    return cs.run(year_scenario, replications=3, seed=5, period="quarter")


@pytest.fixture(scope="module")
def year_pieces(year_scenario: cs.Scenario) -> list[dict[str, list[dict[str, Any]]]]:
    """Each replication's own tables, its period rows included (what the run adds up as
    replications arrive and does not keep), run again one by one."""
    return [replicate(year_scenario, r, 5, period="quarter")[1] for r in range(3)]


@pytest.fixture(scope="module")
def year_folder(year_result: cs.RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return year_result.write(tmp_path_factory.mktemp("periods") / "year")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_periods_csv_has_its_columns_and_a_row_per_route_and_quarter(year_folder,
                                                                      year_result):
    with open(year_folder / "periods.csv", encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split(",")
    assert tuple(header) == PERIOD_COLUMNS
    rows = read_csv(year_folder / "periods.csv")
    routes = sorted({r["route"] for r in year_result.routes})
    assert routes == ["middle_caspian", "northern_main"]
    for scope, names in (("route", routes), ("corridor", ["middle", "northern"])):
        for name in names:
            mine = [r for r in rows if r["scope"] == scope and r["name"] == name]
            assert [r["period"] for r in mine] == QUARTERS
    first = next(r for r in rows if r["scope"] == "route")
    assert first["starts_at"] == "2024-01-11T00:00"  # the end of the 10-day warm-up
    assert first["ends_at"] == "2024-04-01T00:00" and first["days"] == "81.0"
    assert {r["replications"] for r in rows} == {"3"}
    stages = {r["name"] for r in rows if r["scope"] == "stage"}
    assert "west_border.gauge_change" in stages and "port_w.berths" in stages
    assert {r["kind"] for r in rows if r["name"] == "port_e"} == {"port"}


def test_the_periods_add_up_to_the_runs_consignments_and_teu(year_result, year_pieces):
    """Per replication and route: the consignments (and TEU) released in the quarters
    are the route's shipments, every one of them (released after the warm-up)."""
    pieces = [r for piece in year_pieces for r in piece["period_rows"]
              if r["scope"] == "route"]
    shipped: dict[tuple[int, str], list[int]] = {}
    for s in year_result.shipments:
        shipped.setdefault((s["replication"], s["route"]), []).append(s["teu"])
    assert [r for piece in year_pieces for r in piece["routes"]] == year_result.routes
    for route in year_result.routes:
        key = (route["replication"], route["route"])
        mine = [r for r in pieces if (r["replication"], r["name"]) == key]
        assert len(mine) == 4
        assert sum(r["consignments_released"] for r in mine) == len(shipped[key])
        assert sum(r["consignments_released"] for r in mine) == route["consignments_released"]
        assert sum(r["teu_released"] for r in mine) == sum(shipped[key])
        assert sum(r["consignments_delivered"] for r in mine) == \
            route["consignments_delivered"]
    # Across replications: the quarters' means add up to the year's mean.
    means = {r["name"]: r["mean"] for r in year_result.summary
             if r["scope"] == "route" and r["kpi"] == "consignments_released"}
    for name, mean in means.items():
        quarters = [r["consignments_released_mean"] for r in year_result.periods
                    if r["scope"] == "route" and r["name"] == name]
        assert math.fsum(quarters) == pytest.approx(mean, abs=1e-3)


def test_the_periods_of_nodes_and_stages_add_up_to_nodes_csv(year_result, year_pieces):
    """Services and visits add up to the window's; queue and utilisation, weighted by
    the periods' days (and servers), average to the window's (to rounding)."""
    pieces = [r for piece in year_pieces for r in piece["period_rows"]]
    for stage in year_result.stages:
        name = f"{stage['node']}.{stage['stage']}"
        mine = [r for r in pieces if r["scope"] == "stage" and r["name"] == name
                and r["replication"] == stage["replication"]]
        assert [r["period"] for r in mine] == QUARTERS
        days = sum(r["days"] for r in mine)
        assert sum(r["services"] for r in mine) == stage["services"]
        assert math.fsum(r["mean_queue"] * r["days"] for r in mine) / days == \
            pytest.approx(stage["mean_queue"], abs=2e-4)
        busy = math.fsum(r["utilisation"] * r["servers"] * r["days"] for r in mine)
        assert busy / (stage["servers"] * days) == pytest.approx(stage["utilisation"],
                                                                 abs=2e-4)
        assert all(0.0 <= r["utilisation"] <= 1.0 for r in mine)
    for node in year_result.nodes:
        mine = [r for r in pieces if r["scope"] == "node" and r["name"] == node["node"]
                and r["replication"] == node["replication"]]
        visits = node["vessel_calls"] if node["kind"] == "port" else node["throughput_trains"]
        assert sum(r["visits"] for r in mine) == visits
        stages = [r for r in pieces if r["scope"] == "stage"
                  and r["name"].startswith(f"{node['node']}.")
                  and r["replication"] == node["replication"]]
        for row in mine:
            same = [s["utilisation"] for s in stages if s["period"] == row["period"]]
            assert row["utilisation"] == max(same, default=0.0)


def test_the_interval_is_the_students_t_interval_across_replications(year_result,
                                                                     year_pieces):
    """By hand, from each replication's figure of one route and quarter (each
    replication run on its own)."""
    pieces = [r for piece in year_pieces for r in piece["period_rows"]
              if r["scope"] == "route" and r["name"] == "northern_main"
              and r["period"] == "2024-Q3"]
    row = next(r for r in year_result.periods
               if r["scope"] == "route" and r["name"] == "northern_main"
               and r["period"] == "2024-Q3")
    for kpi in ("median_transit_days", "p90_transit_days", "consignments_released"):
        values = [r[kpi] for r in sorted(pieces, key=lambda r: r["replication"])]
        assert len(values) == 3
        half = scipy_stats.t.ppf(0.975, 2) * statistics.stdev(values) / math.sqrt(3)
        assert row[f"{kpi}_mean"] == pytest.approx(statistics.fmean(values), abs=1e-4)
        assert row[f"{kpi}_halfwidth"] == pytest.approx(half, abs=1e-4)
        assert row[f"{kpi}_halfwidth"] > 0


def test_a_folder_read_back_has_the_same_periods(year_folder, year_result):
    again = cs.load_results(year_folder)
    assert again.period == "quarter"
    assert again.manifest()["period"] == "quarter"
    assert len(again.periods) == len(year_result.periods)
    row, back = year_result.periods[0], again.periods[0]
    assert back == row
    assert back["period"] == "2024-Q1" and back["year"] == 2024


def test_the_default_period_is_the_calendar_year(mini_result):
    """120 days of 2024: one period, 2024, per route."""
    rows = [r for r in mini_result.periods if r["scope"] == "route"]
    assert [r["period"] for r in rows] == ["2024-A1", "2024-A1"]
    assert mini_result.period == "year"


def test_the_command_line_writes_and_prints_the_periods_asked_for(tmp_path, capsys):
    out = tmp_path / "months"
    assert main(["run", str(MINI), "--period", "month", "-n", "2", "-w", "1",
                 "--out", str(out)]) == 0
    rows = read_csv(out / "periods.csv")
    months = [r["period"] for r in rows if r["scope"] == "route"
              and r["name"] == "northern_main"]
    assert months == ["2024-01", "2024-02", "2024-03", "2024-04"]  # 11 Jan to 30 Apr
    printed = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(printed) if line.startswith("month "))
    assert printed[header].split() == ["month", "northern", "released", "northern", "median",
                                       "northern", "p90", "middle", "released", "middle",
                                       "median", "middle", "p90"]
    assert [line.split()[0] for line in printed[header + 2:header + 6]] == months
    jan = next(r for r in rows if r["scope"] == "corridor" and r["name"] == "northern"
               and r["period"] == "2024-01")
    assert printed[header + 2].split()[1:5] == [
        f"{float(jan['consignments_released_mean']):.1f}",
        f"{float(jan['median_transit_days_mean']):.1f}", "±",
        f"{float(jan['median_transit_days_halfwidth']):.1f}"]


def test_a_run_of_one_period_prints_no_period_table(tmp_path, capsys):
    assert main(["run", str(MINI), "-n", "1", "-w", "1", "--out", str(tmp_path / "o")]) == 0
    assert "released per replication" not in capsys.readouterr().out


def test_a_bad_period_on_the_command_line_is_one_line_with_exit_code_2(
        tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_scenario(tmp_path, None, name="ok.yaml")
    out = tmp_path / "out"
    code = main(["run", str(path), "--period", "week", "--out", str(out), "-n", "1"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    line = assert_one_line_error(captured.err, path, None, [])
    assert line == (f"corridorsim: error: {path}: --period: expected one of month, "
                    "quarter, year, got 'week'")
    assert_nothing_written(tmp_path, {path.name})


def test_a_bad_period_in_the_api_is_refused_before_anything_runs(mini_scenario):
    with pytest.raises(cs.RunError, match=r"^period: expected one of month, quarter, "
                                          r"year, got 'years'$"):
        cs.run(mini_scenario, replications=1, period="years")


@pytest.mark.parametrize(("value", "expected"), [
    (1.5, "expected a number of at most 1, got 1.5"),
    (-0.6, "expected a number of at least -0.5, got -0.6"),
    ("fast", "expected a number, got 'fast'"),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_bad_growth_rate_is_one_line_with_exit_code_2(command, value, expected, tmp_path,
                                                        capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_scenario(tmp_path, setting("flows.china_europe.growth_per_year", value))
    argv = [command, str(path)] + (["--out", str(tmp_path / "out"), "-n", "1"]
                                   if command == "run" else [])
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, path, "flows.china_europe.growth_per_year",
                          [expected])
    assert_nothing_written(tmp_path, {path.name})


def test_growth_shows_in_the_consignments_released_per_year(tmp_path):
    """November 2024 to February 2025 at 50 % growth: the daily releases of January and
    February are 1.5 times those of November and December (within 4 Poisson standard
    errors of the ratio, over 3 replications of a flow of 30 trains a week)."""
    scenario = cs.load_scenario(MINI).with_overrides({
        "start_date": "2024-11-01", "warmup": 0.0, "horizon": 120 * 24.0,
        "flows.china_europe.growth_per_year": 0.5, "closures": None})
    result = cs.run(scenario, replications=3, seed=5, period="year")
    rows: dict[int, Any] = {r["year"]: r for r in result.periods
                            if r["scope"] == "corridor" and r["name"] == "northern"}
    rows_middle = {r["year"]: r for r in result.periods
                   if r["scope"] == "corridor" and r["name"] == "middle"}
    per_day = {y: (rows[y]["consignments_released_mean"]
                   + rows_middle[y]["consignments_released_mean"]) / rows[y]["days"]
               for y in (2024, 2025)}
    assert [rows[y]["period"] for y in (2024, 2025)] == ["2024-A1", "2025-A1"]
    assert rows[2024]["days"] == 61.0 and rows[2025]["days"] == 59.0
    expected = {2024: 30 / 7 * 61 * 3, 2025: 30 / 7 * 1.5 * 59 * 3}  # over 3 reps
    se = 1.5 * math.sqrt(1 / expected[2024] + 1 / expected[2025])
    assert per_day[2025] / per_day[2024] == pytest.approx(1.5, abs=4 * se)


def test_results_readme_documents_every_column_of_periods_csv():
    text = (Path(__file__).parents[2] / "results" / "README.md").read_text(encoding="utf-8")
    section = text.split("## periods.csv", 1)[1].split("\n## ", 1)[0]
    for column in PERIOD_COLUMNS:
        kpi = column.removesuffix("_mean").removesuffix("_halfwidth")
        assert f"`{kpi}`" in section, column
    assert "`<kpi>_mean`" in section and "`<kpi>_halfwidth`" in section
    assert "`period`" in text.split("## manifest.json", 1)[1]


def test_the_report_shows_transit_by_period_only_for_several_periods(year_folder, tmp_path):
    pytest.importorskip("matplotlib", reason="the plots extra is not installed")
    page = cs.write_report(year_folder)
    figure = year_folder / "report" / "transit_by_period.csv"
    assert figure.is_file() and 'id="transit_by_period"' in page.read_text(encoding="utf-8")
    rows = read_csv(figure)
    assert [r["period"] for r in rows if r["corridor"] == "northern"] == QUARTERS
    one_year = cs.run(cs.load_scenario(MINI), replications=2, seed=5).write(tmp_path / "one")
    cs.write_report(one_year)
    assert not (one_year / "report" / "transit_by_period.csv").exists()
