"""stepper(): the ipywidgets step-through, driven headless through its slider and buttons."""

import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("ipywidgets", reason="the stepper is an ipywidgets widget")

from autograd import Value, stepper  # noqa: E402
from autograd.__main__ import worked_example  # noqa: E402
from autograd.viz import render  # noqa: E402
from autograd.viz.render import ENV_VAR  # noqa: E402

SVG_NS = "{http://www.w3.org/2000/svg}"


def diagram_texts(widget) -> list[str]:
    return [t.text or "" for t in ET.fromstring(widget.diagram.value.encode()).iter(f"{SVG_NS}text")]


@pytest.fixture
def widget():
    f, _ = worked_example()
    return stepper(f)


def test_stepper_starts_at_the_output_step(widget):
    assert (widget.slider.min, widget.slider.value, widget.slider.max) == (1, 1, 8)
    assert "Step 1 of 8: recip" in widget.detail.value
    assert "d(1/x)/dx = -1/x^2" in widget.detail.value
    assert "upstream 1.00" in diagram_texts(widget)


def test_moving_the_slider_shows_that_steps_formula_and_numbers(widget):
    widget.slider.value = 3
    assert "Step 3 of 8: exp" in widget.detail.value
    assert "d(e^x)/dx = e^x" in widget.detail.value
    assert "-0.53 × 0.37" in widget.detail.value and "<td>-0.20</td>" in widget.detail.value
    texts = diagram_texts(widget)
    assert "upstream -0.53" in texts and "-0.53 × 0.37 = -0.20" in texts


def test_last_step_gives_the_posts_mul_numbers(widget):
    widget.slider.value = 8
    assert "<td>w0</td><td>2.00</td><td>-1.00</td><td>0.20 × -1.00</td><td>-0.20</td>" in widget.detail.value
    assert "<td>x0</td><td>-1.00</td><td>2.00</td><td>0.20 × 2.00</td><td>0.39</td>" in widget.detail.value


def test_gradients_in_the_diagram_fill_in_as_the_pass_moves_back(widget):
    assert "grad ?" in diagram_texts(widget)
    widget.slider.value = 8
    texts = diagram_texts(widget)
    assert "grad ?" not in texts
    assert {"grad -0.20", "grad 0.39", "grad -0.39", "grad -0.59"} <= set(texts)


def test_next_and_prev_buttons_move_one_step_and_stop_at_the_ends(widget):
    assert widget.prev_button.disabled
    widget.next_button.click()
    widget.next_button.click()
    assert widget.slider.value == 3
    widget.prev_button.click()
    assert widget.slider.value == 2 and "Step 2 of 8: add" in widget.detail.value
    widget.slider.value = 8
    assert widget.next_button.disabled
    widget.next_button.click()
    assert widget.slider.value == 8


def test_a_leaf_says_it_has_no_steps():
    widget = stepper(Value(2.0, label="x"))
    assert "no backward steps" in widget.detail.value


def test_without_a_renderer_the_diagram_shows_advice_and_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(render, "_script_dirs", lambda: [])
    f, _ = worked_example()
    widget = stepper(f)
    assert "pip install graphviz-pure" in widget.diagram.value
    assert "digraph backprop" in widget.diagram.value
    assert "Step 1 of 8" in widget.detail.value
