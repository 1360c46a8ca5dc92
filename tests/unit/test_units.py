import pytest

from corridorsim.units import parse_duration


@pytest.mark.parametrize("text, hours", [
    ("36h", 36.0), ("2.5d", 60.0), ("45min", 0.75), ("1w", 168.0), (12, 12.0), ("12", 12.0),
    (0.5, 0.5), ("90s", 0.025), (" 3 d ", 72.0), ("1e1h", 10.0), ("2hrs", 2.0),
    ("3 hours", 3.0), ("30mins", 0.5), ("1 hour", 1.0),
])
def test_durations_convert_to_hours(text, hours):
    assert parse_duration(text) == pytest.approx(hours)


@pytest.mark.parametrize("bad", ["36 parsecs", "h", "", "abc", True, None, [1]])
def test_bad_durations_say_what_is_expected(bad):
    with pytest.raises(ValueError, match=r"duration|unit"):
        parse_duration(bad)


@pytest.mark.parametrize("text", ["5m", "5 M", "0.5m"])
def test_an_m_is_refused_as_minutes_or_months(text):
    with pytest.raises(ValueError, match="could mean minutes or months; write 'min'"):
        parse_duration(text)
