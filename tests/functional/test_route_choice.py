"""Route choice in motion, on ``tests/scenarios/mini-choice.yaml``: shippers choosing
between the Northern route, the capacity-limited Middle route and the sea react to what
they see.

* A dated closure (14 days) of the Northern route's western border diverts cargo while it lasts
  (the share of consignments released during it is below that of the month before, and
  below the same days of the same seed without the closure), and the share comes back
  once the delayed deliveries are forgotten.
* A surge onto the Middle route limits itself: made very attractive, the Middle takes
  most of the cargo at first, its deliveries slow down as its small feeder fleet falls
  behind, and the share falls away as shippers see those deliveries; the same Middle
  volume forced by fixed routes leaves far longer transits and cargo never delivered.
* With stationary inputs (the dated works and the seasonal storms left out), the
  monthly shares after warm-up vary only by noise: no trend across the months.

Estimates are across replications (independent: Student-t intervals); a scenario and
its variant run on the same seed (common random numbers) are compared replication by
replication. About 10 s in all.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

import corridorsim as cs

MINI_CHOICE = Path(__file__).parent.parent / "scenarios" / "mini-choice.yaml"
FLOW = "china_europe"
SEED = 5


def t_interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval of independent replication values."""
    mean = statistics.fmean(values)
    half = (stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values)
            / math.sqrt(len(values)))
    return mean, mean - half, mean + half


RUNS: dict[str, cs.RunResult] = {}


def mini_run(overrides: tuple[tuple[str, Any], ...], replications: int) -> cs.RunResult:
    """mini-choice with ``overrides``, run once per session at ``SEED``."""
    key = repr((overrides, replications))
    if key not in RUNS:
        scenario = cs.load_scenario(MINI_CHOICE).with_overrides(dict(overrides))
        RUNS[key] = cs.run(scenario, replications=replications, seed=SEED)
    return RUNS[key]


def released(row: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(row["released_at"])


def share_released(result: cs.RunResult, replication: int, route: str,
                   start: dt.datetime, end: dt.datetime) -> float:
    """The share of the consignments released in [start, end) that took ``route``."""
    rows = [r for r in result.shipments if r["replication"] == replication
            and r["flow"] == FLOW and start <= released(r) < end]
    assert len(rows) >= 25, f"too few consignments ({len(rows)}) to tell a share"
    return sum(r["route"] == route for r in rows) / len(rows)


def monthly_shares(result: cs.RunResult, replication: int, option: str) -> list[float]:
    return [row["share"] for row in result.shares if row["replication"] == replication
            and row["flow"] == FLOW and row["option"] == option]


# --- a closure diverts traffic while it lasts ----------------------------------------------

CLOSURE_START, CLOSURE_END = dt.datetime(2024, 5, 1), dt.datetime(2024, 5, 15)
STATIONARY = (("closures.storms", None), ("warmup", "40d"))
"""No seasonal storms at the Caspian port, and time to settle before the windows."""
CLOSED = (*STATIONARY, ("horizon", "250d"),
          ("closures.works.start", CLOSURE_START.isoformat()),
          ("closures.works.end", CLOSURE_END.isoformat()))
OPEN = (*STATIONARY, ("horizon", "250d"), ("closures.works", None))
CLOSURE_REPLICATIONS = 8


def test_a_closure_of_the_northern_route_diverts_cargo_while_it_lasts_and_it_comes_back():
    closed = mini_run(CLOSED, CLOSURE_REPLICATIONS)
    open_ = mini_run(OPEN, CLOSURE_REPLICATIONS)
    month = dt.timedelta(days=30)
    after_start = CLOSURE_END + dt.timedelta(days=60)
    after_end = dt.datetime.combine(closed.scenario.start_date, dt.time()) + dt.timedelta(
        hours=closed.scenario.horizon)
    assert (after_end - after_start).days >= 45
    before, during, during_open, after, after_open = [], [], [], [], []
    for rep in range(CLOSURE_REPLICATIONS):
        before.append(share_released(closed, rep, "northern_main",
                                     CLOSURE_START - month, CLOSURE_START))
        during.append(share_released(closed, rep, "northern_main", CLOSURE_START, CLOSURE_END))
        during_open.append(share_released(open_, rep, "northern_main", CLOSURE_START,
                                          CLOSURE_END))
        after.append(share_released(closed, rep, "northern_main", after_start, after_end))
        after_open.append(share_released(open_, rep, "northern_main", after_start,
                                         after_end))
    print(f"Northern share: before {np.round(before, 3)}\n during {np.round(during, 3)}\n"
          f" same days, no closure {np.round(during_open, 3)}\n"
          f" 60+ days after {np.round(after, 3)}\n same days, no closure "
          f"{np.round(after_open, 3)}")
    # Diverted while it lasts: below the month before (paired by replication; some 60
    # consignments in the closure, so a single replication may be out by noise), and
    # below the same days of the same seed without the closure in every replication.
    mean, _, high = t_interval([d - b for d, b in zip(during, before, strict=True)])
    assert high < 0 and mean < -0.05, (before, during)
    caused = [c - o for c, o in zip(during, during_open, strict=True)]
    assert all(d < 0 for d in caused), caused
    mean, _, high = t_interval(caused)
    assert high < 0 and mean < -0.05, caused
    # Back once the delayed deliveries are forgotten: above the closure's share in every
    # replication, and no different from the same days without the closure (nor far from
    # the month before) beyond noise.
    assert all(a > d for a, d in zip(after, during, strict=True))
    mean, low, high = t_interval([a - o for a, o in zip(after, after_open, strict=True)])
    assert low <= 0.0 <= high and abs(mean) < 0.05, (mean, low, high)
    assert abs(statistics.fmean(after) - statistics.fmean(before)) < 0.1


def test_a_closure_in_progress_weighs_more_the_longer_it_has_lasted():
    """With the default outlook (a closure lasts as long again as it has so far) the
    Northern route loses more of the cargo in the second half of the closure than in the
    first."""
    closed = mini_run(CLOSED, CLOSURE_REPLICATIONS)
    half = CLOSURE_START + (CLOSURE_END - CLOSURE_START) / 2
    first, second = [], []
    for rep in range(CLOSURE_REPLICATIONS):
        rows = [r for r in closed.shipments if r["replication"] == rep and r["flow"] == FLOW
                and CLOSURE_START <= released(r) < CLOSURE_END]
        first += [r["route"] == "northern_main" for r in rows if released(r) < half]
        second += [r["route"] == "northern_main" for r in rows if released(r) >= half]
    p1, p2 = statistics.fmean(first), statistics.fmean(second)
    print(f"Northern share, first half of the closure {p1:.3f} ({len(first)}), "
          f"second half {p2:.3f} ({len(second)})")
    assert p2 < p1


# --- a surge on the Middle route limits itself ---------------------------------------------

SURGE = (("closures", None), ("horizon", "130d"), ("drain", "150d"),
         ("choice.constants_usd_per_teu.middle", -3000),
         ("vessel_services.feeder.vessels", 2))
"""The Middle route made very attractive (3,000 USD per TEU in its favour) with a small
feeder fleet, no closures, and a long drain so that every consignment is delivered."""
SURGE_REPLICATIONS = 4


def middle_transits(result: cs.RunResult, replication: int) -> tuple[list[float], int]:
    """Transit days of the Middle route's delivered consignments, in release order, and
    how many were never delivered."""
    rows = sorted((r for r in result.shipments if r["replication"] == replication
                   and r["route"] == "middle_caspian"), key=released)
    done = [r["transit_days"] for r in rows if r["transit_days"] is not None]
    return done, len(rows) - len(done)


def test_a_surge_on_the_capacity_limited_middle_route_limits_itself():
    chosen = mini_run(SURGE, SURGE_REPLICATIONS)
    first_shares = []
    for rep in range(SURGE_REPLICATIONS):
        shares = monthly_shares(chosen, rep, "middle_caspian")
        first_shares.append(shares[0])
        print(f"replication {rep}: Middle share by month {shares}")
        assert shares[0] > 0.5                          # the surge
        assert shares[-1] < min(0.1, shares[0] / 3)     # and its end
        assert all(b <= a + 0.05 for a, b in itertools.pairwise(shares)), shares
        # Because the deliveries slowed down: transit by release month rises.
        by_month = middle_transit_by_month(chosen, rep)
        assert by_month[1] > by_month[0] + 10, by_month
    # The same Middle volume as at the surge's start, kept by fixed shares.
    p = round(statistics.fmean(first_shares), 2)
    forced = mini_run((*SURGE, ("choice", None), (f"flows.{FLOW}.choice", None),
                       (f"flows.{FLOW}.routes.northern_main", 1 - p),
                       (f"flows.{FLOW}.routes.middle_caspian", p)), SURGE_REPLICATIONS)
    for rep in range(SURGE_REPLICATIONS):
        chosen_days, chosen_stuck = middle_transits(chosen, rep)
        forced_days, forced_stuck = middle_transits(forced, rep)
        print(f"replication {rep}: Middle transit max {max(chosen_days):.0f} d chosen, "
              f"{max(forced_days):.0f} d forced; never delivered {chosen_stuck} chosen, "
              f"{forced_stuck} forced")
        assert chosen_stuck == 0 < forced_stuck
        # Forced cargo waits longer although much of it is not even counted (censored).
        assert max(chosen_days) < max(forced_days) - 20
        assert statistics.fmean(chosen_days) < statistics.fmean(forced_days)


def middle_transit_by_month(result: cs.RunResult, replication: int) -> list[float]:
    """Mean transit days of the Middle route's consignments by release month."""
    months: dict[str, list[float]] = {}
    for r in result.shipments:
        if r["replication"] == replication and r["route"] == "middle_caspian" \
                and r["transit_days"] is not None:
            months.setdefault(r["released_at"][:7], []).append(r["transit_days"])
    return [statistics.fmean(v) for _, v in sorted(months.items())]


# --- stationary settling -------------------------------------------------------------------

SETTLED = (("closures", None), ("warmup", "40d"), ("horizon", "400d"))
SETTLED_REPLICATIONS = 6
OPTIONS = ("northern_main", "middle_caspian", "sea_suez")


def test_after_warm_up_the_monthly_shares_vary_only_by_noise():
    result = mini_run(SETTLED, SETTLED_REPLICATIONS)
    for option in OPTIONS:
        # Whole months only: the first (after warm-up) and last (to the horizon) are
        # partial.
        matrix = np.array([monthly_shares(result, rep, option)[1:-1]
                           for rep in range(SETTLED_REPLICATIONS)])
        months = matrix.shape[1]
        assert months >= 11
        slopes = [float(np.polyfit(np.arange(months), row, 1)[0]) for row in matrix]
        mean, low, high = t_interval(slopes)
        pooled = float(matrix.mean())
        by_month = matrix.mean(axis=0)
        print(f"{option}: pooled share {pooled:.3f}, months {np.round(by_month, 3)}, "
              f"slope {mean:+.4f} [{low:+.4f}, {high:+.4f}] a month")
        assert low <= 0.0 <= high, (option, slopes)
        assert abs(mean) < 0.01                  # less than 0.1 over the year
        assert np.all(np.abs(by_month - pooled) < 0.1), (option, by_month)


# --- closures shippers ignore --------------------------------------------------------------

STRIKE = {"kind": "window", "at": "port_e", "start": "2024-04-20", "end": "2024-04-21",
          "cause": "strike"}


def test_a_closure_yet_to_come_changes_nothing_before_it():
    """Same seed, one scenario with a one-day strike at the Caspian port in April (after
    the storm months January-March of mini-choice): until the strike, nothing differs,
    since the storms there are of a cause shippers ignore."""
    before = dt.datetime(2024, 4, 20)
    plain = mini_run((("horizon", "110d"),), 2)
    strike = mini_run((("horizon", "110d"), ("closures.strike", STRIKE)), 2)

    def early(result: cs.RunResult) -> list[tuple[Any, ...]]:
        return [(r["replication"], r["released_at"], r["route"]) for r in result.shipments
                if released(r) < before]

    assert len(early(plain)) > 300
    assert early(strike) == early(plain)


def test_an_ignored_closure_yet_to_come_changes_nothing_before_it():
    """The control of the test above: the same strike labelled 'weather' (a cause
    shippers ignore) leaves every consignment before it as it was (common random
    numbers: a window closure draws nothing)."""
    before = dt.datetime(2024, 4, 20)
    plain = mini_run((("horizon", "110d"),), 2)
    storm = mini_run((("horizon", "110d"), ("closures.strike", {**STRIKE, "cause": "weather"})),
                     2)
    rows = [[(r["replication"], r["released_at"], r["route"], r["transit_days"])
             for r in result.shipments if released(r) < before] for result in (plain, storm)]
    assert len(rows[0]) > 300 and rows[0] == rows[1]


def test_run_prints_what_the_shippers_chose(tmp_path: Path, capsys: Any) -> None:
    """`corridorsim run` says each choosing flow's shares, as summary.csv has them."""
    from corridorsim.cli import main

    out = tmp_path / "run"
    assert main(["run", str(MINI_CHOICE), "-n", "2", "-w", "1", "--out", str(out),
                 "--set", "horizon=60d"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "Shippers of china_europe chose (share of its TEU): northern_main 0." in printed
    summary = {r["name"]: r for r in cs.load_results(out).summary
               if r["scope"] == "share" and r["kpi"] == "share"}
    for option in ("northern_main", "middle_caspian", "sea_suez"):
        mean = float(summary[f"china_europe:{option}"]["mean"])
        assert f"{option} {mean:.3f} ±" in printed
