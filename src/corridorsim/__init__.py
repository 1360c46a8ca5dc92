"""corridorsim: China-Europe container transit, Middle Corridor versus Northern route."""

from corridorsim.errors import CorridorsimError, RunError, ScenarioError
from corridorsim.experiment import RunResult, SweepResult, compare, run, sensitivity, sweep
from corridorsim.scenario import Scenario, load_scenario
from corridorsim.version import VERSION

__version__ = VERSION

__all__ = ["CorridorsimError", "RunError", "RunResult", "Scenario", "ScenarioError",
           "SweepResult", "__version__", "compare", "load_scenario", "run", "sensitivity",
           "sweep"]
