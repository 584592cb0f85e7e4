"""export_html(): one offline page, stepped through in real headless Chromium (buttons, arrow keys, play)."""

import json
import re

import pytest
from arithmetic_check import displayed_products, html_text, wrong_products
from stepper_checks import CHROMIUM_ARGS, WINDOW, check_nothing_moved, check_step, find_chromium, state

from autograd import Value, export_html, scope, steps, topological_order
from autograd.__main__ import worked_example

# What each backward step of the sigmoid circuit shows, output first (the classic lecture's numbers).
EXPECTED = [
    ("recip", ["1.37", "1.00 × -0.53 = -0.53"]),
    ("add", ["-0.53 × 1.00 = -0.53"]),
    ("exp", ["-1.00", "-0.53 × 0.37 = -0.20"]),
    ("neg", ["-0.20 × -1.00 = 0.20"]),
    ("add", ["w2", "0.20 × 1.00 = 0.20"]),
    ("add", ["0.20 × 1.00 = 0.20"]),
    ("mul", ["w1", "0.197 × -2.00 = -0.39", "x1", "0.197 × -3.00 = -0.59"]),
    ("mul", ["w0", "0.197 × -1.00 = -0.20", "x0", "0.197 × 2.00 = 0.39"]),
]


@pytest.fixture
def page_path(tmp_path):
    f, _ = worked_example()
    return export_html(f, tmp_path / "backprop.html")


def page_data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="backprop-data">(.*?)</script>', text, re.S)[1])


def test_page_is_self_contained(page_path):
    text = page_path.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", text)
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/1998/Math/MathML"}


def test_page_holds_the_graph_once_with_every_node_tagged(page_path):
    data = page_data(page_path)
    assert data["svg"].count("<svg") == 1
    nodes = set(re.findall(r'data-node="([vo]\d+)"', data["svg"]))
    f, _ = worked_example()
    order = topological_order(f)
    assert nodes == {f"v{k}" for k in range(14)} | {f"o{k}" for k, n in enumerate(order) if n.parents}
    assert [s["node"] for s in data["backward"]] == [f"v{order.index(s.node)}" for s in steps(f)]
    assert len(data["forward"]) == 8


def test_formulas_are_mathml_and_parameters_show(tmp_path):
    x = Value(2.0, label="x")
    data = page_data(export_html(x**3, tmp_path / "cube.html"))
    step = data["backward"][0]["html"]
    assert "<math" in step and "<mfrac>" in step and "n = 3" in step


def test_every_displayed_product_on_the_page_multiplies_out(page_path):
    data = page_data(page_path)
    texts = [html_text(s["html"]) for s in data["backward"]] + [html_text(page_path.read_text(encoding="utf-8"))]
    assert sum(len(displayed_products(t)) for t in texts[:-1]) == 13
    assert [w for t in texts for w in wrong_products(t)] == []


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
    page = browser.new_page(viewport=WINDOW)
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri())
    page.wait_for_selector(".bp-stepper [data-node]")
    yield page
    assert all(url.startswith("file://") for url in requests), requests
    assert errors == []


def root(page):
    return page.query_selector(".bp-stepper")


def test_arrow_keys_walk_forward_then_backward_with_the_current_node_in_view(page):
    page.click('[data-phase="forward"]')
    first = state(root(page))
    for k in range(1, 9):
        seen = state(root(page))
        check_step(seen, f"forward step {k} of 8")
        check_nothing_moved(first, seen, on_screen=True)
        page.keyboard.press("ArrowRight")
    for k, (op, numbers) in enumerate(EXPECTED, start=1):
        page.wait_for_timeout(30)
        seen = state(root(page))
        check_step(seen, f"backward step {k} of 8")
        check_nothing_moved(first, seen, on_screen=True)
        assert f"Backward step {k} of 8: {op}" in seen["text"]
        for number in numbers:
            assert number in seen["text"], (k, number)
        assert wrong_products(seen["text"]) == []
        page.keyboard.press("ArrowRight")
    assert page.is_disabled('[data-action="next"]')


def test_arrow_left_goes_back_and_stops_at_the_first_step(page):
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert state(root(page))["position"] == "backward step 2 of 8"
    page.click('[data-phase="forward"]')
    page.keyboard.press("ArrowLeft")
    assert state(root(page))["position"] == "forward step 1 of 8"
    assert page.is_disabled('[data-action="prev"]')


def node_id(label: str) -> str:
    """The `data-node` of the sigmoid circuit's value labelled `label` (k = its topological position)."""
    f, _ = worked_example()
    return next(f"v{k}" for k, n in enumerate(topological_order(f)) if n.label == label)


def test_gradients_fill_in_as_the_backward_pass_reaches_them(page):
    w0 = page.locator(f'[data-node="{node_id("w0")}"] text')
    assert w0.all_text_contents() == ["w0", "data 2.00", "grad ?"]
    for _ in range(6):
        page.click('[data-action="next"]')
    assert w0.all_text_contents()[-1] == "grad ?"  # at step 7; the w0*x0 node is step 8
    page.click('[data-action="next"]')
    assert w0.all_text_contents()[-1] == "grad -0.20"
    hover = page.locator(f'[data-node="{node_id("w0")}"] > title').text_content()
    assert hover == "data = 2.0, grad = -0.19661193324148188"  # every digit on hover
    assert page.locator(".bp-detail .num[title='0.39322386648296376']").count() == 1


def test_forward_phase_reveals_values_in_the_order_computed(page):
    page.click('[data-phase="forward"]')
    out = page.locator(f'[data-node="{node_id("f")}"] text')
    assert out.all_text_contents()[:2] == ["f", "data ?"]
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    assert out.all_text_contents()[:2] == ["f", "data 0.73"]


def test_play_runs_to_the_end_and_space_pauses(page):
    page.select_option(".bp-speed", "4")
    page.keyboard.press(" ")
    assert page.inner_text('[data-action="play"]').endswith("Pause")
    page.wait_for_function("() => document.querySelector('.bp-position').textContent.startsWith('backward step 3')")
    page.keyboard.press(" ")
    stopped = state(root(page))["position"]
    page.wait_for_timeout(600)
    assert state(root(page))["position"] == stopped
    page.click('[data-action="play"]')
    page.wait_for_function(
        "() => document.querySelector('.bp-position').textContent === 'backward step 8 of 8'"
        " && document.querySelector('[data-action=\"play\"]').textContent.endsWith('Play')",
        timeout=10_000,
    )
    check_step(state(root(page)), "backward step 8 of 8")


def test_zoom_and_fit_keep_the_layout(page):
    before = page.eval_on_selector('[data-node="v3"]', "el => el.getBBox().x")
    page.click('[data-zoom="in"]')
    page.click('[data-zoom="fit"]')
    page.mouse.move(700, 260)
    page.mouse.wheel(0, -300)
    assert page.eval_on_selector('[data-node="v3"]', "el => el.getBBox().x") == before
    transform = lambda: page.eval_on_selector(".bp-canvas", "el => el.style.transform")  # noqa: E731
    zoomed = transform()
    page.mouse.move(700, 260)
    page.mouse.down()
    page.mouse.move(600, 240, steps=5)
    page.mouse.up()
    assert transform() != zoomed  # dragged
    assert page.eval_on_selector('[data-node="v3"]', "el => el.getBBox().x") == before
    page.click('[data-action="next"]')
    check_step(state(root(page)), "backward step 2 of 8")


def scoped_graph():
    x = Value(1.5, label="x")
    with scope("layer 1"):
        h = (x * 2).tanh()
    with scope("layer 2"):
        y = (h * 3).sigmoid()
    return y


def open_page(browser, path):
    page = browser.new_page(viewport=WINDOW)
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(".bp-stepper .bp-detail h3, .bp-stepper .bp-detail p")
    return page, errors


def hidden(page, node: str) -> bool:
    return page.eval_on_selector(f'[data-node="{node}"]', "el => getComputedStyle(el).visibility === 'hidden'")


def test_a_cluster_folds_and_unfolds_on_click_and_nothing_moves(browser, tmp_path):
    y = scoped_graph()
    order = topological_order(y)
    inner = next(f"v{k}" for k, n in enumerate(order) if n.scope == "layer 1" and n.parents)
    page, errors = open_page(browser, export_html(y, tmp_path / "scoped.html"))
    layer1 = next(c["id"] for c in page_data(tmp_path / "scoped.html")["clusters"] if c["label"] == "layer 1")
    before = state(root(page))
    page.click(f'[data-cluster="{layer1}"] text')
    assert hidden(page, inner)
    assert "(click to open)" in page.text_content(f'[data-cluster="{layer1}"] text')
    check_nothing_moved(before, state(root(page)))
    page.click(f'[data-cluster="{layer1}"] text')
    assert not hidden(page, inner)
    assert page.text_content(f'[data-cluster="{layer1}"] text') == "layer 1"
    assert errors == []


def test_a_big_graph_starts_folded_and_a_cluster_opens_when_the_pass_enters_it(browser, tmp_path):
    y = scoped_graph()
    order = topological_order(y)
    in_layer1 = next(f"v{k}" for k, n in enumerate(order) if n.scope == "layer 1" and n.parents)
    page, errors = open_page(browser, export_html(y, tmp_path / "big.html", max_nodes=3))
    assert hidden(page, in_layer1)
    steps_to_layer1 = next(i for i, s in enumerate(steps(y)) if s.scope == "layer 1")
    for _ in range(steps_to_layer1):
        page.keyboard.press("ArrowRight")
    assert not hidden(page, in_layer1)
    assert "in layer 1" in state(root(page))["text"]
    assert errors == []


def test_a_leafs_page_has_its_buttons_disabled(browser, tmp_path):
    page, errors = open_page(browser, export_html(Value(2.0, label="x"), tmp_path / "leaf.html"))
    for action in ("prev", "next", "play"):
        assert page.is_disabled(f'[data-action="{action}"]')
    assert "is a leaf" in state(root(page))["text"]
    assert errors == []
