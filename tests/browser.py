"""Render a local HTML page in headless Chromium and report what a reader would see.

Support for the report's browser tests (not a test module). ``Browser`` starts one
Chromium through Debian's ``chromedriver`` (Selenium with an explicit driver path, so
Selenium Manager never downloads anything); ``Browser.render`` loads a file and returns a
``PageReport``: the images and which are broken, the console's errors and warnings, every
failed or outgoing network request (the page must need none: requests that would leave
the machine are blocked before they go), the page's size and a full-page screenshot.
``is_blank`` tells whether a screenshot shows anything at all. One browser per module::

    @pytest.fixture(scope="module")
    def browser():
        with Browser() as one:
            yield one

    def test_the_report_shows_every_figure(browser, tmp_path):
        page = browser.render(folder / "report" / "index.html", tmp_path / "report.png")
        assert page.problems() == [] and not is_blank(page.screenshot)

Where Chromium, chromedriver or Selenium is missing, the test is skipped with the reason;
where ``CI`` is set (CI runs ``.ci/run`` with ``CI=true``) or
``CORRIDORSIM_REQUIRE_BROWSER=1``, it fails instead, so a broken install cannot pass as a
skip. ``make browser`` (run by ``make test``) installs the Debian packages.
``CORRIDORSIM_CHROMIUM`` and ``CORRIDORSIM_CHROMEDRIVER`` point at other binaries (a
non-Debian machine). Lazy images (``loading="lazy"``) out of view count as broken: a
printable page needs them all loaded anyway.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
import time
from base64 import b64decode
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

import numpy as np
import pytest

# Debian's binary itself, not its /usr/bin/chromium wrapper script (which adds extension
# and GPU flags of its own); the wrapper is the fallback elsewhere.
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium calls home at start, and a closed network refuses it.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",  # a small /dev/shm (containers) crashes the renderer
    # Overlay scrollbars, as on phones and macOS: a scrollbar takes no layout width and
    # no screenshot pixels, so widths and pictures do not depend on the page's length.
    "--hide-scrollbars",
)
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
"""Requests with these schemes stay on the machine; any other is a network request."""
BLOCKED_URLS = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
"""A phone's viewport in CSS pixels (iPhone 12 to 15): the narrow render."""
LOAD_TIMEOUT_S = 30.0
IMAGE_WAIT_S = 5.0

_MEASURE = """
const images = Array.from(document.images);
const root = document.documentElement;
return {
  images: images.length,
  broken: images.filter(i => !i.complete || i.naturalWidth === 0)
                .map(i => i.getAttribute('src') || ''),
  scrollWidth: root.scrollWidth, scrollHeight: root.scrollHeight,
  clientWidth: root.clientWidth,
};
"""
_IMAGES_SETTLED = "return Array.from(document.images).every(i => i.complete);"


@dataclass(frozen=True)
class ConsoleEntry:
    """One line of the browser's console: ``level`` is SEVERE or WARNING; ``source`` is
    where it came from (console-api for console.error, network, javascript, ...)."""

    level: str
    source: str
    message: str


@dataclass(frozen=True)
class PageReport:
    """What one render of a page showed.

    ``broken_images`` holds each broken image's ``src`` attribute (data URIs cut short):
    an image that has not loaded (lazy images out of view included) or has no pixels.
    ``viewport_width`` is the width the page can use without scrolling sideways (the
    document's client width, a vertical scrollbar excluded); the page overflows when its
    ``scroll_width`` is larger.
    """

    url: str
    images: int
    broken_images: tuple[str, ...]
    console: tuple[ConsoleEntry, ...]
    failed_requests: tuple[tuple[str, str], ...]
    """(url, error) of every request that failed: a missing file, a blocked address."""
    network_requests: tuple[str, ...]
    """Every request the page tried that would leave the machine (all blocked)."""
    scroll_width: int
    scroll_height: int
    viewport_width: int
    screenshot: Path

    @property
    def errors(self) -> tuple[ConsoleEntry, ...]:
        """The console's SEVERE entries (console.error, exceptions, failed loads)."""
        return tuple(e for e in self.console if e.level == "SEVERE")

    @property
    def warnings(self) -> tuple[ConsoleEntry, ...]:
        """The console's WARNING entries."""
        return tuple(e for e in self.console if e.level == "WARNING")

    @property
    def overflows(self) -> bool:
        """True when the page is wider than its viewport (a sideways scroll)."""
        return self.scroll_width > self.viewport_width

    def problems(self) -> list[str]:
        """Every defect in one line each, for an assertion message; empty for a good page."""
        found = [f"broken image: {src}" for src in self.broken_images]
        found += [f"console {e.level.lower()}: {e.message}" for e in self.console]
        found += [f"failed request: {url} ({error})" for url, error in self.failed_requests]
        found += [f"network request: {url}" for url in self.network_requests]
        if self.overflows:
            found.append(f"wider than the viewport: {self.scroll_width} px > "
                         f"{self.viewport_width} px")
        return found


def browser_required() -> bool:
    """Whether a missing browser fails the test instead of skipping it."""
    ci = os.environ.get("CI", "").strip().lower()
    return (ci not in ("", "0", "false", "no")
            or os.environ.get("CORRIDORSIM_REQUIRE_BROWSER", "") == "1")


def _unavailable(reason: str) -> NoReturn:
    if browser_required():
        pytest.fail(f"{reason} (required here: CI or CORRIDORSIM_REQUIRE_BROWSER is set)",
                    pytrace=False)
    pytest.skip(reason)


def find_binaries() -> tuple[str, str]:
    """The Chromium and chromedriver to use; skips (or fails, see ``browser_required``)
    naming what is missing and how to install it."""
    override = os.environ.get("CORRIDORSIM_CHROMIUM")
    candidates = (override,) if override else CHROMIUM_CANDIDATES
    chromium = next((c for c in candidates if os.access(c, os.X_OK)), None)
    driver = os.environ.get("CORRIDORSIM_CHROMEDRIVER") or CHROMEDRIVER
    missing = []
    if chromium is None:
        missing.append(f"chromium (looked for {', '.join(candidates)})")
    if not os.access(driver, os.X_OK):
        missing.append(f"chromedriver (looked for {driver})")
    if missing:
        _unavailable(f"browser test needs {' and '.join(missing)}: run 'make browser' "
                     "as root, or 'apt-get install chromium chromium-driver'")
    if importlib.util.find_spec("selenium") is None:
        _unavailable("browser test needs the selenium package: pip install -e '.[test]'")
    assert chromium is not None
    return chromium, driver


class Browser:
    """One headless Chromium for several renders (starting one takes about two seconds).

    Use it as a context manager, or call ``close``. Each instance has a new empty profile
    in a temporary folder, removed on close.
    """

    def __init__(self) -> None:
        chromium, driver = find_binaries()
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service

        self._profile = tempfile.mkdtemp(prefix="corridorsim-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self._profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        try:
            self._driver = webdriver.Chrome(service=Service(driver), options=options)
        except WebDriverException as exc:
            shutil.rmtree(self._profile, ignore_errors=True)
            first = (exc.msg or str(exc)).strip().splitlines()[0]
            pytest.fail(f"{chromium} did not start through {driver}: {first}", pytrace=False)
        self._driver.set_page_load_timeout(LOAD_TIMEOUT_S)
        self._cdp("Network.enable")
        self._cdp("Network.setBlockedURLs", urls=BLOCKED_URLS)

    def _cdp(self, command: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._driver.execute_cdp_cmd(command, params)
        return result

    def render(self, html_path: Path, screenshot: Path, width: int = 1280,
               height: int = 800) -> PageReport:
        """Load ``html_path`` in a ``width`` x ``height`` CSS-pixel viewport (scale 1, not
        emulating a touch device), wait for its images, and save a full-page PNG to
        ``screenshot``."""
        self._cdp("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        self._driver.get_log("browser")  # drop what earlier pages left
        self._driver.get_log("performance")
        url = Path(html_path).resolve().as_uri()
        self._driver.get(url)  # returns after the load event: images fetched or failed
        deadline = time.monotonic() + IMAGE_WAIT_S
        while (not self._driver.execute_script(_IMAGES_SETTLED)
               and time.monotonic() < deadline):
            time.sleep(0.05)
        measured = self._driver.execute_script(_MEASURE)
        shot = self._cdp("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": measured["scrollWidth"],
                               "height": measured["scrollHeight"], "scale": 1})
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(b64decode(shot["data"]))
        failed, outgoing = self._requests()
        return PageReport(
            url=url, images=measured["images"],
            broken_images=tuple(_short(src) for src in measured["broken"]),
            console=self._console(), failed_requests=failed, network_requests=outgoing,
            scroll_width=measured["scrollWidth"], scroll_height=measured["scrollHeight"],
            viewport_width=measured["clientWidth"], screenshot=screenshot)

    def render_phone(self, html_path: Path, screenshot: Path) -> PageReport:
        """``render`` in a phone's viewport, for the no-sideways-scroll check."""
        return self.render(html_path, screenshot, width=PHONE_WIDTH, height=PHONE_HEIGHT)

    def _console(self) -> tuple[ConsoleEntry, ...]:
        return tuple(ConsoleEntry(e["level"], e.get("source", ""), e["message"])
                     for e in self._driver.get_log("browser")
                     if e["level"] in ("SEVERE", "WARNING"))

    def _requests(self) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
        """Failed requests and outgoing ones, from the DevTools network events that
        chromedriver logs (a failure names its request by id only)."""
        urls: dict[str, str] = {}
        failed: list[tuple[str, str]] = []
        for entry in self._driver.get_log("performance"):
            event = json.loads(entry["message"])["message"]
            params = event.get("params", {})
            if event["method"] == "Network.requestWillBeSent":
                urls[params["requestId"]] = params["request"]["url"]
            elif event["method"] == "Network.loadingFailed":
                error = params.get("errorText") or f"blocked ({params.get('blockedReason')})"
                failed.append((_short(urls.get(params["requestId"], "?")), error))
        outgoing = tuple(_short(u) for u in urls.values() if not u.startswith(LOCAL_SCHEMES))
        return tuple(failed), outgoing

    def close(self) -> None:
        """Quit Chromium and remove its profile."""
        try:
            self._driver.quit()
        finally:
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def render_page(html_path: Path, screenshot: Path, width: int = 1280) -> PageReport:
    """Render one page in a browser of its own (see ``Browser.render``)."""
    with Browser() as browser:
        return browser.render(html_path, screenshot, width=width)


def _short(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[:limit] + "..."


def ink_fraction(png_path: Path, tolerance: int = 16) -> float:
    """The share of pixels that differ from the image's most common colour (its
    background) by more than ``tolerance`` in some channel (0-255)."""
    from PIL import Image

    with Image.open(png_path) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int32).reshape(-1, 3)
    packed = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    colours, counts = np.unique(packed, return_counts=True)
    top = int(colours[np.argmax(counts)])
    background = np.array([top >> 16, (top >> 8) & 255, top & 255])
    differs = np.abs(pixels - background).max(axis=1) > tolerance
    return float(differs.mean())


def is_blank(png_path: Path, min_ink: float = 0.002) -> bool:
    """True when under ``min_ink`` (0.2 %) of the pixels differ from the background: a
    page of one colour, or one whose content failed to draw. A line of heading text on a
    1280 x 800 screen is about 0.3 %; a report's figures are far more."""
    return ink_fraction(png_path) < min_ink
