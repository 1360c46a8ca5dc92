"""corridorsim: China-Europe container transit, Middle Corridor versus Northern route."""

from corridorsim.errors import CorridorsimError, RunError, ScenarioError
from corridorsim.experiment import RunResult, SweepResult, run, sensitivity, sweep
from corridorsim.report.scenario_comparison import compare
from corridorsim.scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = ["CorridorsimError", "RunError", "RunResult", "Scenario", "ScenarioError",
           "SweepResult", "compare", "load_scenario", "run", "sensitivity", "sweep",
           "__version__"]
