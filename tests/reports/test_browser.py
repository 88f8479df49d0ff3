"""The HTML reports in a real browser: axe-core's accessibility rules, and screenshots.

Each audience's report of the demo year is opened in headless Chromium from a
file (no network), axe-core runs every rule it has (WCAG A and AA, and its
best practices), and any serious or critical violation fails the test.
Screenshots of the whole page go to $COLEDGER_SCREENSHOTS, or a temp folder.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import shutil
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from coledger import Ledger
from coledger.projections.report import PowerSharingReport
from coledger.reports import render

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1280,1000",
    "--force-device-scale-factor=1",
)
AXE_PACKAGES = {
    # package -> where its copy of axe-core's script sits inside it
    "axe_core_python": "axe.min.js",
    "axe_selenium_python": "node_modules/axe-core/axe.min.js",
}
"""Python packages that ship axe-core; the newest copy found is used."""


def _unavailable(what: str) -> None:
    """Fail under CI, skip elsewhere, saying what is missing."""
    message = f"{what}; install the Debian packages chromium and chromium-driver"
    if IN_CI:
        pytest.fail(f"CI must run the browser tests: {message}")
    pytest.skip(message)


def axe_version(script: str) -> tuple[int, ...]:
    """The axe-core version named in a copy of its script."""
    found = re.search(r"axe v(\d+)\.(\d+)\.(\d+)", script[:300]) or re.search(
        r'version:"(\d+)\.(\d+)\.(\d+)"', script
    )
    return tuple(int(part) for part in found.groups()) if found else (0,)


def axe_script() -> tuple[str, str] | None:
    """(source, where from) of the newest axe-core script installed, if any.

    COLEDGER_AXE_JS may name an axe.min.js file to use instead.
    """
    chosen = os.environ.get("COLEDGER_AXE_JS")
    if chosen:
        return Path(chosen).read_text(encoding="utf-8"), chosen
    found: list[tuple[tuple[int, ...], str, str]] = []
    for package, inside in AXE_PACKAGES.items():
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        path = Path(spec.origin).parent / inside
        if path.is_file():
            source = path.read_text(encoding="utf-8")
            found.append((axe_version(source), source, str(path)))
    if not found:
        return None
    _, source, where = max(found, key=lambda item: item[0])
    return source, where


@pytest.fixture(scope="session")
def axe() -> str:
    """The source of the newest axe-core script that a Python package installed."""
    found = axe_script()
    if found is None:
        _unavailable_axe()
    assert found is not None
    return found[0]


def _unavailable_axe() -> None:
    message = "no axe-core script: install the axe-core-python package"
    if IN_CI:
        pytest.fail(f"CI must run the browser tests: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium driven through selenium, with a fresh profile, offline."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        _unavailable(f"Chromium not found at {CHROMIUM} with {CHROMEDRIVER}")
    if importlib.util.find_spec("selenium") is None:
        _unavailable("the selenium package is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(
        service=Service(executable_path=CHROMEDRIVER), options=options
    )
    driver.set_script_timeout(60)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


AUDIENCES = ("board", "public", "members")
BLOCKING = frozenset({"serious", "critical"})
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def show(
    browser: Any,
    demo_report: PowerSharingReport,
    demo_names: dict[str, str],
    tmp_path: Path,
) -> Callable[[str], None]:
    """Opens one audience's HTML report of the demo year from a file in the browser."""

    def open_report(audience: str) -> None:
        page = tmp_path / f"{audience}-report.html"
        html = render(
            demo_report,
            audience=audience,
            format="html",
            names=demo_names,
            organisation="Riverside Mixed Ability Sports",
            group="trainers" if audience == "members" else None,
        )
        page.write_text(html, encoding="utf-8")
        browser.get(page.as_uri())

    return open_report


def run_axe(browser: Any, axe: str) -> dict[str, Any]:
    """axe-core's results for the open page: every rule, violations only."""
    browser.execute_script(axe)
    results: dict[str, Any] = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done({violations: r.violations, version: axe.version}))"
        ".catch(e => done({error: String(e)}));"
    )
    if "error" in results:
        pytest.fail(f"axe-core could not run: {results['error']}")
    return results


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations, one rule to a paragraph, with the offending elements."""
    parts = []
    for v in violations:
        targets = "; ".join(
            f"{node['target']}: {node.get('failureSummary', '')}" for node in v["nodes"]
        )
        parts.append(f"{v['id']} ({v['impact']}): {v['help']}\n    {targets}")
    return "\n".join(parts)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_serious_accessibility_violations(
    browser: Any, axe: str, show: Callable[[str], None], audience: str
) -> None:
    """axe-core finds no serious or critical violation in the report."""
    show(audience)
    results = run_axe(browser, axe)
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, (
        f"axe-core {results['version']} found serious problems in the {audience} "
        f"report:\n{describe(blocking)}"
    )


@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_accessibility_violations_at_all(
    browser: Any, axe: str, show: Callable[[str], None], audience: str
) -> None:
    """axe-core finds no violation of any impact, minor ones included."""
    show(audience)
    results = run_axe(browser, axe)
    assert not results["violations"], describe(results["violations"])


def screenshot(browser: Any, path: Path) -> None:
    """Save a PNG of the whole page, not only the window."""
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": size["height"],
                "scale": 1,
            },
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header chunk."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG file"
    assert data[12:16] == b"IHDR", "a PNG starts with its IHDR chunk"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("audience", AUDIENCES)
def test_full_page_screenshot(
    browser: Any, show: Callable[[str], None], audience: str, tmp_path: Path
) -> None:
    """A screenshot of the whole report is a real, non-trivial PNG."""
    folder = Path(os.environ.get("COLEDGER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    show(audience)
    path = folder / f"{audience}-report.png"
    screenshot(browser, path)
    data = path.read_bytes()
    width, height = png_size(data)
    assert width >= 600
    assert height > 1000, "the whole page, taller than one window"
    assert len(data) > 20_000, "a page of text and charts, not a blank image"


def test_page_loads_nothing_else(browser: Any, show: Callable[[str], None]) -> None:
    """The browser loaded nothing but the report file itself."""
    show("board")
    entries = json.loads(
        browser.execute_script(
            "return JSON.stringify(performance.getEntriesByType('resource')"
            ".map(e => e.name));"
        )
    )
    assert entries == []


LONG_WORD = "Rivers" + "ide" * 40
"""A name of one word far wider than a phone's screen."""


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_long_word_wraps_rather_than_widening_the_page(
    browser: Any, demo_report: PowerSharingReport, audience: str, tmp_path: Path
) -> None:
    """A very long organisation or group name reflows at 320 pixels (WCAG 1.4.10)."""
    page = tmp_path / f"{audience}-long.html"
    page.write_text(
        render(
            demo_report,
            audience=audience,
            format="html",
            organisation=LONG_WORD,
            group=LONG_WORD.lower() if audience == "members" else None,
        ),
        encoding="utf-8",
    )
    size = browser.get_window_size()
    browser.set_window_size(320, 800)
    try:
        browser.get(page.as_uri())
        wide, seen = browser.execute_script(
            "const e = document.documentElement; return [e.scrollWidth, e.clientWidth];"
        )
    finally:
        browser.set_window_size(size["width"], size["height"])
    assert wide <= seen


A4_WIDTH = 718
"""The printed width of an A4 page in CSS pixels, inside Chromium's default margins."""


@contextmanager
def printed(browser: Any) -> Iterator[None]:
    """Lays the open page out as it prints, on A4, until the generator is closed."""
    size = browser.get_window_size()
    browser.set_window_size(A4_WIDTH, size["height"])
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        yield
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        browser.set_window_size(size["width"], size["height"])


@pytest.mark.parametrize("audience", AUDIENCES)
def test_printing_cuts_off_no_table(
    browser: Any, show: Callable[[str], None], audience: str
) -> None:
    """Printed on A4, every table fits the page, so no column is cut off at its edge."""
    show(audience)
    with printed(browser):
        cut: list[str] = browser.execute_script(
            "return [...document.querySelectorAll('table')]"
            ".filter(t => t.parentElement.scrollWidth > t.parentElement.clientWidth"
            " || t.getBoundingClientRect().right > innerWidth)"
            ".map(t => t.caption.textContent);"
        )
    assert cut == []


def test_printing_shows_what_the_screen_folds_away(
    browser: Any, show: Callable[[str], None]
) -> None:
    """A printed board report holds the evidence for each rung and each decision."""
    show("board")
    with printed(browser):
        hidden: list[str] = browser.execute_script(
            "return [...document.querySelectorAll('details table')]"
            ".filter(t => !t.checkVisibility()).map(t => t.caption.textContent);"
        )
        folded = browser.execute_script(
            "return document.querySelectorAll('details:not([open])').length;"
        )
    assert folded > 0, "the screen folds the evidence away"
    assert hidden == []


def accessible_images(browser: Any) -> list[tuple[str, str]]:
    """(name, description) of every image in the open page's accessibility tree."""
    tree = browser.execute_cdp_cmd("Accessibility.getFullAXTree", {})
    return [
        (
            node.get("name", {}).get("value", ""),
            node.get("description", {}).get("value", ""),
        )
        for node in tree["nodes"]
        if not node.get("ignored") and node.get("role", {}).get("value") == "image"
    ]


@pytest.mark.parametrize("audience", ["board", "public"])
def test_a_chart_is_read_out_once(
    browser: Any, show: Callable[[str], None], audience: str
) -> None:
    """A chart is named by its title and described by its figures, not both twice."""
    show(audience)
    charts = [(name, d) for name, d in accessible_images(browser) if len(d) > 60]
    assert charts, "each chart describes its figures"
    for name, description in charts:
        assert description not in name
        assert len(name) < 100, name


FOCUS_YELLOW = "rgb(255, 221, 0)"
"""The background of whatever has the keyboard's focus."""


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_skip_link_lands_on_the_report_without_painting_it(
    browser: Any, show: Callable[[str], None], audience: str
) -> None:
    """Following the skip link by keyboard focuses the report, which keeps its white."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    show(audience)
    ActionChains(browser).send_keys(Keys.TAB).perform()
    first = browser.execute_script("return document.activeElement.textContent;")
    assert first == "Skip to the report"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    focused, background = browser.execute_script(
        "const e = document.activeElement;"
        "return [e.tagName, getComputedStyle(e).backgroundColor];"
    )
    assert focused == "MAIN"
    assert background != FOCUS_YELLOW


def step_layout(browser: Any, width: int) -> list[tuple[float, bool]]:
    """Each ladder step's words: (their width in ems, whether beside the picture)."""
    size = browser.get_window_size()
    browser.set_window_size(width, size["height"])
    try:
        found: list[tuple[float, bool]] = browser.execute_script(
            "return [...document.querySelectorAll('.step')].map(s => {"
            " const words = s.querySelector('div'), r = words.getBoundingClientRect();"
            " const em = parseFloat(getComputedStyle(words).fontSize);"
            " const beside = r.left >= s.querySelector('svg')"
            ".getBoundingClientRect().right;"
            " return [r.width / em, beside]; });"
        )
    finally:
        browser.set_window_size(size["width"], size["height"])
    return found


@pytest.mark.parametrize("width", [320, 375, 414])
def test_a_ladder_steps_words_are_not_squeezed_beside_its_picture_on_a_phone(
    browser: Any, show: Callable[[str], None], width: int
) -> None:
    """On a phone's width each step's words have a readable line, below the picture."""
    show("members")
    steps = step_layout(browser, width)
    assert steps
    for ems, _ in steps:
        assert ems >= 10, f"{ems:.1f}em: a word or two to a line"


def test_a_ladder_steps_words_sit_beside_its_picture_on_a_wide_screen(
    browser: Any, show: Callable[[str], None]
) -> None:
    """Where there is room, each step's words sit beside its picture."""
    show("members")
    steps = step_layout(browser, 1280)
    assert steps
    assert all(beside for _, beside in steps)


def test_a_long_process_name_in_the_ladder_chart_ends_before_its_track(
    browser: Any, tmp_path: Path
) -> None:
    """Each name the ladder chart draws, cut short or not, ends left of its track."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        for name in ("MEMBERSHIP AND WELLBEING COMMITTEE", "Youth Forum"):
            ledger.start_project(name, label="co_production", by=admin)
        report = ledger.power_sharing()
    page = tmp_path / "long-names.html"
    page.write_text(render(report, format="html"), encoding="utf-8")
    browser.get(page.as_uri())
    overlaps = browser.execute_script(
        "const found = [];"
        "const chart = document.querySelector('svg.chart');"
        "for (const text of chart.querySelectorAll('text[x=\"0\"]')) {"
        "  const track = text.nextElementSibling;"
        "  const end = text.getComputedTextLength();"
        "  if (end >= parseFloat(track.getAttribute('x')))"
        "    found.push([text.textContent, end]);"
        "}"
        "return found;"
    )
    assert overlaps == []
