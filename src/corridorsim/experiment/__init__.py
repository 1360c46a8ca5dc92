"""Running replications of a scenario and sweeps over scenario variants."""

from corridorsim.experiment.replications import RunResult, compare, load_results, run
from corridorsim.experiment.reports import write_report
from corridorsim.experiment.sensitivity import sensitivity
from corridorsim.experiment.sweep_files import SweepFile, load_sweep
from corridorsim.experiment.sweeps import SweepInterrupted, SweepResult, sweep

__all__ = ["RunResult", "SweepFile", "SweepInterrupted", "SweepResult", "compare",
           "load_results", "load_sweep", "run", "sensitivity", "sweep", "write_report"]
