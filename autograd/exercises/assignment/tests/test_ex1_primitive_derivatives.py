"""Exercise 1: the local derivatives of add, mul, neg, recip and exp.

Expected numbers: the closed forms d(x+y)/dx = 1, d(xy)/dx = y, d(-x)/dx = -1,
d(1/x)/dx = -1/x^2, d(e^x)/dx = e^x, checked against Backprop Lab's op table at
numbers drawn at random for each run.
"""

import math

import pytest

from autograd.ops import OPS

pytestmark = pytest.mark.exercise(1)


def points(rng, count: int = 4) -> list[float]:
    """`count` numbers in [-3, 3], none within 0.1 of 0 (where 1/x blows up)."""
    return [rng.choice((-1, 1)) * rng.uniform(0.1, 3.0) for _ in range(count)]


def check_local(function, op: str, *inputs: float) -> None:
    out = OPS[op].forward(*inputs)
    got = function(*inputs, out)
    expected = tuple(OPS[op].local(*inputs, out))
    call = f"{function.__name__}({', '.join(map(repr, inputs))}, out={out!r})"
    assert isinstance(got, tuple), f"{call} returned {got!r}; return a tuple, one number per input"
    assert len(got) == len(expected), f"{call} returned {len(got)} numbers; {op} has {len(expected)} inputs"
    assert got == pytest.approx(expected), f"{call} returned {got}; expected {expected} ({OPS[op].formula})"


@pytest.mark.points(1)
def test_local_add_is_one_for_both_inputs(derivatives, rng):
    for x, y in zip(points(rng), points(rng)):
        check_local(derivatives.local_add, "add", x, y)


@pytest.mark.points(1)
def test_local_mul_is_the_other_input(derivatives, rng):
    for x, y in zip(points(rng), points(rng)):
        check_local(derivatives.local_mul, "mul", x, y)


@pytest.mark.points(1)
def test_local_neg_is_minus_one(derivatives, rng):
    for x in points(rng):
        check_local(derivatives.local_neg, "neg", x)


@pytest.mark.points(1)
def test_local_recip_is_minus_one_over_x_squared(derivatives, rng):
    # The worked example's first step: 1/x at x = 1.3679 has local -1/1.3679^2 = -0.534.
    check_local(derivatives.local_recip, "recip", 1 + math.exp(-1))
    for x in points(rng):
        check_local(derivatives.local_recip, "recip", x)


@pytest.mark.points(1)
def test_local_exp_is_e_to_the_x(derivatives, rng):
    for x in points(rng):
        check_local(derivatives.local_exp, "exp", x)
