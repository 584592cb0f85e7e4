"""export_html(): one offline page, stepped through in real headless Chromium with the arrow keys."""

import re
import shutil
from pathlib import Path

import pytest

from autograd import export_html
from autograd.__main__ import worked_example

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# What each step of the worked example shows (shared/seeds/002), output first.
EXPECTED = [
    ("recip", ["d(1/x)/dx = -1/x^2", "1.37", "1.00 × -0.53", "-0.53"]),
    ("add", ["d(x+y)/dx = 1", "-0.53 × 1.00", "-0.53"]),
    ("exp", ["d(e^x)/dx = e^x", "-1.00", "-0.53 × 0.37", "-0.20"]),
    ("neg", ["d(-x)/dx = -1", "-0.20 × -1.00", "0.20"]),
    ("add", ["w2", "0.20 × 1.00", "0.20"]),
    ("add", ["0.20 × 1.00", "0.20"]),
    ("mul", ["w1", "-0.39", "x1", "-0.59"]),
    ("mul", ["w0", "0.20 × -1.00", "-0.20", "x0", "0.20 × 2.00", "0.39"]),
]


def find_chromium() -> str | None:
    return next((p for p in ["/usr/bin/chromium", shutil.which("chromium")] if p and Path(p).exists()), None)


@pytest.fixture
def page_path(tmp_path):
    f, _ = worked_example()
    f.backward()
    return export_html(f, tmp_path / "backprop.html")


def test_page_is_self_contained(page_path):
    text = page_path.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", text)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_page_holds_one_section_and_one_diagram_per_step(page_path):
    text = page_path.read_text(encoding="utf-8")
    assert text.count('<section class="step"') == 8
    assert text.count('<div class="diagram"') == 8
    assert text.count("<svg") == 8


@pytest.fixture(scope="module")
def browser():
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no chromium binary (Debian package `chromium`; .ci/run installs it with apt)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright drives the browser")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, page_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_path.as_uri())
    yield page
    assert all(url.startswith("file://") for url in requests), requests


def visible_step(page) -> str:
    sections = page.locator("section.step:visible")
    assert sections.count() == 1
    return sections.inner_text()


def test_arrow_right_walks_through_every_steps_numbers(page):
    for k, (op, numbers) in enumerate(EXPECTED, start=1):
        if k > 1:
            page.keyboard.press("ArrowRight")
        assert page.inner_text("#position") == f"Step {k} of 8"
        text = visible_step(page)
        assert f"Step {k} of 8: {op}" in text
        for number in numbers:
            assert number in text, (k, number)
        assert page.locator("div.diagram:visible svg").count() == 1


def test_arrow_left_goes_back_and_stops_at_the_first_step(page):
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#position") == "Step 2 of 8"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#position") == "Step 1 of 8"
    assert page.is_disabled("#prev")


def test_next_button_moves_and_the_diagram_highlights_that_step(page):
    page.click("#next")
    page.click("#next")
    assert "Step 3 of 8: exp" in visible_step(page)
    edge_labels = page.locator("div.diagram:visible g.edge.highlight text").all_text_contents()
    assert "upstream -0.53" in edge_labels and "-0.53 × 0.37 = -0.20" in edge_labels
