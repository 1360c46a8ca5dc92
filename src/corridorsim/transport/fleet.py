"""What a vessel service's fleet is made of as it runs: classes of vessels as they are
now, the vessels themselves, and withdrawals waiting for vessels to come free (drydock,
retirement). Plain state; ``vessels.py`` runs it."""

from __future__ import annotations

import math

import simpy

from corridorsim.sim.sampling import Sampler

FOR_GOOD = math.inf
"""The end of a withdrawal that retires vessels (a smaller fleet)."""


class FleetClass:
    """The vessels of one class as they are now: a dated change alters these in place,
    and each vessel reads them at its next loading and sailing."""

    __slots__ = ("name", "capacity", "sailing", "vessels")

    def __init__(self, name: str, capacity: int, sailing: Sampler, vessels: int):
        self.name = name
        self.capacity = capacity
        self.sailing = sailing
        self.vessels = vessels
        """Vessels of the class in the fleet (in service or in drydock), less those due
        to be retired."""


class Vessel:
    """One vessel: its number (the port it starts at), its class, its process, and
    whether it is waiting for cargo at a berth (then it may be withdrawn at once)."""

    __slots__ = ("number", "fleet_class", "process", "waiting")

    def __init__(self, number: int, fleet_class: FleetClass):
        self.number = number
        self.fleet_class = fleet_class
        self.process: simpy.Process | None = None
        self.waiting = False


class Withdrawal:
    """Vessels wanted out of service until ``until`` (``FOR_GOOD``: retired), of one class
    or of any (``vessel_class`` None), taken by the first vessels that become free."""

    __slots__ = ("vessel_class", "count", "until")

    def __init__(self, vessel_class: str | None, count: int, until: float):
        self.vessel_class = vessel_class
        self.count = count
        self.until = until
