"""A border crossing built by hand: its stages in order with exact times, the activity each
hour is charged to, customs regimes and inspections, the gauge-change headway, opening
hours, closures, the node record and the random streams it names."""

from __future__ import annotations

import re

import pytest
import simpy

from corridorsim.consignment import Consignment, ConsignmentPart, Train
from corridorsim.facilities.base import FacilitySetting
from corridorsim.facilities.border import BorderFacility, effective_regime
from corridorsim.records import Activity, ObservationWindow
from corridorsim.scenario.distributions import Fixed
from corridorsim.scenario.sections import (
    Border,
    Customs,
    CustomsCheck,
    CustomsRegime,
    CustomsRegimePatch,
    CustomsRegimes,
    GaugeChange,
    OpeningHours,
)
from corridorsim.sim.scheduled_call import ScheduledCall
from corridorsim.sim.streams import STREAM_PATTERNS, RandomStreams

END = 100.0
PAPER_HOURS = 4.0
DIGITAL_HOURS = 0.5


def make_train(env: simpy.Environment, cid: int, teu: int = 1, at: float | None = None) -> Train:
    """A train of one consignment whose activity clock starts at ``at`` (default: now)."""
    released = env.now if at is None else at
    consignment = Consignment(cid, "f", "northern_x", ("a", "b"), teu, released, False, 0.0, 0.0)
    return Train([ConsignmentPart.whole(consignment)], ("a", "b"))


def regimes(paper: CustomsRegime | None = None,
            digital: CustomsRegime | None = None) -> CustomsRegimes:
    return CustomsRegimes(paper=paper or CustomsRegime(document_check="4h"),
                          digital=digital or CustomsRegime(document_check="30min"))


def check(hours: str | None = None, lanes: int = 1) -> CustomsCheck:
    """A check whose paper document check takes ``hours`` (scenario-wide when None)."""
    patch = CustomsRegimePatch(document_check=hours) if hours is not None else None
    return CustomsCheck(lanes=lanes, paper=patch)


def make_border(env: simpy.Environment, config: Border, *, digitization: float = 0.0,
                customs_regimes: CustomsRegimes | None = None, window: tuple[float, float] = (
                    0.0, END), streams: RandomStreams | None = None) -> BorderFacility:
    setting = FacilitySetting(env, ObservationWindow(*window),
                              streams if streams is not None else RandomStreams(1, 0),
                              customs_regimes or regimes(), digitization)
    return BorderFacility(setting, "b", config)


def three_stage_border() -> Border:
    # Paper regime (digitization 0): exit check 2 h, gauge change 5 h, entry check 3 h.
    return Border(customs=Customs(exit=check("2h"), entry=check("3h")),
                  gauge_change=GaugeChange(tracks=1, service_time="5h"))


def pass_at(env: simpy.Environment, border: BorderFacility, when: float, train: Train,
            done: dict[int, float]) -> None:
    """Send ``train`` into ``border`` at ``when``; record when it leaves under its id."""
    cid = train.parts[0].consignment.id

    def arrive(_event: object) -> None:
        border.pass_train(train, lambda t: done.__setitem__(cid, env.now))

    ScheduledCall(env, when, arrive)


def hours_of(train: Train) -> dict[Activity, float]:
    """The activities a train's only part was charged to (non-zero hours only)."""
    return {a: h for a, h in zip(Activity, train.parts[0].hours, strict=True) if h}


# --- stages, times and activities -----------------------------------------------------------


def test_the_stages_run_exit_check_then_gauge_change_then_entry_check():
    env = simpy.Environment()
    border = make_border(env, three_stage_border())
    assert border.stages == (border.exit.clear, border.change_gauge, border.entry.clear)
    train = make_train(env, 0)
    done: list[float] = []
    border.pass_train(train, lambda t: done.append(env.now))
    part = train.parts[0]
    # Exit check 0-2 h: at 1.5 h nothing is charged yet, at 2.5 h the 2 h of customs are.
    env.run(until=1.5)
    assert hours_of(train) == {}
    env.run(until=2.5)
    assert hours_of(train) == {Activity.CUSTOMS: 2.0}
    # Gauge change 2-7 h, then entry check 7-10 h.
    env.run(until=7.5)
    assert hours_of(train) == {Activity.CUSTOMS: 2.0, Activity.GAUGE_CHANGE: 5.0}
    env.run()
    assert done == [10.0]
    assert hours_of(train) == {Activity.CUSTOMS: 5.0, Activity.GAUGE_CHANGE: 5.0}
    assert part.mark == 10.0
    assert train.waited == 0.0


def test_a_second_train_queues_at_each_stage_and_its_wait_is_charged_to_the_border_queue():
    env = simpy.Environment()
    border = make_border(env, three_stage_border())
    first, second = make_train(env, 0, teu=80), make_train(env, 1, teu=100)
    done: dict[int, float] = {}
    pass_at(env, border, 0.0, first, done)
    pass_at(env, border, 0.0, second, done)
    env.run()
    # First: exit 0-2, gauge 2-7, entry 7-10. Second: exit queue 0-2, exit 2-4, gauge queue
    # 4-7, gauge 7-12, entry 12-15 (free since 10): 2 + 3 = 5 h in the border queue.
    assert done == {0: 10.0, 1: 15.0}
    assert hours_of(first) == {Activity.CUSTOMS: 5.0, Activity.GAUGE_CHANGE: 5.0}
    assert hours_of(second) == {Activity.BORDER_QUEUE: 5.0, Activity.CUSTOMS: 5.0,
                                Activity.GAUGE_CHANGE: 5.0}
    assert (first.waited, second.waited) == (0.0, 5.0)
    assert sum(second.parts[0].hours) == 15.0


def test_the_record_counts_trains_teu_waits_queue_and_the_busiest_service_point():
    env = simpy.Environment()
    border = make_border(env, three_stage_border(), window=(0.0, 20.0))
    done: dict[int, float] = {}
    pass_at(env, border, 0.0, make_train(env, 0, teu=80), done)
    pass_at(env, border, 0.0, make_train(env, 1, teu=100), done)
    env.run()
    record = border.record(3, 20.0)
    assert (record.replication, record.node, record.kind) == (3, "b", "border")
    assert (record.throughput_trains, record.throughput_teu) == (2, 180)
    # Waits 0 and 5 h (see above): 2.5 h per train.
    assert record.mean_wait_hours == pytest.approx(2.5)
    # One train queued 0-2 (exit) and 4-7 (gauge): 5 train-hours over 20 h.
    assert record.mean_queue == pytest.approx(5.0 / 20.0)
    assert record.max_queue == 1
    # Gauge track busy 2-12 h (10 of 20 h); exit lane 4 h, entry lane 6 h: the gauge wins.
    assert record.utilisation == pytest.approx(0.5)
    assert record.hours_closed == 0.0 and record.vessel_calls == 0
    assert record.mean_yard_teu is None and record.max_yard_teu is None


def test_only_visits_that_arrive_after_the_warmup_are_counted():
    env = simpy.Environment()
    border = make_border(env, three_stage_border(), window=(5.0, 40.0))
    done: dict[int, float] = {}
    pass_at(env, border, 0.0, make_train(env, 0, teu=80), done)
    pass_at(env, border, 1.0, make_train(env, 1, teu=90, at=1.0), done)
    pass_at(env, border, 6.0, make_train(env, 2, teu=100, at=6.0), done)
    env.run()
    # Train 1 arrives at 1 h (exit queue 1-2): it straddles the warm-up and is not counted.
    # Train 2 at 6 h: exit 6-8, gauge queue 8-12 (train 1 there 7-12): a 4 h wait.
    record = border.record(0, 40.0)
    assert (record.throughput_trains, record.throughput_teu) == (1, 100)
    assert record.mean_wait_hours == pytest.approx(4.0)


def test_joint_control_runs_one_check_after_the_gauge_change_instead_of_two():
    env = simpy.Environment()
    streams = RandomStreams(1, 0)
    config = Border(customs=Customs(exit=check("2h"), entry=check("3h"), joint_control=True),
                    gauge_change=GaugeChange(tracks=1, service_time="5h"))
    border = make_border(env, config, streams=streams)
    assert border.exit is None and border.entry is not None
    assert border.entry.name == "b.joint_customs"
    assert border.stages == (border.change_gauge, border.entry.clear)
    train = make_train(env, 0)
    done: list[float] = []
    border.pass_train(train, lambda t: done.append(env.now))
    # Gauge change 0-5 h first, then the entry check's 3 h; the exit check's 2 h never run.
    env.run(until=5.5)
    assert hours_of(train) == {Activity.GAUGE_CHANGE: 5.0}
    env.run()
    assert done == [8.0]
    assert hours_of(train) == {Activity.GAUGE_CHANGE: 5.0, Activity.CUSTOMS: 3.0}
    assert not any(".exit_customs." in n or ".entry_customs." in n for n in streams.names)


def test_joint_control_without_an_entry_check_runs_the_exit_check_before_the_gauge_change():
    env = simpy.Environment()
    config = Border(customs=Customs(exit=check("2h"), joint_control=True),
                    gauge_change=GaugeChange(tracks=1, service_time="5h"))
    border = make_border(env, config)
    assert border.entry is None and border.exit is not None
    assert border.exit.name == "b.joint_customs"
    train = make_train(env, 0)
    done: list[float] = []
    border.pass_train(train, lambda t: done.append(env.now))
    env.run(until=2.5)
    assert hours_of(train) == {Activity.CUSTOMS: 2.0}
    env.run()
    assert done == [7.0]


# --- regimes, patches, inspections ----------------------------------------------------------


def time_through_exit_check(digitization: float, *, config: Customs | None = None,
                            customs_regimes: CustomsRegimes | None = None,
                            streams: RandomStreams | None = None,
                            draw: float = 0.5) -> tuple[float, Train]:
    """Hours one train spends at a border with one exit check and nothing else, for a
    consignment whose electronic-data draw is ``draw``."""
    env = simpy.Environment()
    border = make_border(env, Border(customs=config or Customs(exit=CustomsCheck())),
                         digitization=digitization, customs_regimes=customs_regimes,
                         streams=streams)
    train = make_train(env, 0)
    train.data_draw = draw
    done: list[float] = []
    border.pass_train(train, lambda t: done.append(env.now))
    env.run()
    (end,) = done
    return end, train


def fresh_state(name: str) -> object:
    return RandomStreams(1, 0).get(name).getstate()


def test_digitization_zero_and_one_choose_the_paper_and_digital_regime_whatever_the_draw():
    for digitization, hours in ((0.0, PAPER_HOURS), (1.0, DIGITAL_HOURS)):
        for draw in (0.0, 0.5, 0.999999):
            end, train = time_through_exit_check(digitization, draw=draw)
            assert end == hours
            assert hours_of(train) == {Activity.CUSTOMS: hours}


def test_a_train_carries_electronic_data_where_digitization_exceeds_its_draw():
    # One draw per consignment: digital at every check digitized above it, paper below.
    for draw, digitization, hours in ((0.3, 0.5, DIGITAL_HOURS), (0.7, 0.5, PAPER_HOURS),
                                      (0.5, 0.5, PAPER_HOURS), (0.49, 0.5, DIGITAL_HOURS)):
        end, _ = time_through_exit_check(digitization, draw=draw)
        assert end == hours, (draw, digitization)


def test_a_borders_own_digitization_overrides_the_scenario_wide_one():
    # Scenario-wide 0 (paper), the border's 1 (digital), and the other way round: an
    # override of 0.0 is a value, not a missing key.
    end, _ = time_through_exit_check(0.0, config=Customs(exit=CustomsCheck(), digitization=1.0))
    assert end == DIGITAL_HOURS
    end, _ = time_through_exit_check(1.0, config=Customs(exit=CustomsCheck(), digitization=0.0))
    assert end == PAPER_HOURS


def test_a_per_check_patch_overrides_only_the_keys_it_gives():
    default = CustomsRegime(document_check="4h", inspection_probability=0.25,
                            inspection_time="6h")
    assert effective_regime(default, None) is default
    patched = effective_regime(default, CustomsRegimePatch(inspection_probability=0.0))
    # A falsy value (0.0) is kept; the other keys come from the scenario-wide regime.
    assert patched == CustomsRegime(document_check="4h", inspection_probability=0.0,
                                    inspection_time="6h")
    patched = effective_regime(default, CustomsRegimePatch(document_check="1h"))
    assert patched.document_check == Fixed(value=1.0)
    assert (patched.inspection_probability, patched.inspection_time) == (0.25, Fixed(value=6.0))
    assert default.document_check == Fixed(value=4.0)  # the scenario-wide regime is unchanged


def test_a_patch_of_the_paper_regime_at_one_check_leaves_the_digital_regime_alone():
    patch = CustomsRegimePatch(document_check="2h")
    config = Customs(exit=CustomsCheck(paper=patch))
    assert time_through_exit_check(0.0, config=config)[0] == 2.0
    assert time_through_exit_check(1.0, config=config)[0] == DIGITAL_HOURS


def test_inspection_probability_one_always_adds_the_inspection_time():
    inspecting = regimes(paper=CustomsRegime(document_check="4h", inspection_probability=1.0,
                                             inspection_time="6h"))
    end, train = time_through_exit_check(0.0, customs_regimes=inspecting)
    # 4 h document check, then 6 h physical inspection.
    assert end == 10.0
    assert hours_of(train) == {Activity.CUSTOMS: 4.0, Activity.INSPECTION: 6.0}


def test_inspection_probability_zero_never_inspects_nor_draws():
    never = regimes(paper=CustomsRegime(document_check="4h", inspection_probability=0.0,
                                        inspection_time="6h"))
    streams = RandomStreams(1, 0)
    for _ in range(3):
        end, train = time_through_exit_check(0.0, customs_regimes=never, streams=streams)
        assert end == 4.0
        assert Activity.INSPECTION not in hours_of(train)
    assert streams.get("b.exit_customs.inspection").getstate() == fresh_state(
        "b.exit_customs.inspection")


def test_a_per_check_patch_can_turn_on_inspections_at_one_check():
    patch = CustomsRegimePatch(inspection_probability=1.0, inspection_time="6h")
    end, train = time_through_exit_check(0.0, config=Customs(exit=CustomsCheck(paper=patch)))
    # Scenario-wide 4 h check kept, the patch adds a certain 6 h inspection.
    assert end == 10.0
    assert hours_of(train) == {Activity.CUSTOMS: 4.0, Activity.INSPECTION: 6.0}


def test_inspections_only_in_the_regime_that_cannot_occur_are_never_drawn():
    # Digital trains would always be inspected, but at digitization 0 there are none.
    customs_regimes = regimes(digital=CustomsRegime(document_check="30min",
                                                    inspection_probability=1.0,
                                                    inspection_time="6h"))
    streams = RandomStreams(1, 0)
    end, _ = time_through_exit_check(0.0, customs_regimes=customs_regimes, streams=streams)
    assert end == PAPER_HOURS
    assert streams.get("b.exit_customs.inspection").getstate() == fresh_state(
        "b.exit_customs.inspection")


# --- gauge change, opening hours, closures --------------------------------------------------


def test_trains_per_day_enforces_a_headway_between_gauge_change_starts():
    env = simpy.Environment()
    # Two tracks but 2 trains a day: starts at least 24 / 2 = 12 h apart.
    border = make_border(env, Border(gauge_change=GaugeChange(tracks=2, service_time="5h",
                                                              trains_per_day=2)))
    assert border.gauge is not None and border.gauge.headway == 12.0
    trains = [make_train(env, k) for k in range(3)]
    done: dict[int, float] = {}
    for train in trains:
        pass_at(env, border, 0.0, train, done)
    env.run()
    # Starts at 0, 12 and 24 h; each takes 5 h.
    assert done == {0: 5.0, 1: 17.0, 2: 29.0}
    assert [t.waited for t in trains] == [0.0, 12.0, 24.0]
    assert hours_of(trains[1]) == {Activity.BORDER_QUEUE: 12.0, Activity.GAUGE_CHANGE: 5.0}


def test_a_gauge_change_without_trains_per_day_has_no_headway():
    env = simpy.Environment()
    border = make_border(env, Border(gauge_change=GaugeChange(tracks=2, service_time="5h")))
    assert border.gauge is not None and border.gauge.headway is None
    done: dict[int, float] = {}
    for k in range(2):
        pass_at(env, border, 0.0, make_train(env, k), done)
    env.run()
    assert done == {0: 5.0, 1: 5.0}


def test_opening_hours_delay_a_start_until_opening_and_every_stage_keeps_them():
    env = simpy.Environment()
    config = Border(customs=Customs(exit=check("5h")),
                    gauge_change=GaugeChange(tracks=1, service_time="2h"),
                    opening_hours=OpeningHours(open="8h", close="20h"))
    border = make_border(env, config)
    early, late = make_train(env, 0), make_train(env, 1, at=43.0)
    done: dict[int, float] = {}
    pass_at(env, border, 0.0, early, done)
    pass_at(env, border, 43.0, late, done)
    env.run()
    # Arrives at midnight: exit check 8-13 h, gauge change 13-15 h.
    assert done[0] == 15.0
    assert hours_of(early) == {Activity.BORDER_QUEUE: 8.0, Activity.CUSTOMS: 5.0,
                               Activity.GAUGE_CHANGE: 2.0}
    # Arrives at 19:00 on day 2 (43 h): the check may start before closing and runs to
    # midnight (48 h); the gauge change then waits for 08:00 (56 h) and ends at 58 h.
    assert done[1] == 58.0
    assert hours_of(late) == {Activity.CUSTOMS: 5.0, Activity.BORDER_QUEUE: 8.0,
                              Activity.GAUGE_CHANGE: 2.0}
    assert late.waited == 8.0


def test_a_train_arriving_at_closing_time_waits_for_the_next_opening():
    env = simpy.Environment()
    config = Border(customs=Customs(exit=check("1h")),
                    opening_hours=OpeningHours(open="8h", close="20h"))
    border = make_border(env, config)
    done: dict[int, float] = {}
    pass_at(env, border, 20.0, make_train(env, 0, at=20.0), done)
    env.run()
    # 20:00 is closed: (8 - 20) mod 24 = 12 h to the next opening at 32 h, then 1 h.
    assert done == {0: 33.0}


def test_a_closure_holds_a_train_as_a_closure_hold():
    env = simpy.Environment()
    border = make_border(env, three_stage_border(), window=(0.0, 30.0))
    border.closure.close()
    ScheduledCall(env, 3.0, lambda _e: border.closure.reopen())
    train = make_train(env, 0)
    done: dict[int, float] = {}
    pass_at(env, border, 0.0, train, done)
    env.run()
    # Held 0-3 h, then 2 + 5 + 3 h of service.
    assert done == {0: 13.0}
    assert hours_of(train) == {Activity.CLOSURE_HOLD: 3.0, Activity.CUSTOMS: 5.0,
                               Activity.GAUGE_CHANGE: 5.0}
    record = border.record(0, 30.0)
    assert record.mean_wait_hours == 3.0 and record.hours_closed == 3.0


def test_a_closure_does_not_stop_a_service_in_progress_but_holds_the_next_stage():
    env = simpy.Environment()
    border = make_border(env, three_stage_border(), window=(0.0, 30.0))
    ScheduledCall(env, 1.0, lambda _e: border.closure.close())
    ScheduledCall(env, 6.0, lambda _e: border.closure.reopen())
    train = make_train(env, 0)
    done: dict[int, float] = {}
    pass_at(env, border, 0.0, train, done)
    env.run()
    # Exit check 0-2 h runs through the closure starting at 1 h; the gauge change waits
    # 2-6 h, runs 6-11 h, entry check 11-14 h.
    assert done == {0: 14.0}
    assert hours_of(train) == {Activity.CUSTOMS: 5.0, Activity.CLOSURE_HOLD: 4.0,
                               Activity.GAUGE_CHANGE: 5.0}
    assert border.record(0, 30.0).hours_closed == 5.0


def test_a_border_without_service_points_still_holds_trains_while_closed():
    env = simpy.Environment()
    border = make_border(env, Border(), window=(0.0, 10.0))
    assert border.stages == (border.hold_while_closed,) and border.service_points == []
    open_train = make_train(env, 0, teu=80, at=0.5)
    held = make_train(env, 1, teu=100, at=2.0)
    done: dict[int, float] = {}
    pass_at(env, border, 0.5, open_train, done)
    ScheduledCall(env, 1.0, lambda _e: border.closure.close())
    ScheduledCall(env, 5.0, lambda _e: border.closure.reopen())
    pass_at(env, border, 2.0, held, done)
    env.run()
    # Open at 0.5 h: straight through. At 2 h it is closed until 5 h: 3 h of closure hold.
    assert done == {0: 0.5, 1: 5.0}
    assert hours_of(open_train) == {}
    assert hours_of(held) == {Activity.CLOSURE_HOLD: 3.0}
    record = border.record(0, 10.0)
    assert (record.throughput_trains, record.throughput_teu) == (2, 180)
    assert record.mean_wait_hours == pytest.approx(1.5)  # (0 + 3) / 2
    assert record.utilisation == 0.0 and record.hours_closed == 4.0


# --- streams --------------------------------------------------------------------------------


def test_a_border_names_its_streams_by_the_patterns_whatever_the_digitization():
    for digitization in (0.0, 0.3, 1.0):
        streams = RandomStreams(1, 0)
        make_border(simpy.Environment(), three_stage_border(), digitization=digitization,
                    streams=streams)
        # Every check's inspection, document check and inspection time streams
        # are created with the border, even those whose draw is certain (never made).
        per_check = ["inspection", "paper.document_check", "paper.inspection_time",
                     "digital.document_check", "digital.inspection_time"]
        expected = {f"b.{which}_customs.{s}" for which in ("exit", "entry") for s in per_check}
        assert set(streams.names) == expected | {"b.gauge_change"}
        patterns = [re.compile("^" + re.sub(r"\\{\w+\\}", r"[A-Za-z0-9_.-]+", re.escape(p))
                               + "$") for p in STREAM_PATTERNS]
        assert all(any(p.match(n) for p in patterns) for n in streams.names)


def test_passing_trains_draws_nothing_when_every_time_is_fixed_and_certain():
    streams = RandomStreams(1, 0)
    env = simpy.Environment()
    border = make_border(env, three_stage_border(), streams=streams)
    for k in range(3):
        border.pass_train(make_train(env, k), lambda t: None)
    env.run()
    assert all(streams.get(n).getstate() == fresh_state(n) for n in streams.names)

