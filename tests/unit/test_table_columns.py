"""The numpy column helpers of report/tables.py and Calendar.timestamps give exactly what
Python's round() and Calendar.timestamp give, value by value (CSV files must not depend
on which path formatted a number)."""

import datetime as dt
import random

import numpy as np

from corridorsim.report.tables import rounded_array
from corridorsim.sim.calendar import Calendar


def _awkward_values(rng: random.Random) -> list[float]:
    """Random values plus near-ties and near-whole-minute times, where numpy's scaling
    and Python's correctly rounded decimal conversion can disagree."""
    values = [rng.uniform(0, 5000) for _ in range(20_000)]
    values += [k / 10_000 + 0.00005 for k in range(0, 200_000, 7)]        # ties at 4 digits
    values += [k / 100 + 0.005 + d for k in range(0, 50_000, 3) for d in (-1e-13, 0, 1e-13)]
    values += [k / 60 + d for k in range(0, 600_000, 11) for d in (-1e-12, 0, 1e-12)]
    return values


def test_rounded_array_is_pythons_round_for_every_value():
    values = _awkward_values(random.Random(7))
    for digits in (2, 4):
        got = rounded_array(np.array(values), digits).tolist()
        expected = [round(v, digits) for v in values]
        mismatches = [(v, g, e) for v, g, e in zip(values, got, expected, strict=True)
                      if g != e]
        assert not mismatches, mismatches[:5]


def test_rounded_array_keeps_the_shape_of_a_table():
    values = np.array([[0.123456, 1.00005], [2.5, 7.99995]])
    assert rounded_array(values, 4).tolist() == [[0.1235, round(1.00005, 4)],
                                                 [2.5, round(7.99995, 4)]]


def test_timestamps_are_the_same_strings_as_timestamp():
    calendar = Calendar(dt.date(2024, 1, 1), 10_000.0)
    hours = [h / 60 for h in _awkward_values(random.Random(11))] + [0.0, 8783.999999999]
    got = calendar.timestamps(np.array(hours))
    expected = [calendar.timestamp(h) for h in hours]
    assert got == expected
    assert calendar.timestamps(np.array([36.5])) == ["2024-01-02T12:30"]
