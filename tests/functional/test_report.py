"""corridorsim report: a page and figures for every kind of results folder, whose numbers
are the folder's numbers, byte-identical for the same results, and one-line errors.

The folders come from the mini corridor (a replication takes a fraction of a second);
the browser test of the page is in test_report_browser.py.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sys
from pathlib import Path
from statistics import mean, median
from typing import Any

import pytest
import yaml

from corridorsim.cli import main
from corridorsim.report.results_reader import cell_value

pytest.importorskip("matplotlib")

TESTS = Path(__file__).parent.parent
MINI = TESTS / "scenarios" / "mini-corridor.yaml"
COUNTRIES = TESTS / "scenarios" / "mini-countries.yaml"
CHOICE = TESTS / "scenarios" / "mini-choice.yaml"


def read(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [{k: cell_value(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def run_cli(*args: str) -> int:
    return main([*args])


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One folder of each kind, each with its report."""
    root = tmp_path_factory.mktemp("report")
    out = {"run": root / "run", "variant": root / "variant", "calibrate": root / "calibrate",
           "compare": root / "compare", "sweep": root / "sweep",
           "sensitivity": root / "sensitivity"}
    assert run_cli("run", str(COUNTRIES), "-n", "3", "--seed", "4", "-w", "1", "-q",
                   "--out", str(out["run"]), "--report") == 0
    assert run_cli("run", str(COUNTRIES), "-n", "3", "--seed", "4", "-w", "1", "-q",
                   "--out", str(out["variant"]), "--set", "vessel_services.feeder.vessels=4",
                   ) == 0
    targets = root / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": [
        {"id": "middle_median", "what": "Middle median days", "band": [10, 60],
         "source": "test", "metric": {"statistic": "median", "corridor": "middle"}},
        {"id": "northern_median", "what": "Northern median days", "band": [1, 2],
         "source": "test", "metric": {"statistic": "median", "corridor": "northern"}}]}))
    assert run_cli("calibrate", str(MINI), "-n", "2", "-w", "1", "-q", "--targets",
                   str(targets), "--out", str(out["calibrate"]), "--report") == 1
    assert run_cli("compare", str(out["run"]), str(out["variant"]), "-q",
                   "--out", str(out["compare"])) == 0
    sweep = root / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({
        "name": "mini-sweep", "base": os.path.relpath(MINI, root), "replications": 2,
        "seed": 5, "factors": {
            "digitization": {"keys": ["borders.east_border.customs.digitization"],
                             "values": [0.0, 0.5, 1.0]},
            "vessels": {"keys": ["vessel_services.feeder.vessels"], "values": [2, 3, 4]}}}))
    assert run_cli("sweep", str(sweep), "--serial", "-q", "--out", str(out["sweep"])) == 0
    if pytest.importorskip("SALib"):
        sens = root / "sens.yaml"
        sens.write_text(yaml.safe_dump({
            "name": "mini-sens", "base": os.path.relpath(MINI, root), "replications": 1,
            "seed": 5, "design": {"kind": "morris", "trajectories": 4},
            "factors": {"vessels": {"keys": ["vessel_services.feeder.vessels"],
                                    "range": [2, 5], "integer": True},
                        "fee": {"keys": ["borders.east_border.customs_fee_usd_per_teu"],
                                "range": [10, 100]}}}))
        assert run_cli("sensitivity", str(sens), "--serial", "-q",
                       "--out", str(out["sensitivity"])) == 0
    for kind in ("variant", "compare", "sweep", "sensitivity"):
        assert run_cli("report", str(out[kind]), "-q") == 0
    return out


def figure_names(folder: Path) -> list[str]:
    page = (folder / "report" / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<section id="([a-z0-9_]+)">', page)


def test_each_folder_kind_gets_its_figures(folders: dict[str, Path]) -> None:
    assert figure_names(folders["run"]) == [
        "transit_distribution", "days_by_activity", "days_by_country", "days_by_segment",
        "transit_by_month", "shares_by_month", "node_congestion", "queue_levels",
        "cost_co2"]
    assert figure_names(folders["calibrate"]) == [  # the mini corridor: no countries
        "calibration", "transit_distribution", "days_by_activity", "transit_by_month",
        "shares_by_month", "node_congestion", "queue_levels", "cost_co2"]
    assert figure_names(folders["compare"]) == ["comparison_forest"]
    assert figure_names(folders["sweep"]) == ["gap_map", "gap_curves"]
    assert figure_names(folders["sensitivity"])[0] == "sensitivity"


def test_every_figure_is_embedded_with_its_png_and_numbers(folders: dict[str, Path]) -> None:
    for kind in ("run", "calibrate", "compare", "sweep", "sensitivity"):
        report = folders[kind] / "report"
        page = (report / "index.html").read_text(encoding="utf-8")
        assert "<script" not in page and "http://" not in page and "https://" not in page
        images = re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
        names = figure_names(folders[kind])
        assert len(images) == len(names) > 0
        for name in names:
            assert (report / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert read(report / f"{name}.csv"), name
        manifest = json.loads((report / "manifest.json").read_text())
        assert manifest["folder_kind"] == "report" and manifest["report_of"] in (
            "run", "calibrate", "compare", "sweep")
        assert sorted(manifest["files"]) == sorted(p.name for p in report.iterdir()
                                                   if p.name != "manifest.json")


def test_the_page_opens_with_the_answer_and_says_what_the_bands_are(folders):
    page = (folders["run"] / "report" / "index.html").read_text(encoding="utf-8")
    answer = re.search(r'<p class="answer">(.*?)</p>', page, re.S)
    assert answer and "Middle Corridor" in answer.group(1)
    summary = read(folders["run"] / "summary.csv")
    comparison = read(folders["run"] / "comparison.csv")
    gap = next(r for r in comparison if r["scope"] == "all"
               and r["kpi"] == "median_transit_days") if any(
        r["scope"] == "all" for r in comparison) else None
    if gap is not None and gap["significant"] == "yes":
        assert f"{abs(gap['difference']):.1f}" in answer.group(1)
    assert "3 replications" in page and "95 % interval" in page
    assert summary
    compare = (folders["compare"] / "report" / "index.html").read_text(encoding="utf-8")
    assert "Run B (" in compare and "median transit changes by" in compare
    assert "B: mini-countries, with vessel_services.feeder.vessels=4" in compare
    assert "Other route" not in compare
    calibrate = (folders["calibrate"] / "report" / "index.html").read_text(encoding="utf-8")
    assert "1 of 2 published targets are met" in calibrate


# --- the numbers behind each figure are the folder's numbers ---------------------------------


def summary_of(folder: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["scope"], r["name"], r["kpi"]): r for r in read(folder / "summary.csv")}


def test_where_the_days_go_is_summary_csv(folders: dict[str, Path]) -> None:
    look = summary_of(folders["run"])
    rows = read(folders["run"] / "report" / "days_by_activity.csv")
    assert rows
    for r in rows:
        stem = r["part"].replace(" ", "_")
        s = look[("route", r["route"], f"mean_days_{stem}")]
        assert (r["mean_days"], r["ci_low"], r["ci_high"]) == (s["mean"], s["ci_low"],
                                                               s["ci_high"])
    for route in {r["route"] for r in rows}:  # the parts add up to the transit time
        total = sum(r["mean_days"] for r in rows if r["route"] == route)
        assert total == pytest.approx(look[("route", route, "mean_transit_days")]["mean"],
                                      abs=0.01)
    countries = read(folders["run"] / "report" / "days_by_country.csv")
    assert {r["part"] for r in countries} >= {"KZ", "sea"}
    for r in countries:
        s = look[("country", f"{r['route']}:{r['part']}", "mean_days")]
        assert r["mean_days"] == s["mean"]


def test_the_transit_distribution_is_shipments_csv(folders: dict[str, Path]) -> None:
    shipments = read(folders["run"] / "shipments.csv")
    rows = read(folders["run"] / "report" / "transit_distribution.csv")
    backlog = False
    for route in {r["route"] for r in rows}:
        released = [s["transit_days"] for s in shipments if s["route"] == route]
        days = [d for d in released if d is not None]
        grid = [r for r in rows if r["route"] == route]
        # Consignments still travelling never count as delivered: the curve ends at the
        # share delivered, below 1 on a route with a backlog.
        assert grid[-1]["share_delivered"] == pytest.approx(len(days) / len(released),
                                                            abs=1e-4)
        backlog |= len(days) < len(released)
        assert grid[0]["share_delivered"] < grid[-1]["share_delivered"]
        for r in grid[::10]:
            within = sum(d <= r["days"] for d in days) / len(released)
            assert r["share_delivered"] == pytest.approx(within, abs=1e-4)
            assert r["ci_low"] <= r["share_delivered"] + 0.35  # pooled vs mean of shares
            assert 0.0 <= r["ci_low"] <= r["ci_high"] <= 1.0
    assert backlog  # the mini corridor leaves some still travelling: the case is covered


def test_transit_by_month_is_the_mean_of_monthly_medians(folders: dict[str, Path]) -> None:
    shipments = read(folders["run"] / "shipments.csv")
    rows = read(folders["run"] / "report" / "transit_by_month.csv")
    assert rows
    for r in rows[:6]:
        medians = []
        for rep in range(3):
            days = [s["transit_days"] for s in shipments if s["replication"] == rep
                    and s["corridor"] == r["corridor"] and s["transit_days"] is not None
                    and s["released_at"].startswith(r["month"])]
            if days:
                medians.append(median(days))
        assert r["median_transit_days"] == pytest.approx(mean(medians), abs=1e-4)


def test_shares_by_month_is_shares_csv(folders: dict[str, Path]) -> None:
    shares = read(folders["run"] / "shares.csv")
    rows = read(folders["run"] / "report" / "shares_by_month.csv")
    assert {r["option"] for r in rows} == {"northern_main", "middle_caspian"}
    for r in rows:
        values = [s["share"] for s in shares if s["flow"] == r["flow"]
                  and s["option"] == r["option"] and s["month"] == r["month"]]
        assert r["share"] == pytest.approx(mean(values), abs=1e-4)
        assert 0.0 <= r["ci_low"] <= r["share"] <= r["ci_high"] <= 1.0
        assert r["choosing"] == "no"  # the mini corridor's flow has fixed shares


@pytest.fixture(scope="module")
def choice_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shippers who choose, with the works on the Northern route moved to 60 days after
    the warm-up; the horizon just after them (a replication of 75 days)."""
    out = tmp_path_factory.mktemp("choice") / "run"
    assert run_cli("run", str(CHOICE), "-n", "2", "-w", "1", "-q", "--out", str(out),
                   "--set", "horizon=75d", "--set", "closures.works.start=2024-03-12",
                   "--set", "closures.works.end=2024-03-15", "--report") == 0
    return out


def test_a_choice_run_shows_shares_and_what_the_closure_diverted(choice_run: Path) -> None:
    report = choice_run / "report"
    assert "shares_by_month" in figure_names(choice_run)
    page = (report / "index.html").read_text(encoding="utf-8")
    statement = re.search(r'<p class="statement">(.*?)</p>', page, re.S)
    assert statement and statement.group(1).startswith(
        "During works (2024-03-12 to 2024-03-15), the northern_main (Northern) option of "
        "china_europe took ")
    assert "the sea_suez (sea) option took" in statement.group(1)
    assert "Shaded spans: the dated closures (works)" in page
    with open(report / "shares_by_month.csv", encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == ["flow", "choosing", "option", "corridor",
                                            "month", "replications", "mean_teu", "share",
                                            "ci_low", "ci_high"]
    shares = read(report / "shares_by_month.csv")
    assert {(r["option"], r["corridor"], r["choosing"]) for r in shares} == {
        ("northern_main", "northern", "yes"), ("middle_caspian", "middle", "yes"),
        ("sea_suez", "sea", "yes")}
    diverted = read(report / "diverted_teu.csv")
    assert [r["option"] for r in diverted] == ["northern_main", "middle_caspian", "sea_suez"]
    assert [r["closed_route"] for r in diverted] == ["yes", "no", "no"]
    assert sum(r["diverted_teu"] for r in diverted) == pytest.approx(0.0, abs=0.05)
    # The first option's number again from shipments.csv, replication by replication.
    shipments = read(choice_run / "shipments.csv")
    values = []
    for rep in (0, 1):
        def teu(first: str, last: str, route: str | None = None, rep: int = rep) -> int:
            return sum(s["teu"] for s in shipments if s["replication"] == rep
                       and first <= s["released_at"] < last
                       and (route is None or s["route"] == route))
        share = teu("2024-01-12", "2024-03-12", "northern_main") / teu("2024-01-12",
                                                                         "2024-03-12")
        during = ("2024-03-12", "2024-03-15")
        values.append(teu(*during, "northern_main") - share * teu(*during))
    assert diverted[0]["diverted_teu"] == pytest.approx(mean(values), abs=0.01)
    assert "Diverted TEU during each closure" in page and "diverted_teu.csv" in page
    assert (report / "diverted_teu.csv").read_bytes()


def test_congestion_is_sorted_and_from_summary_csv(folders: dict[str, Path]) -> None:
    look = summary_of(folders["run"])
    rows = read(folders["run"] / "report" / "node_congestion.csv")
    assert [r["utilisation"] for r in rows] == sorted((r["utilisation"] for r in rows),
                                                      reverse=True)
    for r in rows:
        assert r["utilisation"] == look[(r["scope"], r["name"], "utilisation")]["mean"]
        assert r["mean_wait_hours"] == look[(r["scope"], r["name"], "mean_wait_hours")]["mean"]


def test_queue_levels_are_timeseries_csv(folders: dict[str, Path]) -> None:
    series = {(r["node"], r["day"]): r for r in read(folders["run"] / "timeseries.csv")
              if r["stage"] is None}
    rows = read(folders["run"] / "report" / "queue_levels.csv")
    assert {r["quantity"] for r in rows} == {"queue", "yard_teu"}
    for r in rows:
        source = series[(r["node"], r["day"])]
        assert r["mean"] == source[f"mean_{r['quantity']}"]
        assert r["max"] == source[f"max_{r['quantity']}"]


def test_cost_and_co2_are_summary_csv(folders: dict[str, Path]) -> None:
    look = summary_of(folders["run"])
    for r in read(folders["run"] / "report" / "cost_co2.csv"):
        assert r["cost_usd_per_teu"] == look[("route", r["route"],
                                              "mean_cost_usd_per_teu")]["mean"]
        assert r["co2_kg_per_teu"] == look[("route", r["route"], "mean_co2_kg_per_teu")]["mean"]


def test_the_forest_plot_is_scenario_comparison_csv(folders: dict[str, Path]) -> None:
    source = {(r["scope"], r["name"], r["kpi"]): r
              for r in read(folders["compare"] / "scenario_comparison.csv")}
    rows = read(folders["compare"] / "report" / "comparison_forest.csv")
    assert {r["kpi"] for r in rows} >= {"median_transit_days", "p90_transit_days"}
    for r in rows:
        s = source[(r["scope"], r["name"], r["kpi"])]
        assert (r["difference"], r["ci_low"], r["ci_high"], r["significant"]) == (
            s["difference"], s["ci_low"], s["ci_high"], s["significant"])


def test_the_gap_map_is_sweep_csv(folders: dict[str, Path]) -> None:
    gaps = {r["point"]: r for r in read(folders["sweep"] / "sweep.csv")
            if r["scope"] == "gap" and r["kpi"] == "median_transit_days"}
    rows = read(folders["sweep"] / "report" / "gap_map.csv")
    assert len(rows) == len(gaps) == 9
    for r in rows:
        assert r["gap_days"] == gaps[r["point"]]["mean"]
    curves = read(folders["sweep"] / "report" / "gap_curves.csv")
    for r in curves:
        at = [g["mean"] for g in gaps.values() if g[r["factor"]] == r["value"]]
        assert r["gap_days"] == pytest.approx(mean(at), abs=1e-4) and r["points"] == 3


def test_the_sensitivity_chart_is_sensitivity_csv(folders: dict[str, Path]) -> None:
    source = read(folders["sensitivity"] / "sensitivity.csv")
    rows = {r["factor"]: r for r in read(folders["sensitivity"] / "report" /
                                         "sensitivity.csv")}
    for s in source:
        assert rows[s["factor"]][s["index"]] == s["value"]
    assert rows["vessels"]["mu_star"] > rows["fee"]["mu_star"]  # the fee changes no time
    page = (folders["sensitivity"] / "report" / "index.html").read_text(encoding="utf-8")
    assert "The gap over vessels and fee" in page  # the top-ranked factor first
    assert "each point mixes their effects" in page


def test_the_calibration_chart_is_calibration_csv(folders: dict[str, Path]) -> None:
    source = {r["target"]: r for r in read(folders["calibrate"] / "calibration.csv")}
    for r in read(folders["calibrate"] / "report" / "calibration.csv"):
        s = source[r["target"]]
        assert (r["band_low"], r["band_high"], r["model_mean"], r["passed"]) == (
            s["band_low"], s["band_high"], s["model_mean"], s["passed"])
        inside = 0.0 <= r["scaled_mean"] <= 1.0
        assert inside == (s["passed"] == "yes")


# --- files, determinism, errors --------------------------------------------------------------


def test_the_same_results_give_the_same_report(folders: dict[str, Path], tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(folders["run"], copy)
    shutil.rmtree(copy / "report")
    assert run_cli("report", str(copy), "-q") == 0
    for path in (folders["run"] / "report").iterdir():
        if path.name != "manifest.json":
            assert (copy / "report" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_folder_with_its_report_can_be_replaced_and_reported_again(folders, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(folders["run"], copy)
    assert run_cli("report", str(copy), "-q") == 0  # the report replaces its own folder
    assert run_cli("run", str(MINI), "-n", "1", "-w", "1", "-q", "--out", str(copy)) == 0
    assert not (copy / "report").exists()  # the old report went with the old results


def test_a_foreign_file_in_the_report_folder_is_never_deleted(folders, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(folders["run"], copy)
    (copy / "report" / "notes.txt").write_text("mine")
    capsys.readouterr()
    assert run_cli("report", str(copy)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "notes.txt" in err and "--out" not in err
    assert run_cli("run", str(MINI), "-n", "1", "-w", "1", "-q", "--out", str(copy)) == 2
    assert (copy / "report" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("case", ["not a folder", "no manifest", "other version", "report"])
def test_bad_folders_are_one_line_and_exit_2(case, folders, tmp_path, capsys):
    if case == "not a folder":
        target = tmp_path / "missing"
        expected = "not found; expected a corridorsim results folder"
    elif case == "no manifest":
        target = tmp_path / "plain"
        target.mkdir()
        (target / "data.csv").write_text("a\n1\n")
        expected = "has no manifest.json; expected a corridorsim results folder"
    elif case == "other version":
        target = tmp_path / "old"
        shutil.copytree(folders["variant"], target)
        shutil.rmtree(target / "report")
        manifest = json.loads((target / "manifest.json").read_text())
        manifest["versions"]["corridorsim"] = "0.0.1"
        (target / "manifest.json").write_text(json.dumps(manifest))
        expected = "written by corridorsim 0.0.1"
    else:
        target = folders["run"] / "report"
        expected = "is a report folder; expected the results folder above it"
    capsys.readouterr()
    assert run_cli("report", str(target)) == 2
    err = capsys.readouterr().err
    assert err.startswith("corridorsim: error: ") and err.count("\n") == 1
    assert expected in err
    if case != "report":
        assert not (target / "report").exists()


def test_without_matplotlib_the_report_says_how_to_install_it(folders, tmp_path, capsys,
                                                              monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    capsys.readouterr()
    assert run_cli("report", str(folders["variant"])) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'corridorsim[plots]'" in err
    out = tmp_path / "never"
    assert run_cli("run", str(MINI), "-n", "1", "--out", str(out), "--report") == 2
    assert not out.exists()  # refused before anything ran


def test_a_parquet_folder_gives_the_same_report(folders, tmp_path):
    pytest.importorskip("pyarrow")
    out = tmp_path / "parquet"
    assert run_cli("run", str(COUNTRIES), "-n", "3", "--seed", "4", "-w", "1", "-q",
                   "--out", str(out), "--format", "parquet", "--report") == 0
    for path in (folders["run"] / "report").iterdir():
        if path.name != "manifest.json":
            assert (out / "report" / path.name).read_bytes() == path.read_bytes(), path.name

    pq = tmp_path / "compare-pq"
    assert run_cli("compare", str(folders["run"]), str(out), "-q", "--out", str(pq)) == 0
    rows = read(pq / "scenario_comparison.csv")
    assert rows and all(r["difference"] in (0, 0.0, None) for r in rows)


def test_quiet_run_with_report_prints_only_the_folder(tmp_path, capsys):
    out = tmp_path / "quiet"
    capsys.readouterr()
    assert run_cli("run", str(MINI), "-n", "1", "-w", "1", "-q", "--out", str(out),
                   "--report") == 0
    assert capsys.readouterr().out.splitlines() == [str(out)]
    assert (out / "report" / "index.html").is_file()


def test_a_rerun_sweep_drops_its_stale_report(folders, tmp_path):
    copy = tmp_path / "sweep"
    shutil.copytree(folders["sweep"], copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    sweep_file = yaml.safe_load((Path(manifest["sweep_file"]) if Path(
        manifest["sweep_file"]).is_absolute() else folders["sweep"].parent / "sweep.yaml"
    ).read_text())
    sweep_file["base"] = str(MINI)
    sweep_file["factors"]["vessels"]["values"] = [2, 5]
    path = tmp_path / "sweep2.yaml"
    path.write_text(yaml.safe_dump(sweep_file))
    assert (copy / "report" / "index.html").is_file()
    assert run_cli("sweep", str(path), "--serial", "-q", "--out", str(copy)) == 0
    assert not (copy / "report").exists()


def test_write_report_takes_a_run_result(tmp_path):
    import corridorsim as cs

    result = cs.run(cs.load_scenario(MINI), replications=2, seed=3)
    page = cs.write_report(result, tmp_path / "api")
    assert page == (tmp_path / "api" / "report" / "index.html").resolve()
    assert (tmp_path / "api" / "summary.csv").is_file()
    with pytest.raises(cs.RunError, match="a RunResult needs the folder"):
        cs.write_report(result)


def test_write_report_of_a_loaded_result_reports_its_folder(folders, tmp_path):
    import corridorsim as cs

    copy = tmp_path / "copy"
    shutil.copytree(folders["variant"], copy)
    shutil.rmtree(copy / "report")
    page = cs.write_report(cs.load_results(copy))
    assert page == (copy / "report" / "index.html").resolve() and page.is_file()
