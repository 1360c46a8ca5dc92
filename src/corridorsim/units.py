"""Durations with units, as written in scenario files.

Scenario authors copy figures from reports that mix minutes, hours and days
("cleared in 30 minutes", "5 days across Kazakhstan"); writing the unit next to
the value keeps the file readable and removes a class of silent mistakes.
Internally the simulation clock runs in hours.
"""

from __future__ import annotations

import re

HOURS_PER_UNIT: dict[str, float] = {
    "s": 1 / 3600,
    "sec": 1 / 3600,
    "min": 1 / 60,
    "mins": 1 / 60,
    "minutes": 1 / 60,
    "h": 1.0,
    "hr": 1.0,
    "hrs": 1.0,
    "hour": 1.0,
    "hours": 1.0,
    "d": 24.0,
    "day": 24.0,
    "days": 24.0,
    "w": 168.0,
    "week": 168.0,
    "weeks": 168.0,
}

_DURATION = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|[-+]?\.\d+)\s*([a-zA-Z]*)\s*$")


def parse_duration(value: object) -> float:
    """Return a duration in hours from ``"36h"``, ``"2.5d"``, ``"45min"`` or a bare number.

    A bare number (or a string without a unit) is hours. Raises ``ValueError``
    with the accepted forms when the text is not a duration.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as '36h', '2.5d' or '45min', got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            number, unit = match.groups()
            if unit == "":
                return float(number)
            if unit.lower() == "m":
                raise ValueError(f"the unit 'm' in {value!r} could mean minutes or months; "
                                 "write 'min' (months are not a duration here)")
            factor = HOURS_PER_UNIT.get(unit.lower())
            if factor is not None:
                return float(number) * factor
            units = ", ".join(sorted({"min", "h", "d", "w"}))
            raise ValueError(f"unknown time unit {unit!r} in {value!r}; use one of {units}")
    raise ValueError(f"expected a duration such as '36h', '2.5d' or '45min', got {value!r}")

