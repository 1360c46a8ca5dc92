"""Simulation hours <-> calendar: months for seasonality and calendar periods (months,
quarters, years) for yearly growth and ``periods.csv``, time of day for opening hours."""

from __future__ import annotations

import bisect
import datetime as dt

import numpy as np


class Calendar:
    """Maps simulation time (hours since ``start_date`` midnight) onto the calendar.

    Month boundaries are computed up to the run's ``end`` (in hours); later times fall
    in the last month computed.
    """

    def __init__(self, start_date: dt.date, end: float):
        self.start = dt.datetime.combine(start_date, dt.time())
        self.boundaries: list[float] = [0.0]
        self.months: list[int] = [start_date.month]
        self.years: list[int] = [start_date.year]
        """The calendar year of each month in ``months``."""
        year, month = start_date.year, start_date.month
        while self.boundaries[-1] <= end:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            self.boundaries.append(self.hours_since_start(dt.datetime(year, month, 1)))
            self.months.append(month)
            self.years.append(year)

    def hours_since_start(self, moment: dt.datetime | dt.date) -> float:
        """Simulation time of a calendar moment (a date is its midnight)."""
        if not isinstance(moment, dt.datetime):
            moment = dt.datetime.combine(moment, dt.time())
        if moment.tzinfo is not None:
            moment = moment.replace(tzinfo=None)
        return (moment - self.start).total_seconds() / 3600.0

    def month_at(self, t: float) -> int:
        """Calendar month (1-12) at simulation time ``t``."""
        return self.months[bisect.bisect_right(self.boundaries, t) - 1]

    def years_since_start(self, t: float) -> int:
        """Calendar years from the start date's year to the year of ``t`` (0 in the first
        year, however late in it the run starts)."""
        return self.years[bisect.bisect_right(self.boundaries, t) - 1] - self.years[0]

    def month_start(self, t: float) -> float:
        """Simulation time at which the month containing ``t`` began."""
        return self.boundaries[bisect.bisect_right(self.boundaries, t) - 1]

    def next_month_start(self, t: float) -> float:
        """Simulation time at which the month after the one containing ``t`` begins."""
        i = bisect.bisect_right(self.boundaries, t)
        return self.boundaries[i] if i < len(self.boundaries) else float("inf")

    def timestamp(self, t: float) -> str:
        """ISO timestamp (minutes) of simulation time ``t``."""
        return (self.start + dt.timedelta(hours=t)).isoformat(timespec="minutes")

    def timestamps(self, hours: np.ndarray) -> list[str]:
        """``timestamp`` of every element, at numpy speed (the same strings).

        ``timestamp`` goes through microseconds before cutting to the minute; times
        within rounding of a whole minute are formatted by it, the rest by numpy.
        """
        minutes = hours * 60.0
        whole = np.floor(minutes)
        start = np.datetime64(self.start, "m")
        out: list[str] = (start + whole.astype("timedelta64[m]")).astype(str).tolist()
        frac = minutes - whole
        for i in np.flatnonzero((frac < 1e-6) | (frac > 1.0 - 1e-6)):
            out[i] = self.timestamp(float(hours[i]))
        return out
