"""The README's generated tables (reference scenarios, reference appraisals) match a
fresh run of the current model."""

from __future__ import annotations

import importlib.util

import pytest

from ..conftest import REPO


@pytest.mark.slow
@pytest.mark.parametrize("script", ["reference_results", "appraisal_results"])
def test_readme_tables_are_current(script, capsys):
    spec = importlib.util.spec_from_file_location(script, REPO / "scripts" / f"{script}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main(["--check", "--workers", "2"])
    assert code == 0, capsys.readouterr().err
