"""Regional closures and outages in whole runs of ``tests/scenarios/mini-corridor.yaml``.

* A regional closure (``at`` a list) closes every named place with each of its events:
  they all report the same closed hours, and the events are those a closure of the same
  name at one place draws (one stream, drawn once), while separate closures differ.
* Shippers watch each place of a regional closure they react to.
* An outage shows in ``nodes.csv`` (hours out of service per stage, columns that only a
  scenario with outages has), slows the stage it hits, and an interrupting outage that
  never fires changes nothing at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import corridorsim as cs
from corridorsim.cli import main
from corridorsim.model import CorridorModel
from corridorsim.report.tables import NODE_COLUMNS, OUTAGE_COLUMNS
from corridorsim.report.timeseries import SERVER_COLUMNS, TIMESERIES_COLUMNS

MINI = Path(__file__).parent.parent / "scenarios" / "mini-corridor.yaml"
MINI_CHOICE = MINI.with_name("mini-choice.yaml")
SEED = 5
STORMS = {"kind": "seasonal", "events_per_month": [3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 3, 4],
          "duration": {"dist": "lognormal", "mean": "2d", "cv": 0.5}}


def closed_hours(result: cs.RunResult, node: str) -> list[float]:
    return [row["hours_closed"] for row in result.nodes if row["node"] == node]


def stage_rows(result: cs.RunResult, node: str, stage: str) -> list[dict[str, Any]]:
    return [row for row in result.stages if row["node"] == node and row["stage"] == stage]


# --- regional closures ---------------------------------------------------------------------


def test_a_regional_closure_gives_every_named_place_the_same_closed_hours(mini_scenario):
    regional = cs.run(mini_scenario.with_overrides({"closures.storms": {
        **STORMS, "at": ["port_e", "port_w", "east-west"]}}), replications=2, seed=SEED)
    places = [closed_hours(regional, node) for node in ("port_e", "port_w")]
    assert places[0] == places[1] and all(h > 100 for h in places[0])
    # (The leg closes with them; legs have no row in nodes.csv.) Drawn once: the events
    # are those of the closure of the same name at port_e alone.
    alone = cs.run(mini_scenario.with_overrides({"closures.storms": {**STORMS,
                                                                     "at": "port_e"}}),
                   replications=2, seed=SEED)
    assert closed_hours(alone, "port_e") == places[0]
    # Separate closures of each port draw their own events.
    separate = cs.run(mini_scenario.with_overrides({
        "closures.storms": {**STORMS, "at": "port_e"},
        "closures.storms_west": {**STORMS, "at": "port_w"}}), replications=2, seed=SEED)
    assert closed_hours(separate, "port_e") == places[0]
    assert closed_hours(separate, "port_w") != places[0]


def test_a_list_of_one_place_closes_as_the_name_alone(mini_scenario):
    listed = cs.run(mini_scenario.with_overrides({"closures.works.at": ["west_border"]}),
                    replications=1, seed=SEED)
    plain = cs.run(mini_scenario, replications=1, seed=SEED)
    for table in ("shipments", "nodes", "services"):
        assert listed.tables[table] == plain.tables[table], table


def test_shippers_watch_every_place_of_a_regional_closure_they_react_to():
    scenario = cs.load_scenario(MINI_CHOICE).with_overrides({
        "closures.works.at": ["west_border", "port_w"]})
    assert "works" in scenario.watched_closures
    model = CorridorModel(scenario, 0)
    assert {"west_border", "port_w"} <= set(model.watched)
    options = {o.name: o for o in next(iter(model.choices.values())).options}
    watched = {id(state) for option in options.values() for _, states in option.closures
               for state in states}
    assert {id(model.watched["west_border"]), id(model.watched["port_w"])} <= watched
    start = scenario.closures["works"].start  # type: ignore[union-attr]
    hours = model.calendar.hours_since_start(start)
    model.env.run(until=hours + 1.0)
    assert model.watched["west_border"].closed and model.watched["port_w"].closed
    assert model.nodes["west_border"].closure.closed and model.nodes["port_w"].closure.closed


# --- outages -------------------------------------------------------------------------------


def gauge_outage(**fields: Any) -> dict[str, Any]:
    return {"kind": "outage", "at": "east_border", "stage": "gauge_change", **fields}


def test_a_dated_outage_shows_as_hours_out_of_service_and_slows_its_stage(mini_scenario):
    without = cs.run(mini_scenario, replications=2, seed=SEED)
    with_ = cs.run(mini_scenario.with_overrides({"closures.cranes": gauge_outage(
        servers=2, start="2024-02-01", end="2024-02-11")}), replications=2, seed=SEED)
    rows = stage_rows(with_, "east_border", "gauge_change")
    assert [(r["hours_out"], r["server_hours_out"], r["servers"]) for r in rows] == [
        (240.0, 480.0, 2)] * 2
    others = [r for r in with_.stages if (r["node"], r["stage"])
              != ("east_border", "gauge_change")]
    assert others and all(r["hours_out"] == 0.0 and r["server_hours_out"] == 0.0
                          for r in others)
    waited = [r["mean_wait_hours"] for r in rows]
    before = [r["mean_wait_hours"] for r in stage_rows(without, "east_border", "gauge_change")]
    assert all(w > b + 1.0 for w, b in zip(waited, before, strict=True)), (waited, before)
    assert "hours_out" not in without.stages[0]
    kpis = {row["kpi"] for row in with_.tables["summary"] if row["scope"] == "stage"}
    assert set(OUTAGE_COLUMNS) <= kpis


def test_nodes_csv_has_the_outage_columns_only_with_outages(tmp_path):
    plain, broken = tmp_path / "plain.yaml", tmp_path / "broken.yaml"
    document = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    plain.write_text(yaml.safe_dump(document), encoding="utf-8")
    document["closures"]["cranes"] = gauge_outage(
        time_between_failures={"dist": "exponential", "mean": "5d"},
        repair_time={"dist": "exponential", "mean": "12h"})
    broken.write_text(yaml.safe_dump(document), encoding="utf-8")
    headers = {}
    for path in (plain, broken):
        out = tmp_path / path.stem
        assert main(["run", str(path), "--replications", "1", "--out", str(out)]) == 0
        headers[path.stem] = (out / "nodes.csv").read_text().split("\n", 1)[0].split(",")
    assert headers["plain"] == list(NODE_COLUMNS)
    assert headers["broken"] == [*NODE_COLUMNS, *OUTAGE_COLUMNS]
    loaded = cs.load_results(tmp_path / "broken")
    assert any(row["server_hours_out"] for row in loaded.stages)
    series = {path: (tmp_path / path / "timeseries.csv").read_text().split("\n", 1)[0]
              for path in ("plain", "broken")}
    assert series["plain"].split(",") == list(TIMESERIES_COLUMNS)
    assert series["broken"].split(",") == [*TIMESERIES_COLUMNS, *SERVER_COLUMNS]
    assert any(row["mean_servers"] is not None for row in loaded.tables["timeseries"])


def test_the_time_series_follow_the_servers_an_outage_takes_out(mini_scenario):
    # 2 of the 2 gauge tracks from 1 February 06:00 to 11 February: on 1 February a
    # quarter of the day in service (2 x 6/24 = 0.5), none until the 11th, then 2 again.
    result = cs.run(mini_scenario.with_overrides({"closures.cranes": gauge_outage(
        servers=2, start="2024-02-01T06:00", end="2024-02-11")}), replications=2, seed=SEED)
    rows = {r["date"]: r for r in result.tables["timeseries"]
            if (r["node"], r["stage"]) == ("east_border", "gauge_change")}
    assert [rows[d]["mean_servers"] for d in ("2024-01-31", "2024-02-01", "2024-02-05",
                                              "2024-02-11")] == [2.0, 0.5, 0.0, 2.0]
    others = [r for r in result.tables["timeseries"]
              if (r["node"], r["stage"]) != ("east_border", "gauge_change")]
    assert all(r["mean_servers"] is None for r in others)


def test_an_outage_and_a_dated_change_of_the_same_stage_compose(mini_scenario):
    """Both tracks out 1-11 Feb while a change cuts the stage to one track from 5 Feb to
    1 Mar: valid (the outage takes what there is), and the hours lost count at most the
    tracks configured: 2 x 96 h, then 1 x 144 h."""
    scenario = mini_scenario.with_overrides({
        "closures.cranes": gauge_outage(servers=2, start="2024-02-01", end="2024-02-11"),
        "changes": {"cut": {"at": "2024-02-05", "until": "2024-03-01",
                            "set": {"borders.east_border.gauge_change.tracks": 1}}}})
    (row,) = stage_rows(cs.run(scenario, replications=1, seed=SEED), "east_border",
                        "gauge_change")
    assert (row["hours_out"], row["server_hours_out"], row["servers"]) == (240.0, 336.0, 2)


def test_random_outages_draw_from_their_own_streams(mini_scenario):
    """Random outages add their streams and shift no other draw: the consignments'
    sizes and release times stay those of the run without them."""
    outage = gauge_outage(time_between_failures={"dist": "exponential", "mean": "4d"},
                          repair_time={"dist": "exponential", "mean": "1d"})
    model = CorridorModel(mini_scenario.with_overrides({"closures.cranes": outage}), 0)
    model.run()
    assert {"outage.cranes.failures", "outage.cranes.repair"} <= set(model.streams.names)
    a = cs.run(mini_scenario, replications=1, seed=SEED).shipments
    b = cs.run(mini_scenario.with_overrides({"closures.cranes": outage}), replications=1,
               seed=SEED).shipments
    assert [(r["released_at"], r["teu"]) for r in a] == [(r["released_at"], r["teu"])
                                                         for r in b]
    assert [r["transit_days"] for r in a] != [r["transit_days"] for r in b]


@pytest.mark.parametrize("stage", ["gauge_change", "exit_customs"])
def test_an_interrupting_outage_that_never_fires_changes_nothing(mini_scenario, stage):
    """The stage is built to be interrupted (it keeps its services in progress), but an
    outage after the end of the run never comes: every result is that of the plain run."""
    plain = cs.run(mini_scenario, replications=1, seed=SEED)
    late = cs.run(mini_scenario.with_overrides({"closures.cranes": gauge_outage(
        stage=stage, interrupts=True, start="2025-01-01", end="2025-01-02")}),
        replications=1, seed=SEED)
    for table in ("shipments", "routes", "services"):
        assert late.tables[table] == plain.tables[table], table
    assert [{k: v for k, v in row.items() if k not in OUTAGE_COLUMNS}
            for row in late.tables["nodes"]] == plain.tables["nodes"]


def test_an_interrupting_outage_holds_trains_mid_service(mini_scenario):
    """Gauge-change tracks that fail every few days, interrupting the trains on them:
    those trains' hours until the repair are closure holds, at a place no closure
    closes; without ``interrupts`` the trains finish and none is held."""
    outage = gauge_outage(time_between_failures={"dist": "exponential", "mean": "3d"},
                          repair_time={"dist": "exponential", "mean": "12h"})
    scenario = mini_scenario.with_overrides({"closures.works": None, "closures.storms": None,
                                             "closures.cranes": {**outage, "interrupts": True}})
    result = cs.run(scenario, replications=1, seed=SEED)
    held = [r["days_closure_hold"] for r in result.shipments if r["days_closure_hold"]]
    (lane,) = stage_rows(result, "east_border", "gauge_change")
    assert len(held) >= 5 and 0 < 24.0 * sum(held) < lane["server_hours_out"]
    finishing = cs.run(scenario.with_overrides({"closures.cranes.interrupts": False}),
                       replications=1, seed=SEED)
    assert not any(r["days_closure_hold"] for r in finishing.shipments)
