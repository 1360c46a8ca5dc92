"""The report of a result, from Python: ``cs.write_report`` takes a results folder, a
``RunResult`` (written first) or a ``SweepResult`` (its folder)."""

from __future__ import annotations

from pathlib import Path

from corridorsim.errors import RunError
from corridorsim.experiment.replications import RunResult
from corridorsim.experiment.sweeps import SweepResult
from corridorsim.report.results_page import write_report as write_folder_report


def write_report(results: str | Path | RunResult | SweepResult,
                 directory: str | Path | None = None) -> Path:
    """Write the figures and HTML page of ``results`` into its folder's ``report/`` and
    return the page's path (``corridorsim report``). A ``RunResult`` of ``cs.run`` is
    first written to ``directory`` (``result.write``), since a report is always of files
    a reader can open beside it; one read with ``load_results``, a folder or a
    ``SweepResult`` is reported where it is."""
    if isinstance(results, RunResult) and directory is None and results.folder is not None:
        folder = results.folder.path  # read from a folder (load_results): report it there
    elif isinstance(results, RunResult):
        if directory is None:
            raise RunError("write_report: a RunResult needs the folder to write its results "
                           "and report into, e.g. cs.write_report(result, 'results/my-run')")
        folder = results.write(directory)
    elif isinstance(results, SweepResult):
        folder = results.out
    elif isinstance(results, (str, Path)):
        folder = Path(results)
    else:
        raise RunError(f"write_report: expected a results folder, a RunResult or a "
                       f"SweepResult, got {type(results).__name__}")
    if directory is not None and not isinstance(results, RunResult):
        raise RunError("write_report: 'directory' is only for a RunResult; a folder is "
                       "reported where it is")
    return write_folder_report(folder)
