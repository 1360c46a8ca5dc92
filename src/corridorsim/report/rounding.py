"""Rounding, done once when a table is built, so that CSV files are byte-identical for
the same scenario, seed and version wherever they are produced."""

from __future__ import annotations

import numpy as np


def rounded(x: float | None, digits: int = 4) -> float | None:
    """Round once, here, so that CSV files are byte-identical wherever they are written."""
    return None if x is None else round(float(x), digits)


def rounded_array(values: np.ndarray, digits: int) -> np.ndarray:
    """``round(x, digits)`` of every element, as Python rounds it (to the double nearest
    the correctly rounded decimal), at numpy speed.

    numpy scales, rounds to an integer and scales back; the result is the same double
    as Python's except when the scaled value is within rounding error of a half (where
    numpy's scaling can land on the other side): those few are rounded by Python.
    """
    scaled = values * 10.0**digits
    out = np.round(scaled) / 10.0**digits
    frac = np.abs(scaled - np.floor(scaled) - 0.5)
    for i in np.flatnonzero(frac < 1e-6):
        out.flat[i] = round(float(values.flat[i]), digits)
    return out
