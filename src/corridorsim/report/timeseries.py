"""``timeseries.csv``: queue and yard levels day by day, per node and stage, across
replications.

Each replication closes every level's day at midnight (its time-average and largest
value that day, ``DailyLevelRecord``); here the replications are added up as they
arrive, in replication order, so memory does not grow with the replication count and
the sums are the same however the replications ran.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from corridorsim.records import DailyLevelRecord
from corridorsim.report.rounding import rounded, rounded_array
from corridorsim.sim.calendar import Calendar
from corridorsim.stats import t_quantile

TIMESERIES_COLUMNS = ("node", "kind", "stage", "date", "day", "period", "replications",
                      "mean_queue", "mean_queue_halfwidth", "max_queue", "mean_yard_teu",
                      "mean_yard_teu_halfwidth", "max_yard_teu")
"""Columns of ``timeseries.csv``: one row per node (``stage`` empty), then per stage of
it, and day of the run."""

SERVER_COLUMNS = ("mean_servers", "mean_servers_halfwidth")
"""The columns of a scenario with outages (``kind: outage``): servers in service at the
stages outages take servers from."""


def timeseries_columns(outages: bool = False) -> tuple[str, ...]:
    """The columns of ``timeseries.csv``: with ``outages``, the servers in service too."""
    return (*TIMESERIES_COLUMNS, *SERVER_COLUMNS) if outages else TIMESERIES_COLUMNS


DIGITS = {"queue": 3, "yard_teu": 1, "servers": 3}
"""Decimals of each level quantity (trains waiting, TEU in a yard); it names its columns
(``mean_queue``, ``max_yard_teu``...)."""


def daily_rows(records: Sequence[DailyLevelRecord]) -> list[dict[str, Any]]:
    """One replication's daily levels as the pieces the merge adds up (not written)."""
    return [{"node": r.node, "kind": r.kind, "stage": r.stage, "quantity": r.quantity,
             "means": r.means, "peaks": r.peaks} for r in records]


class DailyLevelSums:
    """The running sums of each level's daily means (and squares) and the largest daily
    peak over the replications added so far."""

    __slots__ = ("replications", "series", "sums", "squares", "peaks")

    def __init__(self) -> None:
        self.replications = 0
        self.series: list[tuple[str, str, str | None, str]] = []
        self.sums: list[np.ndarray] = []
        self.squares: list[np.ndarray] = []
        self.peaks: list[np.ndarray] = []

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        """One replication's ``daily_rows`` (replications are added in index order)."""
        if not self.replications:
            self.series = [(r["node"], r["kind"], r["stage"], r["quantity"]) for r in rows]
            for r in rows:
                days = len(r["means"])
                self.sums.append(np.zeros(days))
                self.squares.append(np.zeros(days))
                self.peaks.append(np.full(days, -np.inf))
        for i, r in enumerate(rows):
            means = np.asarray(r["means"], dtype=float)
            self.sums[i] += means
            self.squares[i] += means * means
            np.maximum(self.peaks[i], np.asarray(r["peaks"], dtype=float), out=self.peaks[i])
        self.replications += 1

    def rows(self, calendar: Calendar, warmup: float, horizon: float) -> list[dict[str, Any]]:
        """Rows of ``timeseries.csv``: per node and stage, in the order the model lists
        them, then per day; a node's yard fills the yard columns of its node row."""
        n = self.replications
        if not n:
            return []
        t = t_quantile(n - 1) if n > 1 else math.nan
        by_level: dict[tuple[str, str, str | None], dict[str, tuple[np.ndarray, ...]]] = {}
        for (node, kind, stage, quantity), total, square, peak in zip(
                self.series, self.sums, self.squares, self.peaks, strict=True):
            mean = total / n
            if n > 1:
                variance = np.maximum((square - total * total / n) / (n - 1), 0.0)
                half = t * np.sqrt(variance / n)
            else:
                half = np.full(len(total), np.nan)
            digits = DIGITS[quantity]
            by_level.setdefault((node, kind, stage), {})[quantity] = (
                rounded_array(mean, digits), rounded_array(half, digits), peak)
        days = len(self.sums[0])  # every level has a value for every day of the run
        dates = calendar.timestamps(np.arange(days) * 24.0)
        columns = timeseries_columns(any(q == "servers" for *_, q in self.series))
        out: list[dict[str, Any]] = []
        for (node, kind, stage), levels in by_level.items():
            for day in range(days):
                row: dict[str, Any] = dict.fromkeys(columns)
                row |= {
                    "node": node, "kind": kind, "stage": stage, "date": dates[day][:10],
                    "day": day, "period": _period(24.0 * day, warmup, horizon),
                    "replications": n}
                for quantity, (mean, half, peak) in levels.items():
                    row[f"mean_{quantity}"] = float(mean[day])
                    row[f"mean_{quantity}_halfwidth"] = None if n < 2 else float(half[day])
                    if quantity != "servers":  # of servers, the day's mean says it
                        row[f"max_{quantity}"] = (int(peak[day]) if quantity == "queue"
                                                  else rounded(peak[day], DIGITS[quantity]))
                out.append(row)
        return out


def _period(start: float, warmup: float, horizon: float) -> str:
    """The part of the run a day starts in: warm-up, the demand window or the drain."""
    if start < warmup:
        return "warmup"
    return "demand" if start < horizon else "drain"
