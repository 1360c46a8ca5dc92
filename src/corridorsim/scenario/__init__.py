"""Scenario files: the schema (types) and the loader (files, inheritance, overrides)."""

from corridorsim.scenario.loader import load_scenario
from corridorsim.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario"]
