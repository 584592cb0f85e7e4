"""The op table: every operation the engine knows, defined once.

Each `Op` says how to compute its output from its inputs (`forward`), what the
local derivative d(out)/d(parent) is for each parent (`local`), and how a student
writes that derivative (`formula`). The engine, the step-through and the diagrams
all read this table; none of them knows any op by heart.

`local(*inputs, out)` is written with plain arithmetic so that it works on floats
(the fast path, evaluated once in the forward pass and cached on the node) and on
`Value`s (for `grad(..., create_graph=True)`, where derivatives are themselves
differentiable). Parametrised ops (`pow`, `leaky_relu`) get their number as the
last input.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Op:
    """One operation: its name (`Value.op`), diagram symbol, forward and local derivatives."""

    name: str
    symbol: str
    formula: str
    forward: Callable[..., float]
    local: Callable[..., tuple]


def _data(x: Any) -> float:
    """The number inside `x`, whether `x` is a float or a `Value`."""
    return getattr(x, "data", x)


def _recip(x: float) -> float:
    if x == 0.0:
        raise ZeroDivisionError("division by zero: 1/x is undefined at x = 0")
    return 1.0 / x


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"e^x overflows a float at x = {x} (the largest x is about 709.78)") from None


def _log(x: float) -> float:
    if x <= 0.0:
        raise ValueError(f"log(x) is undefined for x = {x} <= 0; keep the input positive")
    return math.log(x)


def _pow(x: float, n: float) -> float:
    if x < 0.0 and not float(n).is_integer():
        raise ValueError(f"a negative base ({x}) to the non-integer power {n} is not a real number")
    if x == 0.0 and n < 0:
        raise ZeroDivisionError(f"0 to the negative power {n} is division by zero")
    try:
        return x**n
    except OverflowError:
        raise OverflowError("the result overflows a float") from None


def _pow_local(x: Any, n: float, out: Any) -> tuple:
    if _data(x) == 0.0 and 0 < n < 1:
        raise ZeroDivisionError(f"the derivative n*x^(n-1) of x**{n} is infinite at x = 0")
    return (n * x ** (n - 1),)


def _sigmoid(x: float) -> float:
    # Two branches so that exp never sees a large positive argument.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _dot(*inputs: float) -> float:
    """w1*x1 + ... + wn*xn (+ b): weights first, then inputs, then an optional bias."""
    n = len(inputs) // 2
    total = sum(map(operator.mul, inputs[:n], inputs[n : 2 * n]))
    return total + inputs[-1] if len(inputs) % 2 else total


def _dot_local(*inputs_and_out: Any) -> tuple:
    inputs = inputs_and_out[:-1]
    n = len(inputs) // 2
    ws, xs = inputs[:n], inputs[n : 2 * n]
    return xs + ws + (1.0,) if len(inputs) % 2 else xs + ws


# Each entry: name, diagram symbol, the formula a student reads,
#   forward(*inputs) -> float, and local(*inputs, out) -> d(out)/d(input) per parent.
OPS: dict[str, Op] = {op.name: op for op in [
    Op("add", "+", "d(x+y)/dx = 1, d(x+y)/dy = 1",
       lambda x, y: x + y, lambda x, y, out: (1.0, 1.0)),
    Op("mul", "*", "d(x*y)/dx = y, d(x*y)/dy = x",
       lambda x, y: x * y, lambda x, y, out: (y, x)),
    Op("neg", "-x", "d(-x)/dx = -1",
       lambda x: -x, lambda x, out: (-1.0,)),
    Op("recip", "1/x", "d(1/x)/dx = -1/x^2",
       _recip, lambda x, out: (-(out * out),)),
    Op("exp", "e^x", "d(e^x)/dx = e^x",
       _exp, lambda x, out: (out,)),
    Op("log", "log", "d(log x)/dx = 1/x",
       _log, lambda x, out: (1.0 / x,)),
    Op("pow", "x^n", "d(x^n)/dx = n*x^(n-1)",
       _pow, _pow_local),
    Op("tanh", "tanh", "d(tanh x)/dx = 1 - tanh(x)^2",
       math.tanh, lambda x, out: (1.0 - out * out,)),
    Op("sigmoid", "σ", "dσ(x)/dx = σ(x)*(1 - σ(x))",
       _sigmoid, lambda x, out: (out * (1.0 - out),)),
    Op("relu", "relu", "d relu(x)/dx = 1 if x > 0 else 0",
       lambda x: x if x > 0.0 else 0.0, lambda x, out: (1.0 if _data(x) > 0.0 else 0.0,)),
    Op("leaky_relu", "lrelu", "d lrelu(x)/dx = 1 if x > 0 else slope",
       lambda x, slope: x if x > 0.0 else slope * x, lambda x, slope, out: (1.0 if _data(x) > 0.0 else slope,)),
    Op("sum", "Σ", "d(x1+...+xn)/dxi = 1",
       lambda *xs: sum(xs), lambda *xs_and_out: (1.0,) * (len(xs_and_out) - 1)),
    Op("dot", "w·x+b", "d(Σ wi*xi + b)/dwi = xi, d/dxi = wi, d/db = 1",
       _dot, _dot_local),
]}  # fmt: skip
