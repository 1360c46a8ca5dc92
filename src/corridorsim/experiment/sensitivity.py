"""``sensitivity()``: a sweep whose design is a Sobol' or Morris sample, ending in the
indices of ``sensitivity.csv`` (see ``sensitivity_designs`` for the method)."""

from __future__ import annotations

from pathlib import Path

from corridorsim.errors import ScenarioError
from corridorsim.experiment.sweep_files import Sweep, SweepFile, build_sweep, load_sweep
from corridorsim.experiment.sweeps import SweepResult, sweep


def sensitivity(sweep_file: str | Path | SweepFile, workers: int | None = None,
                scheduler: str | None = None, out: str | Path | None = None,
                serial: bool = False, progress: bool = False) -> SweepResult:
    """Run a sensitivity sweep file (``design: {kind: sobol | morris, ...}``) and write
    ``sensitivity.csv`` besides ``sweep.csv``, ``frontier.csv`` and ``manifest.json``.

    The same as ``sweep`` (executors, ``out``, resume), but a file whose design is not a
    sensitivity design is refused before anything runs. The result's ``indices`` are
    the rows of ``sensitivity.csv``.
    """
    loaded: Sweep = (build_sweep(sweep_file) if isinstance(sweep_file, SweepFile)
                     else load_sweep(sweep_file))
    if not loaded.spec.design.is_sensitivity_analysis:
        raise ScenarioError(f"a {loaded.spec.design.kind} design is not a sensitivity "
                            "analysis; expected 'sobol' or 'morris' (or run it with "
                            "corridorsim sweep)", source=loaded.source,
                            key_path="design.kind")
    return sweep(loaded, workers=workers, scheduler=scheduler, out=out, serial=serial,
                 progress=progress)
