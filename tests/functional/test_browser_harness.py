"""The browser harness of tests/browser.py can fail: on small pages written here it sees
broken images, console errors, outgoing requests, blank screenshots and pages too wide
for a phone, and reports none of them on a good page."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests import browser as harness
from tests.browser import Browser, is_blank

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">'
       '<rect width="400" height="200" fill="#1f77b4"/></svg>')
SVG_URI = "data:image/svg+xml;base64," + base64.b64encode(SVG.encode()).decode()
HEAD = '<!doctype html><html><head><meta charset="utf-8"><title>t</title></head>'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as one:
        yield one


def page(folder: Path, body: str) -> Path:
    path = folder / "index.html"
    path.write_text(f"{HEAD}<body>{body}</body></html>", encoding="utf-8")
    return path


def png(path: Path, size: tuple[int, int], box: tuple[int, int, int, int] | None = None,
        background: str = "white") -> Path:
    image = Image.new("RGB", size, background)
    if box is not None:
        ImageDraw.Draw(image).rectangle(box, fill="black")
    image.save(path)
    return path


def test_a_good_page_has_no_problems_and_a_full_page_screenshot(browser, tmp_path):
    png(tmp_path / "figure.png", (300, 150), box=(10, 10, 290, 140))
    html = page(tmp_path, f'<h1>Transit time</h1><img src="{SVG_URI}" alt="svg">'
                          '<img src="figure.png" alt="png">'
                          '<div style="height:1500px">tall</div>')
    report = browser.render(html, tmp_path / "shot.png")
    assert report.images == 2
    assert report.problems() == []
    assert report.viewport_width == 1280 and report.scroll_height > 1500
    with Image.open(report.screenshot) as shot:  # the whole page, not just the viewport
        assert shot.size == (1280, report.scroll_height)
    assert not is_blank(report.screenshot)


def test_a_broken_page_reports_each_broken_image_console_error_and_request(browser, tmp_path):
    html = page(tmp_path, f'<img src="{SVG_URI}"><img src="missing.png">'
                          '<img src="https://example.com/logo.png">'
                          '<script>console.error("figure failed"); console.warn("late")'
                          '</script>')
    report = browser.render(html, tmp_path / "shot.png")
    assert report.images == 3
    assert report.broken_images == ("missing.png", "https://example.com/logo.png")
    errors = [e.message for e in report.errors]
    assert sum(m.endswith('"figure failed"') for m in errors) == 1
    assert any(e.source == "network" and "missing.png" in e.message for e in report.errors)
    assert [e.message.endswith('"late"') for e in report.warnings] == [True]
    assert report.network_requests == ("https://example.com/logo.png",)
    failed = dict(report.failed_requests)
    assert failed[(tmp_path / "missing.png").as_uri()] == "net::ERR_FILE_NOT_FOUND"
    assert failed["https://example.com/logo.png"].startswith("blocked")  # never sent
    assert {"broken image: missing.png",
            "network request: https://example.com/logo.png"} <= set(report.problems())


def test_a_blank_page_gives_a_blank_screenshot(browser, tmp_path):
    report = browser.render(page(tmp_path, ""), tmp_path / "shot.png")
    assert report.problems() == [] and is_blank(report.screenshot)


def test_a_page_wider_than_a_phone_overflows_and_a_fluid_one_does_not(browser, tmp_path):
    wide = browser.render_phone(page(tmp_path, '<div style="width:1000px">table</div>'),
                                tmp_path / "wide.png")
    assert wide.viewport_width == harness.PHONE_WIDTH
    assert wide.overflows and wide.scroll_width == 8 + 1000  # the body's left margin
    assert wide.problems() == ["wider than the viewport: 1008 px > 390 px"]
    fluid = browser.render_phone(page(tmp_path, f'<img src="{SVG_URI}" style="max-width:100%">'
                                                '<p>' + "words " * 200 + "</p>"),
                                 tmp_path / "fluid.png")
    assert not fluid.overflows and fluid.scroll_width == harness.PHONE_WIDTH
    assert fluid.problems() == []


def test_blankness_counts_pixels_off_the_background(tmp_path):
    assert is_blank(png(tmp_path / "white.png", (200, 100)))
    assert is_blank(png(tmp_path / "navy.png", (200, 100), background="navy"))
    assert is_blank(png(tmp_path / "speck.png", (200, 100), box=(0, 0, 0, 0)))  # 1 of 20,000
    assert not is_blank(png(tmp_path / "box.png", (200, 100), box=(0, 0, 9, 9)))  # 0.5 %
    assert harness.ink_fraction(tmp_path / "box.png") == pytest.approx(0.005)


@pytest.mark.parametrize("ci, required", [("", False), ("true", True), ("0", False),
                                          ("false", False), ("1", True)])
def test_a_missing_browser_skips_locally_and_fails_in_ci(monkeypatch, tmp_path, ci, required):
    monkeypatch.setenv("CI", ci)
    monkeypatch.delenv("CORRIDORSIM_REQUIRE_BROWSER", raising=False)
    monkeypatch.setenv("CORRIDORSIM_CHROMEDRIVER", str(tmp_path / "chromedriver"))
    outcome = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(outcome) as caught:
        harness.find_binaries()
    assert f"chromedriver (looked for {tmp_path / 'chromedriver'})" in str(caught.value)
    assert "make browser" in str(caught.value)


def test_requiring_the_browser_outside_ci(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("CORRIDORSIM_REQUIRE_BROWSER", "1")
    monkeypatch.setenv("CORRIDORSIM_CHROMIUM", str(tmp_path / "chromium"))
    with pytest.raises(pytest.fail.Exception, match=r"needs chromium \(looked for .*/chromium\)"):
        harness.find_binaries()
