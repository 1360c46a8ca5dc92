"""The README's reference-scenario tables match a fresh run of the current model."""

from __future__ import annotations

import importlib.util

import pytest

from ..conftest import REPO


@pytest.mark.slow
def test_readme_results_tables_are_current(capsys):
    spec = importlib.util.spec_from_file_location(
        "reference_results", REPO / "scripts" / "reference_results.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main(["--check", "--workers", "2"])
    assert code == 0, capsys.readouterr().err
