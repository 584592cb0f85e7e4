"""autograd.trace: a traced function replays forward and backward with the eager engine's numbers,
says when a graph would differ, and names the op when the arithmetic fails."""

import ast
import linecache
import math
import re
import traceback

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nn
from autograd import OPS, Op, Value, add_n, dot, grad, trace
from autograd.trace import GraphChanged, Traced


def eager(fn, inputs):
    """fn's output and d(output)/d(input) from the eager engine, for flat float inputs."""
    values = [Value(x) for x in inputs]
    out = fn(*values)
    return out.data, grad(out, values)


def flat(x):
    return [y for part in x for y in flat(part)] if isinstance(x, (list, tuple)) else [x]


def close(a, b):
    """Equal to 1e-12 (relative or absolute), nested lists compared item by item."""
    return len(flat(a)) == len(flat(b)) and flat(a) == pytest.approx(flat(b), rel=1e-12, abs=1e-12)


# Random graphs over every op of the table ---------------------------------------------------------

UNARY = [
    lambda v: -v,
    lambda v: 1 / (v * v + 1.0),  # recip
    lambda v: v.tanh().exp(),
    lambda v: (v * v + 0.5).log(),
    lambda v: v**2,
    lambda v: v**3,
    lambda v: (v * v + 1.0) ** -1.5,
    lambda v: (v * v + 0.25) ** 0.5,
    lambda v: v.sin(),
    lambda v: v.cos(),
    lambda v: v.tanh(),
    lambda v: v.sigmoid(),
    lambda v: v.relu(),
    lambda v: v.leaky_relu(),
    lambda v: v.leaky_relu(0.3),
    lambda v: 2.0 - v,
    lambda v: v / 4.0,
]
BINARY = [
    lambda a, b: a + b,
    lambda a, b: a * b,
    lambda a, b: a - b,
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: (a * a + 1.0) ** b.tanh(),  # pow_value
    lambda a, b: 2.0 ** b.tanh(),  # pow_value with a constant base
    lambda a, b: dot([a, b], [b, 1.5], a),
    lambda a, b: dot([a, b], [a, b]),
    lambda a, b: add_n([a, b, a, 2.0]),
]
programs = st.lists(
    st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 1_000), st.integers(0, 1_000)), min_size=1, max_size=14
)


def run_program(program, leaves):
    """A random DAG: every step combines earlier nodes (reuse makes diamonds); the output sums a few."""
    pool = list(leaves)
    for binary, op, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        pool.append(BINARY[op % len(BINARY)](a, b) if binary else UNARY[op % len(UNARY)](a))
    return add_n(pool[len(leaves) :]) if len(pool) > len(leaves) + 1 else pool[-1]


def test_the_random_graphs_use_every_op_of_the_table():
    leaves = [Value(0.3), Value(-0.7)]
    program = [(False, k, k, k + 1) for k in range(len(UNARY))] + [(True, k, k, k + 1) for k in range(len(BINARY))]
    ops = {node.op.name for node in trace_nodes(run_program(program, leaves))}
    assert ops >= set(OPS)


def trace_nodes(out):
    from autograd import topological_order

    return topological_order(out)


points = st.lists(st.floats(-2, 2), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(programs, points, st.data())
def test_replay_gives_the_eager_output_and_gradients_on_random_graphs(program, at_trace, data):
    fn = lambda *xs: run_program(program, xs)  # noqa: E731
    try:
        traced = trace(fn, at_trace)
    except (ArithmeticError, ValueError):
        assume(False)
    replay_at = data.draw(st.lists(st.floats(-2, 2), min_size=len(at_trace), max_size=len(at_trace)))
    try:
        expected = eager(fn, replay_at)
    except (ArithmeticError, ValueError) as error:
        with pytest.raises(type(error)):  # what eager raises, the replay raises too
            traced(*replay_at)
        return
    out, gradients = traced(*replay_at)
    assert close(out, expected[0]) and close(gradients, expected[1])


@settings(max_examples=40, deadline=None)
@given(programs, points)
def test_replay_with_lists_of_outputs_gives_the_gradients_of_their_sum(program, inputs):
    def fn(*xs):
        return [run_program(program, xs), run_program(program[::-1], xs)]

    try:
        expected_outputs = [o.data for o in fn(*[Value(x) for x in inputs])]
        expected = eager(lambda *xs: add_n(fn(*xs)), inputs)[1]
        traced = trace(fn, inputs)
    except (ArithmeticError, ValueError):
        assume(False)
    outputs, gradients = traced(*inputs)
    assert close(outputs, expected_outputs) and close(gradients, expected)


BRANCHES = [
    lambda a, b: a * 2.0 if a > b else b - a,  # a comparison of Values
    lambda a, b: a.relu() if a.data > 0.25 else -a,  # a decision on .data
    lambda a, b: max(a, b, a * 0.5),
    lambda a, b: a + -max(a.data, b.data),  # a constant made from .data (the max shift of log-sum-exp)
    lambda a, b: b * int(abs(a.data) * 3),  # a number leaving through int()
]


def run_branching_program(program, leaves):
    pool = list(leaves)
    for branch, op, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        step = BRANCHES[op % len(BRANCHES)] if branch else BINARY[op % len(BINARY)]
        pool.append(step(a, b))
    return add_n(pool[len(leaves) :]) if len(pool) > len(leaves) + 1 else pool[-1]


@settings(max_examples=150, deadline=None)
@given(programs, points, st.data())
def test_a_replay_with_data_dependent_python_gives_the_eager_numbers_or_raises_graph_changed(program, at_trace, data):
    fn = lambda *xs: run_branching_program(program, xs)  # noqa: E731
    try:
        traced = trace(fn, at_trace)
    except (ArithmeticError, ValueError):
        assume(False)
    assert close(traced(*at_trace), eager(fn, at_trace))  # the traced inputs themselves always replay
    replay_at = data.draw(st.lists(st.floats(-2, 2), min_size=len(at_trace), max_size=len(at_trace)))
    try:
        result = traced(*replay_at)
    except GraphChanged:
        return
    except (ArithmeticError, ValueError) as error:
        with pytest.raises(type(error)):
            eager(fn, replay_at)
        return
    assert close(result, eager(fn, replay_at))


# Worked examples -----------------------------------------------------------------------------------


def sigmoid_circuit(w0, x0, w1, x1, w2):
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())


def test_the_sigmoid_circuit_replays_the_worked_example():
    # CS231n's worked example: w0=2, x0=-1, w1=-3, x1=-2, w2=-3 gives w0 -0.20, x0 0.39, w1 -0.39, x1 -0.59.
    traced = trace(sigmoid_circuit, [1.0, 1.0, 1.0, 1.0, 1.0])
    out, gradients = traced(2.0, -1.0, -3.0, -2.0, -3.0)
    assert round(out, 2) == 0.73
    assert [round(g, 2) for g in gradients] == [-0.2, 0.39, -0.39, -0.59, 0.2]
    assert close((out, gradients), eager(sigmoid_circuit, [2.0, -1.0, -3.0, -2.0, -3.0]))


def mlp_loss_setup():
    X, y = nn.datasets.make_moons(12, noise=0.1, seed=0)
    model = nn.MLP(2, [6, 5, 1], seed=0)
    return model, X, [float(t) for t in y]


def test_an_mlp_loss_replays_with_new_parameters_and_samples():
    model, X, y = mlp_loss_setup()
    params = model.parameters()

    def loss(samples, _params):
        return nn.mse(nn.outputs(model, samples), y[:6])

    traced = trace(loss, [X[:6], params])
    for p in params:
        p.data *= 0.9
    out, (sample_grads, param_grads) = traced(X[6:], [p.data for p in params])
    samples = [[Value(v) for v in x] for x in X[6:]]
    expected = nn.mse(nn.outputs(model, samples), y[:6])
    assert close(out, expected.data)
    assert close(param_grads, grad(expected, params))
    assert close(sample_grads, [grad(expected, s) for s in samples])


def test_inputs_given_as_values_are_those_values():
    w = Value(2.0, label="w")
    traced = trace(lambda x, weights: x * weights[0], [3.0, [w]])
    assert traced(5.0, [7.0]) == (35.0, [7.0, [5.0]])
    assert traced(5.0, [Value(7.0)]) == (35.0, [7.0, [5.0]])  # a Value at replay gives its number


def test_values_fn_did_not_create_are_read_at_each_replay():
    w = Value(2.0, label="w")
    traced = trace(lambda x: x * w, [3.0])
    w.data = 10.0
    assert traced(3.0) == (30.0, [10.0])
    assert "(c0,) = captured" in traced.source


def test_forward_then_backward_takes_the_seeds_of_a_loss_computed_outside():
    traced = trace(lambda a, b: [a * b, a + b], [1.0, 1.0])
    outputs, backward = traced.forward(2.0, 3.0)
    assert outputs == [6.0, 5.0]
    assert backward([10.0, 1.0]) == [31.0, 21.0]  # 10 * d(ab) + 1 * d(a+b)
    with pytest.raises(RuntimeError, match="already ran"):
        backward([1.0, 1.0])


# When the graph would differ ----------------------------------------------------------------------


def test_a_branch_on_a_comparison_of_values_raises_graph_changed_saying_where():
    def fn(x):
        return x * 2 if x > 0 else -x

    traced = trace(fn, [1.0])
    assert traced(3.0) == (6.0, [2.0])
    with pytest.raises(GraphChanged, match=r"test_trace.py:\d+ in fn, `x0 > 0` was True when traced and is False now"):
        traced(-1.0)
    assert isinstance(GraphChanged("x"), ValueError)


def test_a_branch_on_data_raises_graph_changed():
    traced = trace(lambda z: nn.bce_with_logits(z, 1.0), [1.0])  # it branches on z.data > 0
    assert close(traced(2.0)[0], nn.bce_with_logits(Value(2.0), 1.0).data)
    with pytest.raises(GraphChanged, match="x0 > 0.0"):
        traced(-2.0)


def test_max_of_values_is_rechecked_at_replay():
    traced = trace(lambda a, b: max(a, b) * 2, [1.0, 2.0])
    assert traced(0.0, 5.0) == (10.0, [0.0, 2.0])
    with pytest.raises(GraphChanged, match="max|comparison|x1 > x0|x0 < x1"):
        traced(5.0, 0.0)


def test_a_loop_count_from_data_is_a_guard():
    def fn(x):
        out = x
        for _ in range(int(x.data)):
            out = out * x
        return out

    traced = trace(fn, [2.5])
    assert traced(2.9) == eager(fn, [2.9])
    with pytest.raises(GraphChanged, match=r"int\(x0\) == 2"):
        traced(3.5)


def test_a_different_number_of_inputs_raises_value_error():
    traced = trace(lambda a, b: a * b, [1.0, 2.0])
    with pytest.raises(ValueError, match="takes 2 inputs.*got 3"):
        traced(1.0, 2.0, 3.0)


def test_an_input_of_another_shape_raises_value_error():
    traced = trace(lambda xs, w: xs[0] * w, [[1.0, 2.0], 3.0])
    with pytest.raises(ValueError, match="a list of 2 numbers.*got 3 items"):
        traced([1.0, 2.0, 3.0], 3.0)
    with pytest.raises(ValueError, match="a list of 2 numbers.*got float"):
        traced(1.0, 3.0)


def test_a_replay_input_that_is_not_a_number_raises_type_error():
    traced = trace(lambda a: a * 2, [1.0])
    with pytest.raises(TypeError, match="str"):
        traced("one")
    with pytest.raises(ValueError, match="finite"):
        traced(math.inf)


# Numbers read from .data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda z: z + -z.data,  # a constant made from data: the max shift of log-sum-exp
        lambda z: z * z.data,
        lambda z: z.data * z,
        lambda z: Value(z.data * 2) * z,
        lambda z: z.copy() * z,
        lambda z: (z * 3).copy() + z,
    ],
)
def test_a_constant_made_from_data_is_recomputed_at_replay(fn):
    traced = trace(fn, [1.5])
    for x in (-2.0, 0.25, 4.0):
        assert close(traced(x), eager(fn, [x]))


def test_a_number_leaving_through_float_keeps_the_replay_to_that_number():
    def fn(z):
        return z * math.exp(z.data)  # math.exp converts: the tracer cannot follow the number

    traced = trace(fn, [1.0])
    assert close(traced(1.0), eager(fn, [1.0]))
    with pytest.raises(GraphChanged, match=r"float\(x0\) == 1.0.*math.exp"):
        traced(2.0)


def test_reading_grad_or_setting_data_inside_fn_raises():
    def reads_grad(z):
        y = z * z
        y.backward()
        return z * z.grad

    def sets_data(z):
        z.data = 2.0
        return z

    with pytest.raises(ValueError, match=".grad"):
        trace(reads_grad, [1.0])
    with pytest.raises(ValueError, match="sets .data"):
        trace(sets_data, [1.0])


def test_tracing_leaves_value_as_it_was_even_when_fn_raises():
    before = dict(Value.__dict__)

    def fails(z):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        trace(fails, [1.0])
    assert dict(Value.__dict__) == before
    v = Value(3.0)
    assert type(v.data) is float and (v > 2) is True


def test_a_value_computed_before_the_call_from_an_input_is_refused():
    w = Value(2.0, label="w")
    h = w * 3
    with pytest.raises(ValueError, match="computed before the call from input 0"):
        trace(lambda w_: w_ + h, [w])


def test_trace_inside_a_traced_function_raises():
    with pytest.raises(RuntimeError, match="trace"):
        trace(lambda z: trace(lambda y: y, [1.0]) and z, [1.0])


# Errors at replay name the op ----------------------------------------------------------------------


def test_log_of_a_negative_number_at_replay_names_the_op_and_label():
    traced = trace(lambda x: x.log() * 2, [1.0])
    with pytest.raises(ValueError, match=r"^log: log\(x\) is undefined for x = -1.0.*'x0'"):
        traced(-1.0)


def test_division_by_zero_at_replay_is_zero_division_error_naming_recip():
    traced = trace(lambda x: 1 / x, [1.0])
    with pytest.raises(ZeroDivisionError, match="^recip: "):
        traced(0.0)


def test_an_overflow_at_replay_is_overflow_error_naming_the_op():
    traced = trace(lambda x: x * 1e300 * 1e5, [1.0])
    with pytest.raises(OverflowError, match="^mul: the result inf"):
        traced(1e4)
    traced = trace(lambda x: x.exp(), [1.0])
    with pytest.raises(OverflowError, match="^exp: e\\^x overflows"):
        traced(1000.0)


def test_a_gradient_that_is_not_finite_at_replay_raises_arithmetic_error():
    traced = trace(lambda x: 1 / x, [1.0])  # at 1e-200 the output is finite, its slope -1/x^2 is not
    with pytest.raises(ArithmeticError, match="the leaf 'x0' is -inf, not a finite number"):
        traced(1e-200)
    with pytest.raises(ArithmeticError, match="not a finite number"):
        grad(1 / (x := Value(1e-200)), [x])


def test_tracebacks_show_the_generated_lines():
    traced = trace(lambda x: x.log(), [1.0])
    with pytest.raises(ValueError) as caught:
        traced(-1.0)
    filename = traced._filename
    assert "raise ValueError" in linecache.getline(filename, 10) or any(
        "raise ValueError" in line for line in traceback.format_tb(caught.value.__traceback__)
    )
    assert linecache.getlines(filename) == traced.source.splitlines(True)


# The source ----------------------------------------------------------------------------------------


def test_the_source_is_python_naming_each_op_forward_then_backward():
    traced = trace(sigmoid_circuit, [2.0, -1.0, -3.0, -2.0, -3.0])
    ast.parse(traced.source)
    forward, backward = traced.source.split("# backward: the chain rule")
    for op in ("mul", "add", "neg", "exp", "recip"):
        assert re.search(rf"= .*# {op}\b", forward) and re.search(rf"# v\d+ = {op}: ", backward)
    assert "exp(" in forward and "d(1/x)/dx = -1/x^2" in backward
    # Through an add, a parent's only contribution is the child's gradient itself: no copy is made.
    assert re.search(r"# g_x4 is g_v\d+ \(local derivative 1", backward) and "g_x4" not in backward.split("return")[1]
    assert isinstance(traced, Traced) and "circuit" in repr(traced)


def test_a_dot_node_is_written_as_a_sum_of_products():
    traced = trace(lambda a, b, c: dot([a, b], [c, 2.0], a), [1.0, 2.0, 3.0])
    assert "x0 * x2 + x1 * 2.0 + x0" in traced.source
    assert close(traced(1.5, -2.0, 0.5), eager(lambda a, b, c: dot([a, b], [c, 2.0], a), [1.5, -2.0, 0.5]))


def test_an_n_ary_op_whose_expressions_do_not_run_on_symbols_calls_its_compiled_functions():
    from autograd import engine

    largest = Op("largest", "max", arity=0, forward="max(xs)", local="tuple(float(x == out) for x in xs)",
                 micrograd="max", formula="d max/dxi = 1 for the largest", latex="")  # fmt: skip

    def fn(a, b):
        return engine._nary(largest, (a * 2, b))

    traced = trace(fn, [1.0, 3.0])
    assert "op0.forward(" in traced.source and "op0.local(" in traced.source
    assert traced(1.0, 3.0) == (3.0, [0.0, 1.0])
    assert traced(5.0, 3.0) == (10.0, [2.0, 0.0])


# nn.fit(compile=True) ------------------------------------------------------------------------------


def fit_history(compile, make_loss=lambda model: nn.bce_with_logits, outputs=1):
    X, y = nn.datasets.make_moons(40, noise=0.1, seed=0)
    model = nn.MLP(2, [6, 6, outputs], seed=0)
    optimizer = nn.Adam(model.parameters(), lr=0.05)
    loader = nn.DataLoader(X, y, batch_size=16, shuffle=True, seed=1)  # 16, 16 and a last batch of 8
    history = nn.fit(model, make_loss(model), optimizer, loader, 4, progress=False, compile=compile)
    return history, [p.data for p in model.parameters()]


def test_fit_compiled_gives_the_eager_history_and_parameters():
    eager_history, eager_params = fit_history(False)
    compiled_history, compiled_params = fit_history(True)
    assert close(compiled_history["loss"], eager_history["loss"])
    assert compiled_history["accuracy"] == eager_history["accuracy"]
    assert close(compiled_params, eager_params)


def test_fit_compiled_with_several_outputs_and_a_loss_that_reads_the_parameters():
    def make_loss(model):
        return lambda outputs, targets: nn.cross_entropy(outputs, targets) + nn.l2_penalty(model.parameters(), 1e-3)

    eager_history, eager_params = fit_history(False, make_loss, outputs=2)
    compiled_history, compiled_params = fit_history(True, make_loss, outputs=2)
    assert close(compiled_history["loss"], eager_history["loss"])
    assert close(compiled_params, eager_params)


class SignFlip(nn.Module):
    """A model whose Python branches on its input: two graphs, one per sign."""

    def __init__(self) -> None:
        self.inner = nn.MLP(2, [4, 1], seed=0)

    def forward(self, x):
        out = self.inner(x)
        return out if x[0] > 0.5 else -out

    def parameters(self):
        return self.inner.parameters()


class Shrinks(SignFlip):
    """A model whose loop count depends on its input: a new graph for almost every sample."""

    def forward(self, x):
        out = self.inner(x)
        for _ in range(int(abs(getattr(x[0], "data", x[0])) * 10)):  # a sample is numbers, or Values when traced
            out = out * 0.9
        return out


@pytest.mark.parametrize("model_class", [SignFlip, Shrinks])
def test_fit_compiled_gives_the_eager_history_for_a_model_whose_graph_depends_on_the_data(model_class):
    def run(compile):
        X, y = nn.datasets.make_moons(60, noise=0.1, seed=0)
        model = model_class()
        loader = nn.DataLoader(X, y, batch_size=4, shuffle=True, seed=2)
        history = nn.fit(model, nn.bce_with_logits, nn.SGD(model.parameters(), lr=0.1), loader, 2,
                         progress=False, compile=compile)  # fmt: skip
        return history["loss"], [p.data for p in model.parameters()]

    assert close(run(True), run(False))


def test_a_dot_too_long_for_one_expression_calls_the_op_s_functions():
    n = 600

    def fn(*xs):
        return dot(xs[:n], xs[n:])

    traced = trace(fn, [0.5] * (2 * n))
    assert "op0.forward(" in traced.source
    numbers = [k / n for k in range(2 * n)]
    assert close(traced(*numbers), eager(fn, numbers))


def test_replay_inputs_may_be_ints_or_bools_and_are_used_as_floats():
    traced = trace(lambda a, b: a * b, [1.0, 2.0])
    out, gradients = traced(3, True)
    assert (out, gradients) == (3.0, [1.0, 3.0]) and type(out) is float
    with pytest.raises(ValueError, match="too large"):
        traced(10**400, 1)
