import pytest

from corridorsim.units import parse_duration


@pytest.mark.parametrize("text, hours", [
    ("36h", 36.0), ("2.5d", 60.0), ("45min", 0.75), ("1w", 168.0), (12, 12.0), ("12", 12.0),
    (0.5, 0.5), ("90s", 0.025), (" 3 d ", 72.0), ("1e1h", 10.0),
])
def test_durations_convert_to_hours(text, hours):
    assert parse_duration(text) == pytest.approx(hours)


@pytest.mark.parametrize("bad", ["36 parsecs", "h", "", "abc", True, None, [1]])
def test_bad_durations_say_what_is_expected(bad):
    with pytest.raises(ValueError, match=r"duration|unit"):
        parse_duration(bad)
