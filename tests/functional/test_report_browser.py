"""The report page in a real browser (headless Chromium): every figure loads, nothing is
logged to the console, nothing is fetched, the page shows something, and it fits a
phone's width. The screenshots are kept in the test's folder for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from corridorsim.cli import main
from tests.browser import Browser, is_blank

pytest.importorskip("matplotlib")

COUNTRIES = Path(__file__).parent.parent / "scenarios" / "mini-countries.yaml"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as one:
        yield one


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "run"
    assert main(["run", str(COUNTRIES), "-n", "3", "-w", "1", "-q", "--out", str(out),
                 "--report"]) == 0
    return out / "report" / "index.html"


def test_every_figure_loads_with_no_console_errors(browser, report, tmp_path):
    page = browser.render(report, tmp_path / "report.png")
    figures = len(re.findall(r"<figure>", report.read_text(encoding="utf-8")))
    assert figures == 9  # with the shares by month (its flow has two routes)
    assert page.problems() == []
    assert page.images == figures and page.broken_images == ()
    assert not is_blank(page.screenshot)
    assert page.scroll_height > 9 * 300  # every figure is drawn at a readable size


def test_the_page_fits_a_phone(browser, report, tmp_path):
    page = browser.render_phone(report, tmp_path / "phone.png")
    assert page.problems() == []
    assert not page.overflows
    assert not is_blank(page.screenshot)
