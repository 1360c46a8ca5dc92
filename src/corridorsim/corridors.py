"""The two corridors and the naming rule that assigns a route to one of them.

China-Europe routes are named ``northern_*`` or ``middle_*``; the prefix is the
corridor. The schema refuses other names on China-Europe flows, and every table,
sweep, calibration target and summary groups routes by this one rule.
"""

from __future__ import annotations

CORRIDORS = ("northern", "middle")
"""The corridors compared, in the order tables list them where order matters."""

OTHER = "other"
"""The corridor of a route that belongs to neither (background cargo)."""


def corridor_of(route: str) -> str:
    """``northern`` or ``middle`` from the route's name, ``other`` for any other name."""
    for corridor in CORRIDORS:
        if route.startswith(corridor + "_"):
            return corridor
    return OTHER
