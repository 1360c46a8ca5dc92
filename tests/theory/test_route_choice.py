"""Route choice on known costs: the chosen shares are the multinomial logit's.

``scenarios/choice-three-routes.yaml`` strips route choice down to a case whose answer
is known exactly: three parallel rail routes with fixed running times and nothing that
queues or closes, and a sea alternative with a fixed transit time. Every delivery on an
option takes its running (or sailing) time, which is also the free-flow time shippers
expect before the first delivery, so each option's generalized cost per TEU is a
constant and each consignment picks option ``k`` with probability
``exp(-s GC_k) / sum_j exp(-s GC_j)``. The costs are computed here from the loaded
scenario (tariffs and fees by ``route_economics``, the rest by hand), after checking that
the scenario really is such a case, and checked against the sums in the file's header.

What is checked, with the scenario's replications (independent, Student-t intervals
across them, as ``summary.csv`` reports them) and the pooled consignments:

* the shares in ``summary.csv`` (scope ``share``) cover the logit shares, and a
  chi-square test of the pooled counts accepts them while rejecting the shares of
  plausible mistakes (no value of time, no risk premium, no constants);
* before any delivery (the first week after warm-up) shippers choose on the prior, which
  gives the same shares;
* an option made 20,000 USD per TEU dearer gets no share (upper bound below 1%);
* a dearer route, same seed (common random numbers): its share falls and every other
  option's rises, in every replication, by the logit's difference;
* ``choice-elastic.yaml``: a cost-responsive flow sends its rate times
  ``exp(response x (logsum - reference))``, here 1/sqrt(2) of it;
* a timetabled (``scheduled``) choosing flow keeps its timetable, without and with a
  volume response.

The runs take about 10 s in all on two cores.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import math
import os
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

import corridorsim as cs
from corridorsim.cli import main as cli_main
from corridorsim.corridors import corridor_of
from corridorsim.network import legs_along, route_economics
from corridorsim.scenario.distributions import Fixed
from corridorsim.scenario.schema import Scenario
from corridorsim.scenario.sections import RailLeg

SCENARIOS = Path(__file__).parent / "scenarios"
BASE = SCENARIOS / "choice-three-routes.yaml"
ELASTIC = SCENARIOS / "choice-elastic.yaml"
FLOW = "shippers"
HOURS_PER_WEEK = 168.0

HEADER_COSTS = {"northern_fast": 4800.0, "northern_slow": 5100.0, "middle_direct": 5600.0,
                "sea_fixed": 6200.0}
"""The generalized costs written in the scenario's header comment."""

CHI_SQUARE_LEVEL = 0.001
"""A chi-square test rejects below this p-value (a wrong formula gives far less)."""


# --- the theory ----------------------------------------------------------------------------


def fixed_hours(value: Any) -> float:
    assert isinstance(value, Fixed), f"expected a fixed time, got {value!r}"
    return float(value.value)


def known_costs(scenario: Scenario, flow_name: str = FLOW) -> dict[str, float]:
    """Each option's generalized cost per TEU, after checking that it is a constant.

    Refused: anything that queues, waits, closes or varies (ports, vessels, closures,
    customs, gauge changes, operations, opening hours, line capacities, delays, random
    running or sailing times, handling time at terminals, mixes of routes), since the
    expected transit would then depend on what shippers have seen.
    """
    assert not scenario.ports and not scenario.vessel_services and not scenario.stations
    assert not scenario.closures
    flow = scenario.flows[flow_name]
    assert flow.choice is not None and flow.seasonality is None
    assert isinstance(flow.consignment_teu, int), "TEU shares equal consignment shares"
    for terminal in scenario.terminals.values():
        assert fixed_hours(terminal.handling_time) == 0.0 and terminal.opening_hours is None
        assert not terminal.operations and terminal.tracks >= 100
    for border in scenario.borders.values():
        assert border.customs is None and border.gauge_change is None
        assert not border.operations and border.opening_hours is None
    choice = scenario.choice
    assert choice is not None and not choice.prior_transit
    time_value = choice.time_value_usd_per_teu_day
    if time_value is None:
        time_value = scenario.costs.time_value_usd_per_teu_day
    costs = {}
    for option, members in flow.choice.items():
        (member,) = members  # one route or alternative per option
        corridor = corridor_of(member)
        if member in scenario.alternatives:
            alternative = scenario.alternatives[member]
            fixed = alternative.tariff_usd_per_teu
            hours = fixed_hours(alternative.transit_time)
        else:
            path = scenario.routes[member]
            hours = 0.0
            for leg in legs_along(scenario, path):
                assert isinstance(leg, RailLeg)
                assert leg.delay is None and leg.trains_per_day is None
                hours += fixed_hours(leg.running_time)
            fixed = route_economics(scenario, path).fixed_cost_usd_per_teu
        costs[option] = (fixed + choice.risk_premium(corridor) + choice.constant(corridor)
                         + time_value * hours / 24.0)  # + reliability x 0 spread
    return costs


def logit(costs: Mapping[str, float], scale: float) -> dict[str, float]:
    cheapest = min(costs.values())
    weights = {k: math.exp(-scale * (c - cheapest)) for k, c in costs.items()}
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items()}


def logsum(costs: Mapping[str, float], scale: float) -> float:
    return -math.log(sum(math.exp(-scale * c) for c in costs.values())) / scale


def scale_of(scenario: Scenario) -> float:
    assert scenario.choice is not None
    return scenario.choice.logit_scale_per_usd


def test_the_costs_from_the_file_are_those_of_its_header():
    scenario = cs.load_scenario(BASE)
    costs = known_costs(scenario)
    assert costs == pytest.approx(HEADER_COSTS)
    # Tariffs and fees by hand: the first leg's tariff and two terminal fees of 50.
    hand = {"northern_fast": 2000 + 100, "northern_slow": 1500 + 100, "middle_direct": 1000 + 100}
    for route, fixed in hand.items():
        assert route_economics(scenario, scenario.routes[route]).fixed_cost_usd_per_teu == fixed
    shares = logit(costs, scale_of(scenario))
    assert [round(shares[k], 3) for k in HEADER_COSTS] == [0.410, 0.304, 0.184, 0.101]
    assert logsum(costs, scale_of(scenario)) == pytest.approx(3909.34, abs=0.01)


# --- running -------------------------------------------------------------------------------


def workers() -> int:
    try:
        return max(1, min(2, len(os.sched_getaffinity(0))))
    except AttributeError:  # not on Linux
        return max(1, min(2, os.cpu_count() or 1))


@dataclasses.dataclass(frozen=True)
class ChoiceRun:
    scenario: Scenario
    result: cs.RunResult

    @property
    def replications(self) -> int:
        return self.result.replications

    def counts(self) -> dict[int, dict[str, int]]:
        """Per replication, the consignments released in the window on each option."""
        out: dict[int, dict[str, int]] = {}
        for row in self.result.shares:
            if row["flow"] == FLOW:
                by_option = out.setdefault(row["replication"], {})
                by_option[row["option"]] = by_option.get(row["option"], 0) + row["consignments"]
        return out

    def shares(self) -> dict[str, list[float]]:
        """Per option, its share of the flow's consignments in each replication."""
        counts = self.counts()
        options = sorted({o for c in counts.values() for o in c})
        return {o: [counts[r][o] / sum(counts[r].values()) for r in sorted(counts)]
                for o in options}

    def pooled(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for by_option in self.counts().values():
            for option, n in by_option.items():
                out[option] = out.get(option, 0) + n
        return out

    def summary(self, option: str, kpi: str = "share") -> dict[str, Any]:
        (row,) = [r for r in self.result.summary if r["scope"] == "share"
                  and r["name"] == f"{FLOW}:{option}" and r["kpi"] == kpi]
        return row


@functools.cache
def choice_run(path: Path, overrides: tuple[tuple[str, Any], ...] = ()) -> ChoiceRun:
    """Run a scenario (with overrides) once per session, at its own seed."""
    scenario = cs.load_scenario(path)
    if overrides:
        scenario = scenario.with_overrides(dict(overrides))
    return ChoiceRun(scenario, cs.run(scenario, workers=workers()))


def chi_square_p(observed: Mapping[str, int], shares: Mapping[str, float]) -> float:
    n = sum(observed.values())
    options = sorted(shares)
    return float(stats.chisquare([observed.get(o, 0) for o in options],
                                 [n * shares[o] for o in options]).pvalue)


def t_interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval of independent replication values."""
    mean = statistics.fmean(values)
    half = (stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values)
            / math.sqrt(len(values)))
    return mean, mean - half, mean + half


# --- the shares ----------------------------------------------------------------------------


def test_every_delivery_takes_the_running_time():
    """The premise: transit is the option's fixed time, so its cost never moves."""
    run = choice_run(BASE)
    expected = {"northern_fast": 12.0, "northern_slow": 16.0, "middle_direct": 20.0,
                "sea_fixed": 35.0}
    delivered = [row for row in run.result.shipments if row["transit_days"] is not None]
    assert len(delivered) > 0.8 * len(run.result.shipments)
    for row in delivered:
        assert row["transit_days"] == pytest.approx(expected[row["route"]], abs=1e-4), row


def test_shares_are_the_logit_shares_within_their_intervals():
    run = choice_run(BASE)
    theory = logit(known_costs(run.scenario), scale_of(run.scenario))
    for option, share in theory.items():
        row = run.summary(option)
        print(f"{option}: simulated {row['mean']:.4f} [{row['ci_low']:.4f}, "
              f"{row['ci_high']:.4f}], logit {share:.4f}")
        assert row["replications"] == run.scenario.replications
        assert row["half_width"] < 0.01, "too few consignments to tell the shares apart"
        assert row["ci_low"] <= share <= row["ci_high"], (option, row, share)


def test_pooled_choices_pass_a_chi_square_test_that_wrong_costs_fail():
    run = choice_run(BASE)
    scenario = run.scenario
    observed = run.pooled()
    n = sum(observed.values())
    assert n > 30_000
    scale = scale_of(scenario)
    p = chi_square_p(observed, logit(known_costs(scenario), scale))
    print(f"{n} consignments, chi-square p = {p:.3f}")
    assert p > CHI_SQUARE_LEVEL
    # The test can tell: each of these mistakes in the costs is rejected outright.
    mistakes = {
        "no value of time": {"choice.time_value_usd_per_teu_day": 0},
        "no risk premium": {"choice.risk_premium_usd_per_teu": {}},
        "no constants": {"choice.constants_usd_per_teu": {}},
        "half the logit scale": {"choice.logit_scale_per_usd": scale / 2},
    }
    for what, overrides in mistakes.items():
        wrong = scenario.with_overrides(overrides)
        p_wrong = chi_square_p(observed, logit(known_costs(wrong), scale_of(wrong)))
        assert p_wrong < 1e-6, f"{what}: p = {p_wrong}"


def test_before_any_delivery_shippers_choose_on_the_free_flow_prior():
    """Released in the week after warm-up, before the first delivery (12 days): every
    option is judged by its prior, the free-flow time, and the shares are the same."""
    run = choice_run(BASE)
    start = dt.datetime.combine(run.scenario.start_date, dt.time())
    first_delivery = start + dt.timedelta(days=12)
    early: dict[str, int] = {}
    for row in run.result.shipments:
        if dt.datetime.fromisoformat(row["released_at"]) < first_delivery:
            early[row["route"]] = early.get(row["route"], 0) + 1
    assert sum(early.values()) > 1000
    p = chi_square_p(early, logit(known_costs(run.scenario), scale_of(run.scenario)))
    print(f"{sum(early.values())} consignments before any delivery, chi-square p = {p:.3f}")
    assert p > CHI_SQUARE_LEVEL


def test_an_option_made_much_dearer_gets_no_share():
    base = cs.load_scenario(BASE)
    assert base.choice is not None
    constant = base.choice.constant("sea") + 20_000
    run = choice_run(BASE, (("choice.constants_usd_per_teu.sea", constant), ("horizon", "95d")))
    row = run.summary("sea_fixed")
    assert row["ci_high"] < 0.01, row
    # The others share what is left by their own logit.
    costs = known_costs(run.scenario)
    assert costs["sea_fixed"] == pytest.approx(HEADER_COSTS["sea_fixed"] + 20_000)
    theory = logit(costs, scale_of(run.scenario))
    assert theory["sea_fixed"] < 1e-8
    assert chi_square_p(run.pooled(), theory) > CHI_SQUARE_LEVEL


def test_a_dearer_route_loses_share_to_every_other_option_in_every_replication():
    """Same seed, only the fast route's tariff raised by 600 USD per TEU: each
    consignment draws the same number, so the fast route's share falls and every other
    option's rises in every replication, and the paired differences are the logit's."""
    base = choice_run(BASE)
    dearer = choice_run(BASE, (("legs.fast-out.tariff_usd_per_teu", 2600),))
    costs = known_costs(dearer.scenario)
    assert costs["northern_fast"] == pytest.approx(HEADER_COSTS["northern_fast"] + 600)
    before = logit(known_costs(base.scenario), scale_of(base.scenario))
    after = logit(costs, scale_of(dearer.scenario))
    # Common random numbers: the same consignments, released at the same times.
    assert [sum(c.values()) for c in base.counts().values()] == \
        [sum(c.values()) for c in dearer.counts().values()]
    a, b = base.shares(), dearer.shares()
    for option in before:
        differences = [y - x for x, y in zip(a[option], b[option], strict=True)]
        mean, low, high = t_interval(differences)
        theory = after[option] - before[option]
        print(f"{option}: paired difference {mean:+.4f} [{low:+.4f}, {high:+.4f}], "
              f"logit {theory:+.4f}")
        if option == "northern_fast":
            assert all(d < 0 for d in differences), differences
            assert high < 0
        else:
            assert all(d > 0 for d in differences), (option, differences)
            assert low > 0
        assert low <= theory <= high, (option, differences, theory)


# --- cost-elastic volume -------------------------------------------------------------------


def test_a_cost_responsive_flow_sends_its_rate_times_exp_response_times_the_cost_change():
    run = choice_run(ELASTIC)
    scenario = run.scenario
    flow = scenario.flows[FLOW]
    assert flow.volume_response_per_usd is not None
    assert flow.reference_cost_usd_per_teu is not None
    costs = known_costs(scenario)
    expected_cost = logsum(costs, scale_of(scenario))
    factor = math.exp(flow.volume_response_per_usd
                      * (expected_cost - flow.reference_cost_usd_per_teu))
    assert factor == pytest.approx(1 / math.sqrt(2), abs=1e-4)  # the file's reference
    window = scenario.horizon - scenario.warmup_hours
    expected = flow.consignments_per_week / HOURS_PER_WEEK * window * factor
    released = [float(sum(c.values())) for c in run.counts().values()]
    mean, low, high = t_interval(released)
    print(f"released {mean:.1f} [{low:.1f}, {high:.1f}] a replication, expected "
          f"{expected:.1f} (stated rate {expected / factor:.1f})")
    assert low <= expected <= high
    assert high < 0.75 * expected / factor  # the stated volume is well outside
    # summary.csv says the same per year, summed over the options.
    per_year = sum(run.summary(o, "consignments_per_year")["mean"] for o in costs)
    assert per_year == pytest.approx(mean * 365 * 24 / window, rel=1e-3)
    # Thinning leaves the choice alone: still the logit shares.
    assert chi_square_p(run.pooled(), logit(costs, scale_of(scenario))) > CHI_SQUARE_LEVEL


def release_gaps(scenario: Scenario) -> list[float]:
    """Hours between consecutive releases of one replication (timestamps to the minute)."""
    result = cs.run(scenario, replications=1)
    times = sorted(dt.datetime.fromisoformat(r["released_at"]) for r in result.shipments)
    return [(b - a).total_seconds() / 3600 for a, b in itertools.pairwise(times)]


def scheduled(path: Path, **overrides: Any) -> Scenario:
    """The scenario shortened to 30 days, its flow timetabled."""
    return cs.load_scenario(path).with_overrides(
        {"horizon": "30d", f"flows.{FLOW}.arrivals": "scheduled",
         **{f"flows.{FLOW}.{k}": v for k, v in overrides.items()}})


def test_a_scheduled_choosing_flow_keeps_its_timetable():
    scenario = scheduled(BASE)
    timetable = HOURS_PER_WEEK / scenario.flows[FLOW].consignments_per_week
    gaps = release_gaps(scenario)
    assert len(gaps) > 400
    assert all(abs(g - timetable) <= 1 / 60 for g in gaps), (min(gaps), max(gaps))


def test_a_scheduled_cost_responsive_flow_keeps_its_timetable():
    """At the reference cost (volume factor 1) a scheduled cost-responsive flow releases
    every 168/140 = 1.2 h, as it does without the elasticity."""
    base = cs.load_scenario(ELASTIC)
    reference = logsum(known_costs(base), scale_of(base))
    scenario = scheduled(ELASTIC, reference_cost_usd_per_teu=reference)
    timetable = HOURS_PER_WEEK / scenario.flows[FLOW].consignments_per_week
    gaps = release_gaps(scenario)
    assert len(gaps) > 400
    assert all(abs(g - timetable) <= 1 / 60 for g in gaps), (min(gaps), max(gaps))


# --- the files as a user runs them ---------------------------------------------------------


@pytest.mark.parametrize("path", [BASE, ELASTIC], ids=lambda p: p.stem)
def test_choice_scenario_runs_with_the_cli(path, tmp_path):
    out = tmp_path / "results"
    assert cli_main(["run", str(path), "-n", "1", "--set", "horizon=20d",
                     "--out", str(out)]) == 0
    shares = (out / "shares.csv").read_text(encoding="utf-8").splitlines()
    assert shares[0] == "replication,flow,option,corridor,month,consignments,teu,share"
    assert {line.split(",")[2] for line in shares[1:]} == set(HEADER_COSTS)
    summary = (out / "summary.csv").read_text(encoding="utf-8")
    for option in HEADER_COSTS:
        assert f"share,{FLOW}:{option},share," in summary
