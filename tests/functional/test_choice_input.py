"""Bad route-choice input: one line naming file, key and expectation; exit 2.

Each case starts from ``tests/scenarios/mini-choice.yaml`` (shippers choosing between
the Northern route, the Middle route and the sea), breaks one thing in its ``choice``
section or in the choosing flow, and runs ``corridorsim validate`` on it, in process and
(for a few) as the console command: exactly one line on stderr naming the file, the
dotted key path and what was expected, exit code 2, nothing on stdout, no traceback.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from corridorsim.cli import main

SCENARIOS = Path(__file__).parent.parent / "scenarios"
CHOICE = SCENARIOS / "mini-choice.yaml"
BASE: dict[str, Any] = yaml.safe_load(CHOICE.read_text(encoding="utf-8"))
# The copy is written elsewhere: its parent by absolute path.
BASE["extends"] = str(SCENARIOS / BASE["extends"])

Mutation = Callable[[dict[str, Any]], None]


def changing(changes: dict[str, Any]) -> Mutation:
    """A mutation setting each dotted key path to its value (``...`` deletes the key)."""
    def mutate(doc: dict[str, Any]) -> None:
        for dotted, value in changes.items():
            *parents, last = dotted.split(".")
            target: Any = doc
            for part in parents:
                target = target.setdefault(part, {})
            if value is ...:
                del target[last]
            else:
                target[last] = value
    return mutate


def write_scenario(folder: Path, mutation: Mutation | None, name: str = "bad.yaml") -> Path:
    doc = copy.deepcopy(BASE)
    if mutation is not None:
        mutation(doc)
    path = folder / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


FLOW = "flows.china_europe"
SEA = {"transit_time": {"dist": "lognormal", "mean": "35d", "cv": 0.1},
       "tariff_usd_per_teu": 1500}

# id, mutation, expected key path, phrases saying what was expected.
CASES = [
    pytest.param(changing({f"{FLOW}.choice": ["northern_main", "middle_nowhere", "sea_suez"]}),
                 f"{FLOW}.choice.middle_nowhere",
                 ["unknown route or alternative 'middle_nowhere'", "expected one of",
                  "'middle_caspian'", "'sea_suez'"], id="unknown-route"),
    pytest.param(changing({f"{FLOW}.choice": ["northern_main", "middle_caspian", "sea_cape"]}),
                 f"{FLOW}.choice.sea_cape",
                 ["unknown route or alternative 'sea_cape'", "expected one of", "'sea_suez'"],
                 id="unknown-alternative"),
    pytest.param(changing({f"{FLOW}.choice": {"rail": {"northern_main": 0.5,
                                                       "middle_nowhere": 0.5}}}),
                 f"{FLOW}.choice.rail.middle_nowhere",
                 ["unknown route or alternative 'middle_nowhere'"],
                 id="unknown-route-in-a-mix"),
    pytest.param(changing({f"{FLOW}.routes": {"northern_main": 1.0}}), FLOW,
                 ["give either 'routes' (fixed shares) or 'choice' (shippers choose), "
                  "not both"], id="routes-and-choice"),
    pytest.param(changing({"choice.memory": "-5d"}), "choice.memory",
                 ["expected a number more than 0", "got '-5d'"], id="negative-memory"),
    pytest.param(changing({"choice.memory": 0}), "choice.memory",
                 ["expected a number more than 0", "got 0"], id="zero-memory"),
    pytest.param(changing({"choice.memory_at_least": 0}), "choice.memory_at_least",
                 ["expected a number of at least 1", "got 0"], id="memory-at-least-zero"),
    pytest.param(changing({"choice.constants_usd_per_teu": {"southern": 100}}),
                 "choice.constants_usd_per_teu.southern",
                 ["'northern'", "'middle'", "'sea'", "southern"],
                 id="constant-of-unknown-corridor"),
    pytest.param(changing({"choice.risk_premium_usd_per_teu": {"arctic": 100}}),
                 "choice.risk_premium_usd_per_teu.arctic",
                 ["'northern'", "'middle'", "'sea'", "arctic"],
                 id="risk-premium-of-unknown-corridor"),
    pytest.param(changing({"choice.prior_transit": {"southern": "20d"}}),
                 "choice.prior_transit.southern",
                 ["'northern'", "'middle'", "'sea'", "southern"],
                 id="prior-of-unknown-corridor"),
    pytest.param(changing({"choice": ...,
                           f"{FLOW}.choice": ["northern_main", "middle_caspian"]}),
                 f"{FLOW}.choice", ["needs the scenario's 'choice' section"],
                 id="choosing-flow-without-choice-section"),
    pytest.param(changing({"choice.alternatives": {"ocean_suez": SEA},
                           f"{FLOW}.choice": ["northern_main", "middle_caspian",
                                              "ocean_suez"]}),
                 "choice.alternatives.ocean_suez", ["an outside alternative is named 'sea_*'"],
                 id="alternative-not-named-sea"),
    pytest.param(changing({f"{FLOW}.choice": {"rail": {"northern_main": 0.5,
                                                       "middle_caspian": 0.5},
                                              "sea_suez": {"sea_suez": 1.0}}}),
                 f"{FLOW}.choice.rail",
                 ["an option mixes corridors (middle, northern)", "give each its own option"],
                 id="option-mixing-corridors"),
    pytest.param(changing({f"{FLOW}.choice": {"any": {"northern_main": 0.5,
                                                      "sea_suez": 0.5}}}),
                 f"{FLOW}.choice.any", ["an option mixes corridors (northern, sea)"],
                 id="option-mixing-rail-and-sea"),
    pytest.param(changing({f"{FLOW}.reference_cost_usd_per_teu": 4000}), FLOW,
                 ["'reference_cost_usd_per_teu' is the cost of 'volume_response_per_usd'"],
                 id="reference-without-response"),
    pytest.param(changing({f"{FLOW}.volume_response_per_usd": 0.5}),
                 f"{FLOW}.volume_response_per_usd", ["expected a number of at most 0", "got 0.5"],
                 id="positive-response"),
    pytest.param(changing({"flows.caspian_background.volume_response_per_usd": -1e-4}),
                 "flows.caspian_background", ["'volume_response_per_usd' needs 'choice'"],
                 id="response-on-fixed-routes"),
    pytest.param(changing({f"{FLOW}.choice": {"rail": {"northern_main": 0.5}}}),
                 f"{FLOW}", ["the shares of option 'rail' must add up to 1",
                             "they add up to 0.5"], id="mix-shares-not-one"),
    pytest.param(changing({f"{FLOW}.choice": {"a": {"northern_main": 1.0},
                                              "b": {"northern_main": 1.0}}}),
                 f"{FLOW}.choice.b", ["'northern_main' is already in option 'a'"],
                 id="route-in-two-options"),
    pytest.param(changing({"routes.middle_short": ["hub", "east_border", "port_e"],
                           f"{FLOW}.choice": ["northern_main", "middle_short", "sea_suez"]}),
                 f"{FLOW}.choice.middle_short",
                 ["route runs 'hub' -> 'port_e' but the flow runs 'hub' -> 'europe'"],
                 id="route-between-other-ends"),
    pytest.param(changing({"routes.sea_caspian": ["port_e", "port_w"],
                           "flows.caspian_background.routes": {"sea_caspian": 1.0,
                                                               "background_caspian": None},
                           "choice.alternatives.sea_caspian": SEA}),
                 "choice.alternatives.sea_caspian",
                 ["is also a route; give the alternative another name"],
                 id="alternative-named-as-a-route"),
    pytest.param(changing({f"{FLOW}.choice": ..., f"{FLOW}.routes": {"northern_main": 0.5,
                                                                "middle_caspian": 0.5}}),
                 "choice", ["no flow chooses"], id="choice-section-unused"),
    pytest.param(changing({"choice.logit_scale_per_usd": 0}), "choice.logit_scale_per_usd",
                 ["expected a number more than 0", "got 0"], id="zero-logit-scale"),
    pytest.param(changing({"choice.closure_outlook": "forever"}), "choice.closure_outlook",
                 ["'elapsed'"], id="bad-closure-outlook"),
    pytest.param(changing({"choice.alternatives.sea_suez.transit_time": "35 parsecs"}),
                 "choice.alternatives.sea_suez.transit_time", ["unknown time unit 'parsecs'"],
                 id="alternative-bad-transit-unit"),
    pytest.param(changing({"choice.alternatives.sea_suez.corridor": "middle"}),
                 "choice.alternatives.sea_suez.corridor", ["'sea'"],
                 id="alternative-of-a-rail-corridor"),
]


def assert_one_line_error(stderr: str, scenario: Path, key_path: str,
                          expected: list[str]) -> str:
    assert "Traceback" not in stderr
    line = stderr.rstrip("\n")
    assert line, "nothing on stderr"
    assert "\n" not in line, f"expected one line on stderr, got:\n{stderr}"
    where = f"{scenario}: {key_path}: "
    assert where in line, f"{where!r} not in {line!r}"
    for phrase in expected:
        assert phrase in line, f"{phrase!r} not in {line!r}"
    return line


def test_the_unbroken_file_is_valid(tmp_path, capsys):
    path = write_scenario(tmp_path, None, name="ok.yaml")
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "is valid" in captured.out


@pytest.mark.parametrize(("mutation", "key_path", "expected"), CASES)
def test_bad_choice_input_is_one_line_with_exit_code_2(mutation, key_path, expected, tmp_path,
                                                       capsys):
    path = write_scenario(tmp_path, mutation)

    code = main(["validate", str(path)])

    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.out == ""
    print(assert_one_line_error(captured.err, path, key_path, expected))


CONSOLE = ["unknown-route", "routes-and-choice", "negative-memory",
           "constant-of-unknown-corridor", "option-mixing-corridors"]


@pytest.mark.parametrize(("mutation", "key_path", "expected"),
                         [c for c in CASES if c.id in CONSOLE])
def test_console_validate_prints_no_traceback(mutation, key_path, expected, tmp_path):
    path = write_scenario(tmp_path, mutation)

    proc = subprocess.run([sys.executable, "-m", "corridorsim", "validate", str(path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert_one_line_error(proc.stderr, path, key_path, expected)
