"""timeseries.csv adds up to nodes.csv: the days of the demand window average to each
node's time-average queue and yard, and their peaks reach its largest queue."""

from __future__ import annotations

from pathlib import Path

import pytest

import corridorsim as cs
from corridorsim.scenario.loader import load_scenario

MINI = Path(__file__).resolve().parents[1] / "scenarios" / "mini-corridor.yaml"


@pytest.fixture(scope="module")
def result() -> cs.RunResult:
    scenario = load_scenario(MINI, {"drain": "20d"})
    return cs.run(scenario, replications=3, seed=4)


def _node_means(result: cs.RunResult, column: str) -> dict[str, float]:
    values: dict[str, list[float]] = {}
    for row in result.nodes:
        if row[column] is not None:
            values.setdefault(row["node"], []).append(row[column])
    return {node: sum(v) / len(v) for node, v in values.items()}


def test_daily_queues_average_to_the_node_means(result: cs.RunResult) -> None:
    rows = result.tables["timeseries"]
    means = _node_means(result, "mean_queue")
    assert means
    for node, expected in means.items():
        days = [r["mean_queue"] for r in rows if r["node"] == node and r["stage"] is None
                and r["period"] == "demand"]
        assert len(days) == 110  # 120-day horizon, 10-day warm-up
        assert sum(days) / len(days) == pytest.approx(expected, abs=2e-3)


def test_daily_yards_average_to_the_port_means(result: cs.RunResult) -> None:
    rows = result.tables["timeseries"]
    means = _node_means(result, "mean_yard_teu")
    assert means, "the mini corridor has ports"
    for node, expected in means.items():
        days = [r["mean_yard_teu"] for r in rows if r["node"] == node and r["stage"] is None
                and r["period"] == "demand"]
        assert sum(days) / len(days) == pytest.approx(expected, abs=0.1)


def test_daily_peaks_reach_the_largest_queue(result: cs.RunResult) -> None:
    rows = result.tables["timeseries"]
    for node in {r["node"] for r in result.nodes}:
        largest = max(r["max_queue"] for r in result.nodes if r["node"] == node)
        daily = max(r["max_queue"] for r in rows if r["node"] == node
                    and r["stage"] is None and r["period"] == "demand")
        assert daily == largest


def test_every_day_of_the_run_has_a_row_per_node_and_stage(result: cs.RunResult) -> None:
    rows = result.tables["timeseries"]
    levels = {(r["node"], r["stage"]) for r in result.tables["nodes"]}
    assert {(r["node"], r["stage"]) for r in rows} == levels
    periods = [r["period"] for r in rows if (r["node"], r["stage"]) == next(iter(levels))]
    assert periods == ["warmup"] * 10 + ["demand"] * 110 + ["drain"] * 20
    assert {r["replications"] for r in rows} == {3}
    assert all(r["mean_queue_halfwidth"] is not None for r in rows)


def test_a_rail_nodes_queue_is_its_stages_queues(result: cs.RunResult) -> None:
    """At terminals and borders the node's queue counts the trains waiting at any of its
    stages, day by day (ports' berth queues are vessels, which the node does not count)."""
    rows = result.tables["timeseries"]
    checked = 0
    for node in {r["node"] for r in result.nodes if r["kind"] in ("terminal", "border")}:
        whole = {r["day"]: r["mean_queue"] for r in rows
                 if r["node"] == node and r["stage"] is None}
        parts: dict[int, float] = {}
        stages = {r["stage"] for r in rows if r["node"] == node and r["stage"] is not None}
        for r in rows:
            if r["node"] == node and r["stage"] is not None:
                parts[r["day"]] = parts.get(r["day"], 0.0) + r["mean_queue"]
        for day, value in whole.items():
            assert value == pytest.approx(parts[day], abs=5e-4 * (len(stages) + 1))
        checked += value > 0
    assert checked
