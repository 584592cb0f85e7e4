"""Exercises 1 and 2: local derivatives.

Every op of an autodiff engine knows one thing about calculus: the derivative of its
output with respect to each of its inputs, at the numbers it just saw. Backprop only
multiplies these "local" derivatives along the graph (the chain rule).

Each function here takes the op's inputs, then `out` (the op's own result, handy:
d(e^x)/dx is e^x, which is `out`), and returns a tuple with one number per input:
d(out)/d(input). Plain floats in, a tuple of floats out.

Worked example, already done for you: the natural logarithm.

    >>> local_log(2.0, out=0.693)
    (0.5,)
"""


def local_log(x: float, out: float) -> tuple[float]:
    """d(log x)/dx = 1/x."""
    return (1.0 / x,)


def local_relu(x: float, out: float) -> tuple[float]:
    """d relu(x)/dx = 1 if x > 0 else 0 (0 at x = 0, as in PyTorch)."""
    return (1.0 if x > 0.0 else 0.0,)


# Exercise 1: the five primitives every other op can be built from.


def local_add(x: float, y: float, out: float) -> tuple[float, float]:
    """out = x + y. Return (d out/dx, d out/dy)."""
    ### BEGIN SOLUTION
    return (1.0, 1.0)
    ### END SOLUTION


def local_mul(x: float, y: float, out: float) -> tuple[float, float]:
    """out = x * y. Return (d out/dx, d out/dy)."""
    ### BEGIN SOLUTION
    return (y, x)
    ### END SOLUTION


def local_neg(x: float, out: float) -> tuple[float]:
    """out = -x. Return (d out/dx,)."""
    ### BEGIN SOLUTION
    return (-1.0,)
    ### END SOLUTION


def local_recip(x: float, out: float) -> tuple[float]:
    """out = 1/x. Return (d out/dx,)."""
    ### BEGIN SOLUTION
    return (-1.0 / (x * x),)
    ### END SOLUTION


def local_exp(x: float, out: float) -> tuple[float]:
    """out = e^x. Return (d out/dx,)."""
    ### BEGIN SOLUTION
    return (out,)
    ### END SOLUTION


# Exercise 2: two activations, each a single node with its own local derivative.


def local_tanh(x: float, out: float) -> tuple[float]:
    """out = tanh(x). Return (d out/dx,)."""
    ### BEGIN SOLUTION
    return (1.0 - out * out,)
    ### END SOLUTION


def local_sigmoid(x: float, out: float) -> tuple[float]:
    """out = sigmoid(x) = 1 / (1 + e^-x). Return (d out/dx,)."""
    ### BEGIN SOLUTION
    return (out * (1.0 - out),)
    ### END SOLUTION


# The op table the mini-engine reads: op name -> its local derivatives.
LOCAL = {
    "add": local_add,
    "mul": local_mul,
    "neg": local_neg,
    "recip": local_recip,
    "exp": local_exp,
    "tanh": local_tanh,
    "sigmoid": local_sigmoid,
    "log": local_log,
    "relu": local_relu,
}
