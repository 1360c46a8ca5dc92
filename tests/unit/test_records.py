import pytest

from corridorsim.records import LevelMonitor


def test_level_monitor_time_average_ignores_the_warmup():
    m = LevelMonitor(start=10.0)
    m.change(0.0, 4)      # 4 during warm-up: not counted
    m.change(15.0, -2)    # 4 from 10 to 15, then 2
    assert m.mean(20.0) == pytest.approx((4 * 5 + 2 * 5) / 10)


def test_level_monitor_peak_includes_the_level_carried_in_from_warmup():
    m = LevelMonitor(start=10.0)
    m.change(0.0, 5)
    m.change(12.0, -1)
    assert m.peak() == 5
    m.change(13.0, 3)
    assert m.peak() == 7


def test_level_monitor_peak_excludes_warmup_highs_that_are_gone():
    m = LevelMonitor(start=10.0)
    m.change(0.0, 9)
    m.change(5.0, -8)
    m.change(12.0, 1)
    assert m.peak() == 2
