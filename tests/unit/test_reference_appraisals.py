"""The reference appraisals (``appraisals/``) load, name scenarios that load, value a
project on its reference's network that differs from it, and cite their numbers."""

from __future__ import annotations

import re

import pytest

from corridorsim.appraisal import _check_network, _scenario, load_appraisal
from corridorsim.report.manifest import scenario_hash

from ..conftest import REPO

APPRAISALS = sorted((REPO / "appraisals").glob("*.yaml"))


def test_there_are_reference_appraisals():
    assert {p.stem for p in APPRAISALS} >= {"caspian-780-teu-ships", "aktau-container-hub"}


@pytest.mark.parametrize("path", APPRAISALS, ids=lambda p: p.stem)
def test_a_reference_appraisal_loads_and_compares_two_scenarios_of_one_network(path):
    appraisal = load_appraisal(path)
    reference = _scenario(path.parent, appraisal.reference, "reference", path)
    project = _scenario(path.parent, appraisal.project, "project", path)
    _check_network(reference, project, path)
    assert scenario_hash(reference) != scenario_hash(project)
    assert appraisal.replications >= 10 and appraisal.seed is None


@pytest.mark.parametrize("path", APPRAISALS, ids=lambda p: p.stem)
def test_every_number_of_a_reference_appraisal_is_cited_or_an_assumption(path):
    """A line with a number carries a comment, or sits under a comment block that names
    a source (a tag, a publication with its year) or says 'assumption'."""
    lines = path.read_text(encoding="utf-8").splitlines()
    source = re.compile(r"(GOV|IND|PRESS|IFI|FWD|assumption|derived|\(\d{4}|\d{4}\)|"
                        r"doi|as the|as appraisals/|not valued|\([A-Z][^)]*\))")
    for k, line in enumerate(lines):
        body = line.split("#", 1)[0]
        if not re.search(r":\s*[-\d{]", body) or body.strip().startswith(("name", "-")):
            continue
        if re.match(r"\s*(first_year|last_year|replications):", body):
            continue  # the period and the sample: choices, not figures
        block = [line]
        j = k - 1
        while j >= 0 and (lines[j].strip().startswith("#")
                          or re.fullmatch(r"\s*\w+:\s*", lines[j])):  # a mapping's name
            block.append(lines[j])
            j -= 1
        assert source.search(" ".join(block)), f"{path.name}:{k + 1}: {line.strip()}"
