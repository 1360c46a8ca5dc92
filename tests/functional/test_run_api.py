"""The Python entry point ``cs.run``: its arguments are checked, its result reads briefly."""

from __future__ import annotations

import pytest

import corridorsim as cs


@pytest.mark.parametrize("kwargs, message", [
    ({"replications": 0}, "replications: expected a whole number of at least 1"),
    ({"seed": -1}, "seed: expected a whole number of at least 0"),
    ({"seed": 1.5}, "seed: expected a whole number"),
])
def test_run_rejects_bad_arguments_with_a_clear_error(mini_scenario, kwargs, message):
    with pytest.raises(cs.RunError, match=message):
        cs.run(mini_scenario, **kwargs)


def test_a_run_result_prints_briefly(mini_result):
    text = repr(mini_result)
    assert text.startswith("RunResult(scenario='mini-corridor'") and len(text) < 200
