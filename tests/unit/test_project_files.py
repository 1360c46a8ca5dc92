"""The licence, the citation file and the changelog agree with pyproject.toml."""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def pyproject() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_licence_is_mit_in_the_file_and_in_the_package_metadata() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the corridorsim authors\n")
    assert "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND" in text
    project = pyproject()
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]


def test_the_citation_file_names_the_package_version_and_its_release_date() -> None:
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(cff)
    assert cff["version"] == pyproject()["version"]
    assert datetime.date.fromisoformat(cff["date-released"]) == datetime.date(2026, 12, 2)
    assert cff["authors"] == [{"name": "corridorsim developers"}]
    assert cff["license"] == "MIT"


def test_the_changelog_starts_with_this_release_and_its_sections() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[(.+?)\](.*)$", text, flags=re.MULTILINE)
    assert releases[0] == (pyproject()["version"], " — unreleased")
    sections = re.findall(r"^### (.+)$", text, flags=re.MULTILINE)
    assert set(sections) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert "- **The report**:" in text
