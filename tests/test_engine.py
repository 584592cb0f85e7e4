"""Value, backward, grad and gradcheck: the engine's public contract."""

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, add_n, dot, grad, gradcheck
from autograd.engine import topological_order


def sigmoid_circuit():
    """The staged sigmoid circuit of "Neural Networks (1) _ Loss Function": 1 / (1 + e^-(w0*x0 + w1*x1 + w2))."""
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in [(2, "w0"), (-1, "x0"), (-3, "w1"), (-2, "x1"), (-3, "w2")])
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    return f, (w0, x0, w1, x1, w2)


def creation_order(out):
    return topological_order(out)


# The worked example ("Neural Networks (1) _ Loss Function") -------------------------------


def test_sigmoid_circuit_gives_the_posts_five_gradients():
    f, (w0, x0, w1, x1, w2) = sigmoid_circuit()
    f.backward()
    s = 1 / (1 + math.exp(-1))  # f = sigmoid(1); df/dz = s(1-s) = 0.1966...
    local = s * (1 - s)
    assert f.data == pytest.approx(s)
    assert w0.grad == pytest.approx(local * -1)  # dz/dw0 = x0
    assert x0.grad == pytest.approx(local * 2)  # dz/dx0 = w0
    assert w1.grad == pytest.approx(local * -2)
    assert x1.grad == pytest.approx(local * -3)
    assert w2.grad == pytest.approx(local)
    assert [round(v.grad, 2) for v in (w0, x0, w1, x1, w2)] == [-0.20, 0.39, -0.39, -0.59, 0.20]


def test_sigmoid_circuit_records_exactly_the_staged_ops():
    f, _ = sigmoid_circuit()
    ops = [v.op for v in creation_order(f) if v.op]
    assert ops == ["mul", "mul", "add", "add", "neg", "exp", "add", "recip"]


def test_sigmoid_circuit_intermediate_upstreams_match_the_post():
    f, _ = sigmoid_circuit()
    f.backward()
    grads = {v.op: v.grad for v in creation_order(f) if v.op in ("recip", "exp", "neg")}
    # 1/x at 1.37 -> -0.53 flows into the denominator; e^x passes -0.53*e^-1 = -0.20; -x gives 0.20.
    denominator = f.parents[0]
    assert denominator.data == pytest.approx(1.37, abs=0.005)
    assert round(denominator.grad, 2) == -0.53
    assert grads["recip"] == 1.0
    assert round(grads["exp"], 2) == -0.53
    assert round(grads["neg"], 2) == -0.20


def test_parents_are_in_argument_order_and_constants_are_leaves():
    x = Value(3.0, label="x")
    y = 1 + x
    assert y.op == "add" and y.parents[1] is x
    assert y.parents[0].data == 1.0 and y.parents[0].op == "" and y.parents[0].parents == ()


def test_subtraction_and_division_record_add_neg_and_mul_recip():
    a, b = Value(6.0), Value(3.0)
    d = a - b
    q = a / b
    assert (d.op, d.parents[1].op, d.data) == ("add", "neg", 3.0)
    assert (q.op, q.parents[1].op, q.data) == ("mul", "recip", 2.0)
    assert (1 / b).op == "recip" and (1 / b).parents == (b,)
    assert (2 / b).op == "mul"


def test_reflected_operators_with_numbers_on_the_left():
    x = Value(2.0)
    assert (3 - x).data == 1.0
    assert (3 * x).data == 6.0
    assert (4 / x).data == 2.0
    assert (3 + x).data == 5.0
    y = 2**x
    y.backward()
    assert y.data == pytest.approx(4.0) and x.grad == pytest.approx(4 * math.log(2))


def test_repr_shows_data_grad_and_label():
    f = Value(0.7310585786, label="f")
    f.grad = 1.0
    assert repr(f) == "Value(data=0.7311, grad=1.0, label='f')"


# Backward ------------------------------------------------------------------------------------


def test_backward_twice_doubles_every_grad():
    f, leaves = sigmoid_circuit()
    f.backward()
    once = [v.grad for v in creation_order(f)]
    f.backward()
    twice = [v.grad for v in creation_order(f)]
    assert twice == [2 * g for g in once]


def test_zero_grad_zeroes_every_node_of_the_graph():
    f, leaves = sigmoid_circuit()
    f.backward()
    f.zero_grad()
    assert all(v.grad == 0.0 for v in creation_order(f))
    f.backward()
    assert round(leaves[0].grad, 2) == -0.20


def test_shared_subexpressions_sum_their_paths():
    x = Value(3.0)
    y = x * x  # dy/dx = 2x through two paths of the same node
    y.backward()
    assert x.grad == 6.0
    a = Value(2.0)
    b = a * 3
    c = b + b * a  # diamond: c = 3a + 3a^2, dc/da = 3 + 6a
    c.backward()
    assert a.grad == 15.0


def test_backward_seed_scales_the_gradients():
    x = Value(2.0)
    y = x * x
    y.backward(0.5)
    assert (y.grad, x.grad) == (0.5, 2.0)


def test_each_node_is_visited_once():
    x = Value(1.0)
    y = x
    for _ in range(30):
        y = y + y  # 2^30 paths; visiting paths instead of nodes would never finish
    y.backward()
    assert x.grad == 2.0**30


def test_a_million_deep_chain_works_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(0.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert (y.data, x.grad) == (1_000_000.0, 1.0)
    y.zero_grad()
    assert x.grad == 0.0


def test_dot_is_one_node_with_the_neuron_derivatives():
    w = [Value(0.5), Value(-2.0)]
    b = Value(0.25)
    out = dot(w, [3.0, 4.0], b)
    assert (out.op, out.data) == ("dot", 0.5 * 3 - 2.0 * 4 + 0.25)
    out.backward()
    assert [v.grad for v in w] == [3.0, 4.0] and b.grad == 1.0
    assert gradcheck(lambda w0, w1, x0, x1, b: dot([w0, w1], [x0, x1], b), [0.5, -2.0, 3.0, 4.0, 0.25])
    assert gradcheck(lambda w0, x0: dot([w0], [x0]), [1.5, -0.5])


def test_dot_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        dot([Value(1.0), Value(2.0)], [1.0])


def test_add_n_is_one_sum_node():
    xs = [Value(float(i)) for i in range(5)]
    s = add_n(xs)
    s.backward()
    assert (s.op, s.data, len(s.parents)) == ("sum", 10.0, 5)
    assert all(x.grad == 1.0 for x in xs)
    with pytest.raises(ValueError):
        add_n([])


# grad and higher order -----------------------------------------------------------------------


def test_grad_returns_floats_and_leaves_grad_attributes_alone():
    f, (w0, x0, w1, x1, w2) = sigmoid_circuit()
    g = grad(f, [w0, x1])
    assert [round(v, 2) for v in g] == [-0.20, -0.59]
    assert all(isinstance(v, float) for v in g)
    assert w0.grad == 0.0 and f.grad == 0.0


def test_grad_of_an_unrelated_input_is_zero():
    x, y = Value(1.0), Value(2.0)
    assert grad(x * 3, [x, y]) == [3.0, 0.0]
    assert grad(x * 3, [y], create_graph=True) == [0.0]


def test_second_derivative_of_cube_is_6x():
    x = Value(2.0)
    (dx,) = grad(x**3, [x], create_graph=True)
    assert isinstance(dx, Value) and dx.data == 12.0
    assert grad(dx, [x]) == [12.0]  # 6x at x = 2


def test_mixed_second_derivatives_of_x_y_y():
    x, y = Value(1.5), Value(-2.0)
    dx, dy = grad(x * y * y, [x, y], create_graph=True)  # y^2, 2xy
    assert (dx.data, dy.data) == (4.0, -6.0)
    assert grad(dx, [x, y]) == [0.0, -4.0]  # d(y^2) = (0, 2y)
    assert grad(dy, [x, y]) == [-4.0, 3.0]  # d(2xy) = (2y, 2x)


@pytest.mark.parametrize(
    "make, second, points",
    [
        (lambda x: x.exp(), math.exp, (-0.7, 0.4, 1.3)),
        (lambda x: x.tanh(), lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2), (-0.7, 0.4, 1.3)),
        (lambda x: x.sigmoid(), lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s) * (1 - 2 * s), (-0.7, 0.4, 1.3)),
        (lambda x: x.log(), lambda x: -1 / x**2, (0.4, 1.3)),
        (lambda x: x.recip(), lambda x: 2 / x**3, (-0.7, 0.4, 1.3)),
        (lambda x: x**3, lambda x: 6 * x, (-0.7, 0.4, 1.3)),
        (lambda x: x**0.5, lambda x: -0.25 * x**-1.5, (0.4, 1.3)),
        (lambda x: x.leaky_relu(0.2) * x, lambda x: 0.4 if x < 0 else 2.0, (-0.7, 0.4, 1.3)),
    ],
)
def test_second_derivatives_match_closed_forms(make, second, points):
    for point in points:
        x = Value(point)
        (first,) = grad(make(x), [x], create_graph=True)
        assert grad(first, [x])[0] == pytest.approx(second(point), rel=1e-9, abs=1e-12)


def test_third_derivative_through_nested_create_graph():
    x = Value(0.3)
    (d1,) = grad(x.exp() * x, [x], create_graph=True)  # (x+1)e^x
    (d2,) = grad(d1, [x], create_graph=True)  # (x+2)e^x
    (d3,) = grad(d2, [x])  # (x+3)e^x
    assert d3 == pytest.approx(3.3 * math.exp(0.3))


def test_grad_of_a_plain_number_is_zero():
    x = Value(1.0)
    assert grad(3.0, [x]) == [0.0]


# gradcheck ----------------------------------------------------------------------------------


def test_gradcheck_passes_a_correct_function():
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, [0.3, -1.2])


def test_gradcheck_failure_shows_a_table_per_input():
    # relu's derivative at 0 is 0 by convention, but its central difference is 0.5.
    with pytest.raises(AssertionError) as caught:
        gradcheck(lambda a, b: a.relu() + b, [0.0, 1.0])
    text = str(caught.value)
    assert "analytic" in text and "numeric" in text and "mismatch" in text
    assert len([line for line in text.splitlines() if line.strip()[:1].isdigit()]) == 2


# Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, [1.0], {"a": 1}])
def test_non_numbers_raise_type_error_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_nan_and_infinite_data_raise_value_error(bad):
    with pytest.raises(ValueError, match="finite"):
        Value(bad, label="w")


def test_operators_reject_non_numbers():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "2"
    with pytest.raises(TypeError, match="NoneType"):
        Value(2.0) ** None


def test_bools_and_numpy_scalars_are_accepted_as_floats():
    np = pytest.importorskip("numpy")
    assert Value(True).data == 1.0 and type(Value(True).data) is float
    for scalar in (np.float64(1.5), np.float32(1.5), np.int64(3)):
        assert type(Value(scalar).data) is float
    y = np.float64(2.0) * Value(3.0)  # numpy on the left defers to Value
    assert isinstance(y, Value) and y.data == 6.0


def test_numpy_bool_scalars_are_accepted_as_floats():
    np = pytest.importorskip("numpy")
    assert Value(np.bool_(True)).data == 1.0 and Value(np.bool_(False)).data == 0.0
    assert type(Value(np.bool_(True)).data) is float


def test_an_int_too_large_for_a_float_raises_value_error_naming_the_label():
    with pytest.raises(ValueError, match="too large.*'n'"):
        Value(10**400, label="n")
    with pytest.raises(ValueError, match="too large"):
        Value(2.0) + 10**400


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


# Property tests against finite differences -----------------------------------------------------

SAFE_UNARY = [
    lambda v: v.tanh(),
    lambda v: v.sigmoid(),
    lambda v: -v,
    lambda v: v * 0.5,
    lambda v: (v * 0.3).exp(),
    lambda v: (v * v + 1.0).log(),
    lambda v: 1 / (v * v + 1.0),
    lambda v: 2.0 - v,
]
SAFE_BINARY = [
    lambda a, b: a + b,
    lambda a, b: a * b,
    lambda a, b: a - b,
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: dot([a, b], [b, 1.5], a),
    lambda a, b: add_n([a, b, a, 2.0]),
]

programs = st.lists(
    st.tuples(st.booleans(), st.integers(0, 7), st.integers(0, 1_000), st.integers(0, 1_000)), min_size=1, max_size=12
)


def run_program(program, leaves):
    """Build a random DAG: every step combines earlier nodes (reuse makes diamonds)."""
    pool = list(leaves)
    for binary, op, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        pool.append(SAFE_BINARY[op % len(SAFE_BINARY)](a, b) if binary else SAFE_UNARY[op](a))
    return add_n(pool[len(leaves) :]) if len(pool) > len(leaves) + 1 else pool[-1]


@settings(max_examples=150, deadline=None)
@given(programs, st.lists(st.floats(-2, 2), min_size=1, max_size=3))
def test_random_graphs_match_finite_differences(program, points):
    assert gradcheck(lambda *xs: run_program(program, xs), points, eps=1e-6, atol=1e-4, rtol=1e-3)


@settings(max_examples=50, deadline=None)
@given(programs, st.lists(st.floats(-2, 2), min_size=1, max_size=3))
def test_grad_agrees_with_backward_on_random_graphs(program, points):
    leaves = [Value(p) for p in points]
    out = run_program(program, leaves)
    expected = grad(out, leaves)
    out.backward()
    assert [x.grad for x in leaves] == pytest.approx(expected)
    second = grad(out, leaves, create_graph=True)
    assert [float(getattr(g, "data", g)) for g in second] == pytest.approx(expected)
