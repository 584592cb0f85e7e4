"""stepper(): the anywidget step-through, driven from Python through its synced `phase` and `step`."""

import time

import pytest
from arithmetic_check import html_text, wrong_products

pytest.importorskip("anywidget", reason="the stepper is an anywidget widget")

from autograd import Value, stepper  # noqa: E402
from autograd.__main__ import worked_example  # noqa: E402
from autograd.viz import frontend, render  # noqa: E402
from autograd.viz.render import ENV_VAR  # noqa: E402


@pytest.fixture
def widget():
    f, _ = worked_example()
    return stepper(f)


def test_stepper_starts_at_the_output_step(widget):
    assert (widget.phase, widget.step) == ("backward", 1)
    assert len(widget.data["backward"]) == len(widget.steps) == 8
    assert "Backward step 1 of 8: recip" in widget.detail
    assert widget.current is widget.steps[0]


def test_the_widget_ships_the_same_browser_code_as_the_page(widget):
    assert widget._esm == frontend.script() and "export default" in widget._esm
    assert widget._css == frontend.style()


def test_the_graph_is_rendered_once_with_every_node_tagged(widget):
    svg = widget.svg
    assert svg.count("<svg") == 1
    assert all(f'data-node="v{k}"' in svg for k in range(14))
    assert ' id="v' not in svg  # ids become data attributes, so two steppers on one page never clash


def test_setting_the_step_shows_that_steps_formula_as_mathml(widget):
    widget.step = 3
    assert "Backward step 3 of 8: exp" in widget.detail
    assert "<math" in widget.detail and "-0.53 × 0.37 = -0.20" in html_text(widget.detail)


def test_the_last_step_gives_the_posts_mul_numbers_with_arithmetic_that_checks(widget):
    widget.step = 8
    text = html_text(widget.detail)
    assert "0.197 × -1.00 = -0.20" in text and "0.197 × 2.00 = 0.39" in text
    assert all(wrong_products(html_text(s["html"])) == [] for s in widget.data["backward"])


def test_each_backward_step_reveals_its_parents_gradients(widget):
    reveals = [step["grads"] for step in widget.data["backward"]]
    assert widget.data["start_grads"] == {widget.data["output"]: ["1.00", "1.0"]}
    assert [text for text, _ in reveals[-1].values()] == ["-0.20", "0.39"]


def test_forward_steps_reveal_values_in_the_order_computed(widget):
    widget.phase = "forward"
    values = [next(iter(step["data"].values()))[0] for step in widget.data["forward"]]
    assert values == ["-2.00", "6.00", "4.00", "1.00", "-1.00", "0.37", "1.37", "0.73"]
    assert "Forward step 1 of 8: mul" in widget.detail


def test_next_runs_the_forward_pass_then_the_backward_pass(widget):
    widget.phase, widget.step = "forward", 8
    widget.next()
    assert (widget.phase, widget.step) == ("backward", 1)
    widget.prev()
    assert (widget.phase, widget.step) == ("forward", 8)
    widget.phase, widget.step = "backward", 8
    widget.next()
    assert (widget.phase, widget.step) == ("backward", 8)


def test_a_step_out_of_range_is_clamped(widget):
    widget.step = 99
    assert widget.step == 8
    widget.step = -3
    assert widget.step == 1


def test_an_unknown_phase_is_refused(widget):
    with pytest.raises(Exception, match="forward' or 'backward"):
        widget.phase = "sideways"


def test_a_leaf_says_it_has_no_steps():
    widget = stepper(Value(2.0, label="x"))
    assert widget.data["leaf"] and widget.current is None
    assert "is a leaf" in widget.detail


def test_steps_name_their_scope():
    import autograd

    x = Value(1.5, label="x")
    with autograd.scope("sample 3"), autograd.scope("layer 2"):
        y = (x * 2).tanh()
    widget = stepper(y)
    assert "in sample 3 › layer 2" in widget.detail
    assert {c["label"] for c in widget.data["clusters"]} == {"sample 3", "layer 2"}


def test_without_a_renderer_the_diagram_shows_advice_and_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(render, "_script_dirs", lambda: [])
    f, _ = worked_example()
    widget = stepper(f)
    assert "pip install graphviz-pure" in widget.svg and "digraph backprop" in widget.svg
    assert "Backward step 1 of 8" in widget.detail


def test_an_mlp_loss_builds_in_reasonable_time():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [4, 4, 1], seed=0)
    xs = [[0.1 * i, -0.2 * i] for i in range(8)]
    loss = nn.mse([model(x) for x in xs], [1.0 if i % 2 else -1.0 for i in range(8)])
    start = time.perf_counter()
    widget = stepper(loss)
    elapsed = time.perf_counter() - start
    assert len(widget.data["backward"]) == len(widget.steps) > 100
    assert widget.data["collapse"] and widget.data["clusters"]
    print(f"stepper of an 8-sample MLP loss: {elapsed:.2f} s")  # shown with -s; never asserted
