"""corridorsim: China-Europe container transit, Middle Corridor versus Northern route.

``import corridorsim as cs`` is cheap: the public names below are imported when first
used, so the command line starts without loading numpy, scipy and the simulation (and
a Ctrl-C while it starts is answered by the command, not with a traceback).
"""

from __future__ import annotations

from importlib import import_module

from corridorsim.errors import CorridorsimError, RunError, ScenarioError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:  # the names imported lazily by __getattr__, for type checkers
    from corridorsim.choice_constants import fit_constants
    from corridorsim.experiment import (
        RunResult,
        SweepResult,
        compare,
        load_results,
        run,
        sensitivity,
        sweep,
        write_report,
    )
    from corridorsim.scenario import Scenario, load_scenario

_LAZY = {"RunResult": "corridorsim.experiment", "SweepResult": "corridorsim.experiment",
         "compare": "corridorsim.experiment", "load_results": "corridorsim.experiment",
         "run": "corridorsim.experiment",
         "sensitivity": "corridorsim.experiment", "sweep": "corridorsim.experiment",
         "Scenario": "corridorsim.scenario", "load_scenario": "corridorsim.scenario",
         "write_report": "corridorsim.experiment",
         "fit_constants": "corridorsim.choice_constants",
         "appraise": "corridorsim.appraisal"}

__all__ = ["CorridorsimError", "RunError", "RunResult", "Scenario", "ScenarioError",
           "SweepResult", "__version__", "appraise", "compare", "fit_constants", "load_results",
           "load_scenario", "run",
           "sensitivity", "sweep", "write_report"]


def __getattr__(name: str) -> object:
    """A public name on first use (PEP 562)."""
    if name == "__version__":
        return import_module("corridorsim.version").package_version()
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'corridorsim' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})
