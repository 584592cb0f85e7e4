"""The engine at its edges: non-finite gradients, copies and pickles of deep graphs, powers at 0,
the methods other engines' test suites call, scopes and micrograd's spelling."""

import copy
import math
import pickle
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, Value, grad, gradcheck, scope, topological_order

# Gradients that are not finite numbers raise, naming the node ------------------------------


def test_an_overflowing_local_derivative_raises_at_backward_naming_the_node():
    a = Value(1e-160, label="a")
    out = (1 / a) * 1e-200  # d/da = -1e120, but the local -1/a^2 = -1e320 overflows
    with pytest.raises(ArithmeticError, match=r"'a'.*-inf.*recip"):
        out.backward()


def test_zero_times_an_infinite_local_raises_instead_of_a_nan_gradient():
    a = Value(1e-160, label="a")
    with pytest.raises(ArithmeticError, match="nan"):
        ((1 / a) * 0).backward()


def test_grad_raises_like_backward_on_a_non_finite_gradient():
    a = Value(1e-160, label="a")
    with pytest.raises(ArithmeticError, match="'a'"):
        grad((1 / a) * 1e-200, [a])


def test_a_failed_backward_leaves_the_graph_ready_for_the_next_one():
    a, b = Value(1e-160, label="a"), Value(2.0, label="b")
    with pytest.raises(ArithmeticError):
        ((1 / a) * 1e-200).backward()
    (b * 3).backward()
    assert b.grad == 3.0


# Copies and pickles --------------------------------------------------------------------------


def _chain(depth):
    x = Value(1.0, label="x")
    y = x
    for _ in range(depth):
        y = y * 1.0000001
    return x, y


def test_pickled_graph_gives_the_same_gradients_in_a_new_process():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    f = a * a * b + 4 * b  # df/da = 2ab = 12, df/db = a^2 + 4 = 8
    payload = pickle.dumps((f, a, b))
    script = (
        "import pickle, sys\n"
        "f, a, b = pickle.loads(sys.stdin.buffer.read())\n"
        "from autograd import Value, grad\n"
        "noise = [Value(float(i)) * 2 for i in range(100)]  # nodes made in the new process first\n"
        "f.backward()\n"
        "print(a.grad, b.grad, *grad(f, [a, b]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], input=payload, capture_output=True, check=True)
    assert result.stdout.decode().split() == ["12.0", "8.0", "12.0", "8.0"]


def test_pickle_keeps_leaves_shared_with_the_other_pickled_objects():
    w = Value(2.0, label="w")
    loss = w * w
    loss2, w2 = pickle.loads(pickle.dumps((loss, w)))
    loss2.backward()
    assert w2.grad == 4.0 and loss2.parents[0] is w2


def test_a_graph_a_hundred_thousand_deep_pickles_without_recursion():
    _, y = _chain(100_000)
    z = pickle.loads(pickle.dumps(y))
    z.backward()
    assert z.data == pytest.approx(y.data) and len(topological_order(z)) == 200_001


def test_deepcopy_of_a_ten_thousand_deep_chain_keeps_the_gradients():
    x, y = _chain(10_000)
    twin = copy.deepcopy(y)
    twin.backward()
    y.backward()
    leaf = topological_order(twin)[0]
    assert leaf is not x and leaf.grad == x.grad and x.grad > 1.0


def test_copy_is_a_shallow_node_sharing_the_parents():
    a, b = Value(2.0), Value(5.0)
    c = a * b
    twin = copy.copy(c)
    assert twin is not c and twin.parents == (a, b) and twin.local == c.local and twin.op == "mul"


# Powers at 0 (torch's numbers) ---------------------------------------------------------------


def test_zero_to_the_zero_is_one_with_derivative_zero():
    x = Value(0.0)
    y = x**0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_kth_derivative_of_x_to_the_n_at_zero_is_n_factorial_for_k_equal_n(n):
    x = Value(0.0)
    derivative = x**n
    for k in range(1, n + 2):
        derivative = grad(derivative, [x], create_graph=True)[0]
        value = derivative.data if isinstance(derivative, Value) else derivative
        assert value == (math.factorial(n) if k == n else 0.0), (n, k)


def test_integer_powers_near_zero_do_not_overflow_their_derivatives():
    x = Value(1e-300)
    third = x**3
    for _ in range(3):
        third = grad(third, [x], create_graph=True)[0]
    assert third.data == pytest.approx(6.0)


def test_power_node_carries_its_exponent_in_the_op():
    y = Value(2.0) ** 3
    assert y.op == "pow" and y.op.params == {"n": 3} and y.op.params_text == "n = 3" and y._op == "**3"


# Methods and operators other engines' tests call ---------------------------------------------


def test_copy_method_is_a_new_leaf_cut_off_from_the_graph():
    a = Value(3.0, label="a")
    b = (a * 2).copy()
    (b * b).backward()
    assert b.data == 6.0 and b.parents == () and b.grad == 12.0 and a.grad == 0.0


def test_pow_method_is_the_power_operator():
    x = Value(3.0)
    assert x.pow(2).data == 9.0 and x.pow(2).op == "pow"


def test_value_to_a_value_power_is_one_node_with_both_derivatives():
    a, b = Value(2.0), Value(3.0)
    c = a**b
    c.backward()
    assert c.op == "pow_value" and c.parents == (a, b)
    assert a.grad == pytest.approx(3 * 2.0**2) and b.grad == pytest.approx(8 * math.log(2.0))
    assert gradcheck(lambda x, y: x**y, [1.7, -0.6])


def test_number_to_a_value_power_is_one_node():
    b = Value(3.0)
    c = 2**b
    c.backward()
    assert c.op == "pow_value" and c.data == 8.0 and b.grad == pytest.approx(8 * math.log(2))


@pytest.mark.parametrize("base", [0.0, -2.0])
def test_value_power_needs_a_positive_base(base):
    with pytest.raises(ValueError, match="positive base"):
        Value(base, label="a") ** Value(2.0)


def test_sin_and_cos_match_their_closed_forms():
    x = Value(0.7)
    y = x.sin() * x.cos()  # d/dx = cos^2 - sin^2 = cos(2x)
    y.backward()
    assert y.data == pytest.approx(math.sin(0.7) * math.cos(0.7)) and x.grad == pytest.approx(math.cos(1.4))
    assert grad(grad(x.sin(), [x], create_graph=True)[0], [x])[0] == pytest.approx(-math.sin(0.7))


def test_comparisons_look_at_the_data_and_record_nothing():
    a, b = Value(1.0), Value(2.0)
    assert (a < b, a <= b, a > b, a >= b) == (True, True, False, False)
    assert (a < 1.5, a >= 1, 3 > a) == (True, True, True)
    assert a.parents == () and b.parents == ()


def test_equality_is_identity_so_values_are_dict_keys():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a and len({a: 1, b: 2}) == 2


def test_comparing_with_a_non_number_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        assert Value(1.0) < "2"


def test_gradcheck_returns_false_when_asked_not_to_raise():
    # relu at its kink: the central difference over the kink is 0.5, backward says 1.
    assert gradcheck(lambda x: x.relu(), [1e-9], eps=1e-3, raise_exception=False) is False


# Random graphs with powers at exactly 0, against finite differences ----------------------------

# Smooth ops of moderate growth, so central differences stay accurate enough to compare with
# (sin(exp(4x^2)) at x = -1.3 already has a third derivative large enough to defeat them).
UNARY = [
    lambda v: v.sin(),
    lambda v: v.cos(),
    lambda v: v.tanh(),
    lambda v: v**0,
    lambda v: v**1,
    lambda v: v**2,
    lambda v: v**3,
]
BINARY = [lambda u, v: u + v, lambda u, v: u * v, lambda u, v: u - v]


@st.composite
def polynomial_like(draw):
    """A random smooth graph over one input x, as a list of steps over earlier results."""
    steps = []
    for k in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            steps.append(("u", draw(st.integers(0, len(UNARY) - 1)), draw(st.integers(0, k))))
        else:
            steps.append(("b", draw(st.integers(0, len(BINARY) - 1)), draw(st.integers(0, k)), draw(st.integers(0, k))))
    return steps


def _evaluate(steps, x):
    values = [x]
    for step in steps:
        if step[0] == "u":
            values.append(UNARY[step[1]](values[step[2]]))
        else:
            values.append(BINARY[step[1]](values[step[2]], values[step[3]]))
    return values[-1]


@settings(max_examples=150, deadline=None)
@given(polynomial_like(), st.sampled_from([0.0, 0.0, 0.5, -1.3]))
def test_random_graphs_with_powers_at_zero_match_finite_differences(steps, x0):
    x = Value(x0)
    out = _evaluate(steps, x)
    first = grad(out, [x], create_graph=True)[0]
    first_value = first.data if isinstance(first, Value) else first
    second = grad(first, [x])[0] if isinstance(first, Value) else 0.0

    def f(t):
        return _evaluate(steps, Value(t)).data

    def df(t):
        v = Value(t)
        return grad(_evaluate(steps, v), [v])[0]

    eps = 1e-5
    assert first_value == pytest.approx((f(x0 + eps) - f(x0 - eps)) / (2 * eps), rel=1e-4, abs=1e-4)
    assert second == pytest.approx((df(x0 + eps) - df(x0 - eps)) / (2 * eps), rel=1e-3, abs=1e-3)


# Scopes and micrograd's spelling -------------------------------------------------------------


def test_nodes_carry_the_path_of_the_scopes_they_were_made_in():
    a = Value(1.0)
    with scope("layer 1") as outer:
        b = a * 2
        with scope("neuron 3") as inner:
            c = b + 1
    d = c * 3
    assert (outer, inner) == ("layer 1", "layer 1/neuron 3")
    assert (a.scope, b.scope, c.scope, d.scope) == ("", "layer 1", "layer 1/neuron 3", "")


def test_a_scope_is_closed_even_when_its_block_raises():
    with pytest.raises(ZeroDivisionError), scope("broken"):
        Value(0.0).recip()
    assert (Value(1.0) * 2).scope == ""


def test_a_scope_needs_a_name():
    with pytest.raises(ValueError, match="name"), scope(""):
        pass


def test_micrograd_prev_and_op_spellings():
    a, b = Value(2.0), Value(3.0)
    assert (a + b)._op == "+" and (a * b)._op == "*" and a.relu()._op == "ReLU" and a.tanh()._op == "tanh"
    assert a.exp()._op == "exp" and (a**2)._op == "**2" and a._op == ""
    assert (a * b)._prev == {a, b} and a._prev == set()
    with pytest.raises(AttributeError):
        (a * b)._prev = set()


def test_every_op_names_its_micrograd_spelling_and_latex():
    for op in OPS.values():
        assert op.latex.startswith("\\frac") and isinstance(op.micrograd, str)


def test_a_non_number_exponent_is_a_type_error_naming_its_type():
    with pytest.raises(TypeError, match="real number.*list"):
        Value(2.0) ** [2]


def test_ever_new_exponents_are_computed_right_and_not_all_kept():
    from autograd import engine

    x = Value(1.5)
    for k in range(600):
        n = 1.0 + k / 1000
        assert (x**n).data == pytest.approx(1.5**n)
    assert len(engine._pow_ops) <= engine._MAX_CACHED_EXPONENTS


def test_an_integral_exponent_is_one_variant_keyed_by_an_int_whether_written_2_or_2_0():
    from autograd import engine

    x = Value(1.5)
    squares = [x**2, x**2.0, x ** Value(2.0).data]
    assert {node.op.key for node in squares} == {engine.POW.with_params(n=2).key}
    assert [node.data for node in squares] == [2.25] * 3
    # An int key is what `x ** 2` finds without comparing an int to a float on every call.
    assert not [n for n in engine._pow_ops if isinstance(n, float) and n.is_integer()]


class _CourseValue(Value):
    """A subclass of Value such as a course might define, to add a method of its own."""

    __slots__ = ()

    def double(self) -> Value:
        return self * 2


def _every_operator(x: Value, y: Value) -> Value:
    """x on both sides of + - * / ** next to the Value y, and next to numbers."""
    return (y + x) * (y - x) + y * x + y / x + y**x + (x + y) * (x - y) + x / y + x**2 + 2.0**x + 1.0 / x - 3 * x


def test_an_instance_of_a_value_subclass_is_a_value_on_either_side_of_every_operator():
    x, y = _CourseValue(0.8, label="x"), Value(1.7)
    out = _every_operator(x, y) + x.double()
    out.backward()
    plain_x, plain_y = Value(0.8), Value(1.7)
    expected = _every_operator(plain_x, plain_y) + plain_x * 2
    expected.backward()
    assert (out.data, x.grad, y.grad) == (expected.data, plain_x.grad, plain_y.grad)
    assert x.grad != 0.0
    assert (x < y, x <= 0.8, x > 0.5, y >= x) == (True, True, True, True)


def test_a_value_subclass_with_its_own_init_is_refused_where_it_is_defined_saying_what_to_do_instead():
    with pytest.raises(TypeError, match="Tagged: a subclass of Value cannot define __init__.*classmethod"):

        class Tagged(Value):
            def __init__(self, data: float, tag: str) -> None:
                self.tag = tag

    class Tagged(Value):  # the way the message gives
        @classmethod
        def tagged(cls, data: float, tag: str) -> "Tagged":
            value = cls(data)
            value.tag = tag
            return value

    t = Tagged.tagged(2.0, "t")
    (t * t).backward()
    assert (t.tag, t.grad) == ("t", 4.0)


def test_the_ops_methods_pickle_by_reference_as_methods_of_value():
    assert pickle.loads(pickle.dumps(Value.relu)) is Value.relu
    assert Value.exp.__qualname__ == "Value.exp" and "e^x" in Value.exp.__doc__


def test_ops_made_after_the_caches_are_full_keep_their_own_parameters():
    from autograd import engine, trace

    x = Value(1.5)
    for k in range(300):  # fill the caches of exponents and op variants
        _ = x ** (2.0 + k / 1000)
    assert len(engine._pow_ops) <= engine._MAX_CACHED_EXPONENTS
    for n in (3.5, 4.5, 5.5):  # each made fresh now, so their ids may be reused by the next one
        second = grad(grad(x**n, [x], create_graph=True)[0], [x])[0]
        assert second == pytest.approx(n * (n - 1) * 1.5 ** (n - 2))
        out, grads = trace(lambda v, n=n: v**n, [1.5])(2.0)
        assert (out, grads[0]) == (pytest.approx(2.0**n), pytest.approx(n * 2.0 ** (n - 1)))


# Every op on extreme finite inputs: a finite result or an error, never inf or NaN ------------

# How each one- and two-input op of the table is called; `y` is a Value (or its number, for ops
# whose second input is a parameter).
CALLS = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "neg": lambda x, y: -x,
    "recip": lambda x, y: x.recip(),
    "exp": lambda x, y: x.exp(),
    "log": lambda x, y: x.log(),
    "pow": lambda x, y: x**y.data,
    "pow_value": lambda x, y: x**y,
    "sin": lambda x, y: x.sin(),
    "cos": lambda x, y: x.cos(),
    "tanh": lambda x, y: x.tanh(),
    "sigmoid": lambda x, y: x.sigmoid(),
    "relu": lambda x, y: x.relu(),
    "leaky_relu": lambda x, y: x.leaky_relu(y.data),
}
extreme = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 5e-324, -5e-324, 0.0, -0.0, 709.79, 1e-160, 2.0, -3.0]),
)


def test_the_extreme_input_check_calls_every_op_of_one_or_two_inputs():
    assert set(CALLS) == {name for name, op in OPS.items() if op.arity in (1, 2)}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(CALLS)), extreme, extreme)
def test_every_op_of_extreme_finite_inputs_is_finite_or_raises_naming_the_op(name, x, y):
    try:
        out = CALLS[name](Value(x, label="x"), Value(y, label="y"))
    except (ArithmeticError, ValueError) as error:
        assert str(error).startswith(f"{name}: "), error
    else:
        assert math.isfinite(out.data) and out.op.name == name


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["add", "mul", "pow"]), extreme, extreme)
def test_a_plain_number_operand_of_extreme_size_is_finite_or_raises(name, x, y):
    apply = {"add": lambda v: v + y, "mul": lambda v: v * y, "pow": lambda v: v**y}[name]
    try:
        out = apply(Value(x))
    except (ArithmeticError, ValueError):
        return
    assert math.isfinite(out.data)


@pytest.mark.parametrize("n", [10**400, 2**1024, 1e308, -1e308, 1075])
def test_a_huge_exponent_raises_or_is_finite(n):
    for base in (0.5, 1.0, 1.5, -2.0, 1e308):
        try:
            out = Value(base) ** n
        except (ArithmeticError, ValueError):
            continue
        assert math.isfinite(out.data)


# How nodes are made: by Value's class call for leaves, by the op makers for results ----------


def test_results_of_ops_are_plain_values_without_a_label():
    a, b = Value(2.0, label="a"), Value(3.0)
    for node in (a * b, a + 1.0, a - 2.0, a / 2.0, a**2, 2 * a, 1 - a, a.exp(), a.relu(), -a):
        assert type(node) is Value and node.label == "" and node.grad == 0.0


def test_a_label_set_on_a_result_shows_in_its_repr_and_must_be_a_string():
    out = Value(2.0) * 3
    out.label = "out"
    assert out.label == "out" and "label='out'" in repr(out)
    with pytest.raises(TypeError, match="label must be a str, got int"):
        out.label = 3
    assert out.label == "out"


@pytest.mark.parametrize(
    "data, error", [("x", TypeError), (None, TypeError), (math.nan, ValueError), (math.inf, ValueError)]
)
def test_the_class_call_checks_the_data_of_a_leaf(data, error):
    with pytest.raises(error):
        Value(data)


def test_a_leaf_label_passed_by_position_is_kept():
    assert Value(1.0, "w").label == "w"


# Backward leaves nothing behind and adds up exactly ------------------------------------------


def _graph():
    a, b = Value(1.5, label="a"), Value(-0.7, label="b")
    c = a * b + a.exp() - b**2
    return a, b, (c.tanh() * a + c / (b * b + 1.0)).relu() + a.log()


def test_backward_leaves_no_scratch_attribute_on_any_node():
    *_, out = _graph()
    out.backward()
    assert not any(hasattr(node, "_upstream") for node in topological_order(out))


def test_a_failed_backward_leaves_no_scratch_attribute_on_any_node():
    a = Value(1e-160, label="a")
    out = (1 / a) * 1e-200 + a * 2.0
    with pytest.raises(ArithmeticError):
        out.backward()
    assert not any(hasattr(node, "_upstream") for node in topological_order(out))


def test_a_second_backward_doubles_every_gradient_exactly():
    a, b, out = _graph()
    out.backward()
    first = [node.grad for node in topological_order(out)]
    out.backward()
    assert [node.grad for node in topological_order(out)] == [2 * g for g in first]
