"""steps() and forward_steps(): the chain rule one node at a time.

Expected numbers come from the staged sigmoid circuit of the classic backprop lecture (with
w0=2, x0=-1, w1=-3, x1=-2, w2=-3): "input 1.37, d(1/x) = -1/x^2 gives -0.53; x + 1 passes
1 * -0.53; e^x at -1 gives -0.53 * e^-1; -x gives -0.2 * -1; the add passes 0.2; the mul gives
w 0.2 * -1 and x 0.2 * 2".
"""

import math

import pytest

from autograd import OPS, Step, Value, forward_steps, steps
from autograd.__main__ import worked_example
from autograd.steps import fmt, name

S = 1 / (1 + math.exp(-1))  # f = sigmoid(1)
DSIG = S * (1 - S)  # 0.1966..., what reaches the linear part


@pytest.fixture
def circuit():
    return worked_example()


def test_steps_visit_the_staged_ops_output_first(circuit):
    f, _ = circuit
    assert [s.op for s in steps(f)] == ["recip", "add", "exp", "neg", "add", "add", "mul", "mul"]


def test_recip_at_1_37_gives_minus_0_53(circuit):
    recip = steps(circuit[0])[0]
    assert recip.inputs == (pytest.approx(1 + math.exp(-1)),)
    assert recip.upstream == 1.0
    assert recip.local == (pytest.approx(-1 / (1 + math.exp(-1)) ** 2),)
    assert round(recip.contributions[0], 2) == -0.53


def test_plus_one_passes_minus_0_53_with_local_1(circuit):
    add = steps(circuit[0])[1]
    assert add.local == (1.0, 1.0)
    assert [round(c, 2) for c in add.contributions] == [-0.53, -0.53]


def test_exp_at_minus_1_gives_minus_0_20(circuit):
    exp = steps(circuit[0])[2]
    assert exp.inputs == (-1.0,)
    assert exp.local == (pytest.approx(math.exp(-1)),)
    assert exp.contributions[0] == pytest.approx(-DSIG)
    assert round(exp.contributions[0], 2) == -0.20


def test_neg_turns_minus_0_20_into_0_20(circuit):
    neg = steps(circuit[0])[3]
    assert (neg.inputs, neg.local) == ((1.0,), (-1.0,))
    assert round(neg.contributions[0], 2) == 0.20


def test_both_adds_pass_0_20_to_every_parent(circuit):
    adds = steps(circuit[0])[4:6]
    assert [[round(c, 2) for c in s.contributions] for s in adds] == [[0.20, 0.20], [0.20, 0.20]]


def test_muls_give_w0_x0_w1_x1_the_posts_numbers(circuit):
    mul_w1x1, mul_w0x0 = steps(circuit[0])[6:]
    assert [p.label for p in mul_w0x0.node.parents] == ["w0", "x0"]
    assert [round(c, 2) for c in mul_w0x0.contributions] == [-0.20, 0.39]
    assert [round(c, 2) for c in mul_w1x1.contributions] == [-0.39, -0.59]
    assert mul_w0x0.local == (-1.0, 2.0)  # d(w*x)/dw = x, d(w*x)/dx = w


def test_contribution_is_upstream_times_local(circuit):
    for step in steps(circuit[0]):
        assert step.contributions == tuple(step.upstream * lo for lo in step.local)


def test_formula_comes_from_the_op_table(circuit):
    for step in steps(circuit[0]):
        assert step.formula == OPS[step.op].formula


def test_steps_leave_grad_untouched(circuit):
    f, leaves = circuit
    steps(f)
    assert all(v.grad == 0.0 for v in leaves)


def test_upstream_equals_grad_after_backward(circuit):
    f, _ = circuit
    before = [s.upstream for s in steps(f)]
    f.backward()
    after = steps(f)
    assert [s.upstream for s in after] == before
    assert [s.upstream for s in after] == [s.node.grad for s in after]


def test_node_used_twice_gets_the_sum_of_both_paths():
    x = Value(3.0, label="x")
    y = x * x + x  # dy/dx = 2x + 1 = 7
    mul = steps(y)[1]
    assert mul.op == "mul"
    assert sum(mul.contributions) + steps(y)[0].contributions[1] == 7.0


def test_a_leaf_has_no_steps():
    assert steps(Value(1.0)) == []


def test_str_of_a_step_is_one_line_with_its_numbers(circuit):
    line = str(steps(circuit[0])[0])
    assert "\n" not in line
    assert line.startswith("1/x at 1.37, upstream 1.00: (+) gets 1.00 × -0.53 = -0.53")
    assert "d(1/x)/dx = -1/x^2" in line


def test_table_prints_one_row_per_edge_with_the_posts_numbers(circuit):
    table = str(steps(circuit[0])).splitlines()
    assert table[0].split() == ["#", "node", "op", "upstream", "parent", "input", "local", "contribution", "formula"]
    edges = 1 + 2 + 1 + 1 + 2 + 2 + 2 + 2  # recip, add, exp, neg, add, add, mul, mul
    assert len(table) == 2 + edges  # header and rule, then one line per edge
    assert table[2].split()[:8] == ["1", "f", "1/x", "1.00", "(+)", "1.37", "-0.53", "-0.53"]
    assert table[-1].split() == ["x0", "-1.00", "2.00", "0.39"]


def test_table_has_an_html_form_for_jupyter(circuit):
    page = steps(circuit[0])._repr_html_()
    assert page.startswith("<table") and page.count("<tr>") == 1 + 13  # header + one row per edge
    assert "d(1/x)/dx = -1/x^2" in page


def test_step_html_shows_upstream_times_local(circuit):
    page = steps(circuit[0])[2].to_html()
    assert 'title="-0.5344466' in page and ">0.37</span> = <span" in page and ">-0.20</span>" in page


def test_forward_steps_follow_the_order_values_are_computed(circuit):
    fwd = forward_steps(circuit[0])
    assert [s.op for s in fwd] == ["mul", "mul", "add", "add", "neg", "exp", "add", "recip"]
    assert [round(s.output, 2) for s in fwd] == [-2.0, 6.0, 4.0, 1.0, -1.0, 0.37, 1.37, 0.73]
    assert str(fwd[0]) == "* of w0=2.00, x0=-1.00 = -2.00"
    assert "1, (e^x)=0.37" in str(fwd)


def test_step_is_a_step_with_the_api_fields(circuit):
    step = steps(circuit[0])[0]
    assert isinstance(step, Step)
    assert step.node is circuit[0] and isinstance(step.inputs, tuple) and isinstance(step.local, tuple)


@pytest.mark.parametrize(
    ("x", "text"),
    [(-0.5344, "-0.53"), (-0.0, "0.00"), (1e-5, "1.0e-05"), (-3e-4, "-3.0e-04"), (2.5e7, "2.5e+07")],
)
def test_numbers_round_to_two_places_without_hiding_tiny_ones(x, text):
    assert fmt(x) == text


def test_a_constant_is_named_by_its_rounded_number():
    x = Value(2.0, label="x")
    assert [name(p) for p in (x * 0.806021 + 1).parents[0].parents] + [name((x + 1).parents[1])] == ["x", "0.81", "1"]
