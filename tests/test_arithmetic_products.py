"""Every `upstream × local = contribution` on screen multiplies out at the precision it is shown with."""

import math

import pytest
from arithmetic_check import displayed_products, html_text, wrong_products
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, forward_steps, scope, steps
from autograd.__main__ import worked_example
from autograd.steps import multiplies_out, products

finite = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False).filter(lambda x: x == 0 or abs(x) > 1e-9)


def test_the_posts_rounded_product_does_not_multiply_out():
    # 0.1966 is the upstream that reaches the w0*x0 node; at two places it reads 0.20, and 0.20 × 2 = 0.40.
    assert not multiplies_out("0.20", "2.00", "0.39")
    assert multiplies_out("0.197", "2.00", "0.39")


def test_a_tie_may_round_either_way():
    assert multiplies_out("0.5", "0.45", "0.23") and multiplies_out("0.5", "0.45", "0.22")
    assert not multiplies_out("0.5", "0.45", "0.24")


def test_scientific_numbers_are_checked_at_their_last_digit():
    assert multiplies_out("1.0e-07", "3.3e-03", "3.3e-10")
    assert not multiplies_out("1.0e-07", "3.3e-03", "3.4e-10")


def test_the_sigmoid_circuit_shows_more_digits_only_where_rounding_breaks_the_product():
    f, _ = worked_example()
    shown = [s.products() for s in steps(f)]
    assert [p.upstream for p in shown] == ["1.00", "-0.53", "-0.53", "-0.20", "0.20", "0.20", "0.197", "0.197"]
    assert shown[7].product(0) == "0.197 × -1.00 = -0.20" and shown[7].product(1) == "0.197 × 2.00 = 0.39"
    assert shown[6].product(1) == "0.197 × -3.00 = -0.59"


def test_the_posts_two_decimal_numbers_still_appear():
    f, _ = worked_example()
    text = str(steps(f))
    for number in ["-0.53", "-0.20", "0.20", "0.39", "-0.39", "-0.59"]:
        assert f" {number} " in f" {text} ".replace("\n", " "), number


@given(finite, st.lists(finite, min_size=1, max_size=3))
def test_every_displayed_product_multiplies_out_or_says_approximately(upstream, local):
    contributions = tuple(upstream * x for x in local)
    shown = products(upstream, tuple(local), contributions)
    for i in range(len(local)):
        a, b, c = shown.upstream, shown.local[i], shown.contributions[i]
        assert multiplies_out(a, b, c) == (shown.relation[i] == "=")


def test_an_approximate_product_is_written_with_approx():
    # A local of 0.123456789 would need 8 places for 100000.12 × local to land within 0.005 of the result.
    shown = products(100000.123456, (0.123456789,), (100000.123456 * 0.123456789,))
    assert shown.product(0) == "100000.12 × 0.12 ≈ 12345.69"


def mlp_like_graph():
    xs = [Value(0.123456, label="x0"), Value(-0.987654, label="x1")]
    with scope("sample 1"), scope("layer 1"):
        out = (xs[0] * 0.3333 + xs[1] * -1.6667).tanh()
    return ((out - 0.5) ** 2).sigmoid()


@pytest.mark.parametrize("graph", [lambda: worked_example()[0], mlp_like_graph], ids=["sigmoid", "tanh-neuron"])
def test_text_and_html_products_all_multiply_out(graph):
    f = graph()
    texts = [str(steps(f)), *(str(s) for s in steps(f))]
    texts += [html_text(s.to_html()) for s in steps(f)] + [s._repr_markdown_() for s in steps(f)]
    found = [p for t in texts for p in displayed_products(t)]
    assert len(found) >= sum(len(s.local) for s in steps(f))
    assert [w for t in texts for w in wrong_products(t)] == []


def test_the_table_columns_multiply_out():
    f, _ = worked_example()
    upstream = None
    for row in steps(f).rows():
        upstream = row[3] or upstream
        assert multiplies_out(upstream, row[6], row[7].removeprefix("≈ ")), row


def test_a_step_names_its_scope_and_parameters():
    with scope("layer 2"), scope("neuron 1"):
        y = Value(2.0, label="x") ** 3
    step = steps(y)[0]
    assert str(step).startswith("in layer 2/neuron 1: x^n at 2.00, upstream 1.00: x gets 1.00 × 12.00 = 12.00")
    assert "n = 3" in str(step) and "n = 3" in step.to_html() and "n = 3" in step._repr_markdown_()
    assert "in layer 2 › neuron 1" in step.to_html()


def test_jupyter_shows_a_step_as_markdown_with_the_latex_formula():
    f, _ = worked_example()
    text = steps(f)[0]._repr_markdown_()
    assert r"$$\frac{d(1/x)}{dx} = -\frac{1}{x^2}$$" in text
    assert "| (+) | 1.37 | 1.00 × -0.53 = -0.53 |" in text


def test_forward_steps_are_unchanged_by_the_product_display():
    f, _ = worked_example()
    assert str(forward_steps(f)[0]) == "* of w0=2.00, x0=-1.00 = -2.00"
    assert math.isclose(forward_steps(f)[-1].output, 1 / (1 + math.exp(-1)))
