"""Shared fixtures: test scenario files located relative to this file, never the CWD."""

from __future__ import annotations

from pathlib import Path

import pytest

import corridorsim as cs

TESTS = Path(__file__).parent
REPO = TESTS.parent
MINI = TESTS / "scenarios" / "mini-corridor.yaml"
BASELINE = REPO / "scenarios" / "baseline-2024.yaml"


@pytest.fixture(scope="session")
def mini_scenario() -> cs.Scenario:
    return cs.load_scenario(MINI)


@pytest.fixture(scope="session")
def mini_result(mini_scenario: cs.Scenario) -> cs.RunResult:
    return cs.run(mini_scenario, replications=2, seed=5)
