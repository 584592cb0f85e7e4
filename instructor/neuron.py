"""Exercise 5: a neuron, forward.

A neuron weighs its inputs, adds a bias and squashes the sum with an activation:

    out = activation(w1*x1 + w2*x2 + ... + wn*xn + b)

Build it from your mini-engine's `Value` operations (`+`, `*`, `.tanh()`, ...), so that
`out.backward()` can send gradients back to every weight, the bias and the inputs.
"""

from __future__ import annotations

from mini_engine import Value

ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")


def neuron(weights: list[Value], bias: Value, inputs: list[Value | float], activation: str = "tanh") -> Value:
    """Exercise 5: activation(sum of w_i * x_i, plus bias), as a graph of `Value`s.

    `activation` is one of "tanh", "sigmoid", "relu" or "linear" (no squashing).
    Raise ValueError for any other name, and for a different number of weights and inputs.
    """
    ### BEGIN SOLUTION
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; use one of {ACTIVATIONS}")
    if len(weights) != len(inputs):
        raise ValueError(f"{len(weights)} weights but {len(inputs)} inputs")
    total = bias
    for w, x in zip(weights, inputs):
        total = total + w * x
    if activation == "linear":
        return total
    return getattr(total, activation)()
    ### END SOLUTION
