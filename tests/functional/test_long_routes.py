"""A route of hundreds of nodes and legs that take no time runs (no recursion limit:
zero-time steps call each other directly, and the journey breaks the chain)."""

from __future__ import annotations

import itertools

import corridorsim as cs


def long_route(n: int) -> str:
    lines = ["name: long-route", "start_date: 2024-01-01", "horizon: 10d", "warmup: 1d",
             "seed: 1", "replications: 1", "customs_regimes:",
             "  paper: {document_check: 0h}", "  digital: {document_check: 0h}",
             "terminals:", "  hub: {tracks: 1, handling_time: 0h}",
             "  europe: {tracks: 1, handling_time: 0h}", "borders:"]
    for i in range(n):
        lines.append(f"  b{i}: {{customs: {{exit: {{lanes: 1}}, entry: {{lanes: 1}}}}, "
                     "gauge_change: {tracks: 1, service_time: 0h}}")
    nodes = ["hub"] + [f"b{i}" for i in range(n)] + ["europe"]
    lines.append("legs:")
    for a, b in itertools.pairwise(nodes):
        lines.append(f"  {a}-{b}: {{mode: rail, from: {a}, to: {b}, distance_km: 1, "
                     "running_time: 0h}")
    lines += ["routes:", f"  northern_r: [{', '.join(nodes)}]", "flows:", "  f:",
              "    origin: hub", "    destination: europe", "    trains_per_week: 7",
              "    consignment_teu: 80", "    routes: {northern_r: 1.0}"]
    return "\n".join(lines) + "\n"


def test_a_route_of_300_zero_time_borders_runs_and_takes_no_time(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(long_route(300))
    result = cs.run(cs.load_scenario(path), replications=1)
    assert result.shipments
    assert all(row["transit_days"] == 0.0 for row in result.shipments)
    assert sum(row["throughput_trains"] for row in result.nodes if row["node"] == "b299") \
        == len(result.shipments)
