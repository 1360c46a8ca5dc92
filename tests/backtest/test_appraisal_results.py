"""The README's table of the reference appraisals matches a fresh run of the model."""

from __future__ import annotations

import importlib.util

import pytest

from ..conftest import REPO


@pytest.mark.slow
def test_readme_appraisal_table_is_current(capsys):
    spec = importlib.util.spec_from_file_location(
        "appraisal_results", REPO / "scripts" / "appraisal_results.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main(["--check", "--workers", "2"])
    assert code == 0, capsys.readouterr().err
