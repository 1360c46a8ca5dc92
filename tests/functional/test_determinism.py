"""Same scenario, seed and version: byte-identical CSV files, serial or on worker processes."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import corridorsim as cs

CSV_FILES = ("shipments.csv", "nodes.csv", "routes.csv", "summary.csv", "comparison.csv")


def csv_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in CSV_FILES}


def test_same_seed_gives_byte_identical_csvs(mini_scenario, tmp_path):
    a = cs.run(mini_scenario, replications=2, seed=9).write(tmp_path / "a")
    b = cs.run(mini_scenario, replications=2, seed=9).write(tmp_path / "b")
    assert csv_bytes(a) == csv_bytes(b)


def test_different_seeds_give_different_results(mini_scenario, tmp_path):
    a = cs.run(mini_scenario, replications=1, seed=1).write(tmp_path / "a")
    b = cs.run(mini_scenario, replications=1, seed=2).write(tmp_path / "b")
    assert csv_bytes(a)["shipments.csv"] != csv_bytes(b)["shipments.csv"]


def test_worker_processes_give_the_same_bytes_as_serial(mini_scenario, tmp_path):
    serial = cs.run(mini_scenario, replications=3, seed=4).write(tmp_path / "serial")
    with ProcessPoolExecutor(max_workers=2) as pool:
        mapped = cs.run(mini_scenario, replications=3, seed=4, mapper=pool.map)
    assert csv_bytes(mapped.write(tmp_path / "mapped")) == csv_bytes(serial)
    pooled = cs.run(mini_scenario, replications=3, seed=4, workers=2)
    assert csv_bytes(pooled.write(tmp_path / "pooled")) == csv_bytes(serial)


def test_a_replication_does_not_depend_on_how_many_run(mini_scenario):
    one = cs.run(mini_scenario, replications=1, seed=4)
    three = cs.run(mini_scenario, replications=3, seed=4)
    first_of_three = [r for r in three.shipments if r["replication"] == 0]
    assert one.shipments == first_of_three
