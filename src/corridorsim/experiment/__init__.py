"""Running replications of a scenario and collecting their results."""

from corridorsim.experiment.replications import RunResult, run

__all__ = ["RunResult", "run"]
