"""Exercise 2: the local derivatives of tanh and sigmoid.

Expected numbers: the closed forms 1 - tanh(x)^2 and s(1 - s), checked against
Backprop Lab's op table (tanh'(0) = 1, sigmoid'(0) = 1/4) and at random numbers.
"""

import pytest

from autograd.ops import OPS

pytestmark = pytest.mark.exercise(2)


def check_local(function, op: str, x: float) -> None:
    out = OPS[op].forward(x)
    got = function(x, out)
    expected = tuple(OPS[op].local(x, out))
    call = f"{function.__name__}({x!r}, out={out!r})"
    assert isinstance(got, tuple) and len(got) == 1, f"{call} returned {got!r}; return a tuple of one number"
    assert got == pytest.approx(expected), f"{call} returned {got}; expected {expected} ({OPS[op].formula})"


@pytest.mark.points(1)
def test_local_tanh_is_one_minus_tanh_squared(derivatives, rng):
    assert derivatives.local_tanh(0.0, 0.0) == pytest.approx((1.0,)), "tanh'(0) is 1"
    for _ in range(5):
        check_local(derivatives.local_tanh, "tanh", rng.uniform(-3.0, 3.0))


@pytest.mark.points(1)
def test_local_sigmoid_is_s_times_one_minus_s(derivatives, rng):
    assert derivatives.local_sigmoid(0.0, 0.5) == pytest.approx((0.25,)), "sigmoid'(0) is 0.5 * (1 - 0.5) = 0.25"
    for _ in range(5):
        check_local(derivatives.local_sigmoid, "sigmoid", rng.uniform(-4.0, 4.0))
