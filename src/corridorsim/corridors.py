"""The two corridors and the naming rule that assigns a route to one of them.

China-Europe routes are named ``northern_*`` or ``middle_*``; the prefix is the
corridor. Outside alternatives that shippers may choose instead (the sea) are named
``sea_*``. The schema refuses other names on China-Europe flows, and every table,
sweep, calibration target and summary groups routes by this one rule.
"""

from __future__ import annotations

CORRIDORS = ("northern", "middle")
"""The corridors compared, in the order tables list them where order matters."""

SEA = "sea"
"""The corridor of an outside alternative (``sea_*``): cargo that goes by sea instead."""

OTHER = "other"
"""The corridor of a route that belongs to neither (background cargo)."""


def corridor_of(route: str) -> str:
    """``northern``, ``middle`` or ``sea`` from the route's name, ``other`` for any other
    name."""
    for corridor in (*CORRIDORS, SEA):
        if route.startswith(corridor + "_"):
            return corridor
    return OTHER
