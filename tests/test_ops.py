"""The op table: each op's local derivative against central differences, and its domain errors."""

import math

import pytest

from autograd import OPS, Value, gradcheck

# Each op as a function of Values, with points away from kinks and domain edges.
UNARY = {
    "neg": (lambda x: -x, [-1.5, 0.3, 2.0]),
    "recip": (lambda x: x.recip(), [-2.0, 0.5, 1.37]),
    "exp": (lambda x: x.exp(), [-1.0, 0.0, 2.5]),
    "log": (lambda x: x.log(), [0.1, 1.0, 7.0]),
    "tanh": (lambda x: x.tanh(), [-2.0, 0.0, 0.7]),
    "sigmoid": (lambda x: x.sigmoid(), [-3.0, 0.0, 4.0]),
    "relu": (lambda x: x.relu(), [-1.0, 0.5, 3.0]),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), [-1.0, 0.5]),
    "pow": (lambda x: x**3, [-1.5, 0.5, 2.0]),
    "sin": (lambda x: x.sin(), [-2.0, 0.0, 1.3]),
    "cos": (lambda x: x.cos(), [-2.0, 0.0, 1.3]),
}
BINARY = {
    "add": (lambda x, y: x + y, [(1.0, -2.0), (0.0, 3.5)]),
    "mul": (lambda x, y: x * y, [(1.5, -2.0), (0.0, 3.5)]),
    "pow_value": (lambda x, y: x**y, [(1.5, -2.0), (0.3, 3.5), (2.0, 0.0)]),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_derivative_matches_central_differences(name):
    fn, points = UNARY[name]
    for x in points:
        assert fn(Value(x)).op == name
        assert gradcheck(fn, [x])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_derivatives_match_central_differences(name):
    fn, points = BINARY[name]
    for x, y in points:
        assert fn(Value(x), Value(y)).op == name
        assert gradcheck(fn, [x, y])


def test_fractional_and_negative_powers_match_central_differences():
    for n in (0.5, -1, -2.5, 1.5):
        assert gradcheck(lambda x, n=n: x**n, [1.7])


def test_every_op_in_the_table_is_tested_here():
    tested = set(UNARY) | set(BINARY) | {"sum", "dot"}
    assert tested == set(OPS)


def test_every_op_has_a_symbol_and_a_derivative_formula():
    for op in OPS.values():
        assert op.symbol and op.formula.startswith("d")


def test_recip_formula_reads_as_in_the_contract():
    assert OPS["recip"].formula == "d(1/x)/dx = -1/x^2"


def test_sigmoid_is_stable_at_large_inputs():
    assert Value(1e4).sigmoid().data == 1.0
    assert Value(-1e4).sigmoid().data == 0.0
    low = Value(-1e4)
    low.sigmoid().backward()
    assert low.grad == 0.0


def test_sigmoid_agrees_with_its_definition():
    for x in (-5.0, -0.3, 0.0, 2.0):
        assert Value(x).sigmoid().data == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-15)


def test_relu_derivative_at_zero_is_zero():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


def test_leaky_relu_default_slope_is_one_hundredth():
    x = Value(-2.0)
    y = x.leaky_relu()
    y.backward()
    assert (y.data, x.grad) == (pytest.approx(-0.02), 0.01)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: Value(-1.0, label="p").log(), ValueError, ["log", "-1.0", "'p'"]),
        (lambda: Value(0.0, label="p").log(), ValueError, ["log", "0.0", "'p'"]),
        (lambda: Value(0.0, label="d").recip(), ZeroDivisionError, ["recip", "0.0", "'d'"]),
        (lambda: 1 / Value(0.0, label="d"), ZeroDivisionError, ["recip", "'d'"]),
        (lambda: Value(3.0) / Value(0, label="d"), ZeroDivisionError, ["recip", "'d'"]),
        (lambda: Value(-2.0, label="b") ** 0.5, ValueError, ["pow", "-2.0", "0.5", "'b'"]),
        (lambda: Value(0.0, label="z") ** -1, ZeroDivisionError, ["pow", "'z'"]),
        (lambda: Value(0.0, label="z") ** 0.5, ZeroDivisionError, ["pow", "infinite", "'z'"]),
        (lambda: Value(1000.0, label="big").exp(), OverflowError, ["exp", "1000.0", "'big'"]),
        (lambda: Value(1e200, label="h") * Value(1e200), OverflowError, ["mul"]),
        (lambda: Value(10.0, label="h") ** 400, OverflowError, ["pow", "overflows", "10.0", "'h'"]),
    ],
)
def test_domain_errors_name_the_op_the_value_and_the_label(make, error, words):
    with pytest.raises(error) as caught:
        make()
    for word in words:
        assert word in str(caught.value)


def test_negative_base_to_an_integer_power_is_fine():
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)
