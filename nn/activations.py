"""The activation functions a layer can use, by name, and the weight scale that suits each.

A neuron applies its activation as one engine op (`Value.relu()`, `.tanh()`, ...), so a
diagram shows `relu` as one node, not the arithmetic inside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from autograd import Value

# None means "linear": the neuron's w.x+b node is its output.
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
    "linear": None,
}

# torch.nn.init.calculate_gain: the factor that keeps the output variance of a layer
# close to its input variance for this nonlinearity (He for relu, 5/3 for tanh).
GAIN: dict[str, float] = {
    "relu": math.sqrt(2.0),
    "leaky_relu": math.sqrt(2.0 / (1.0 + 0.01**2)),
    "tanh": 5.0 / 3.0,
    "sigmoid": 1.0,
    "linear": 1.0,
}


def check_activation(name: str) -> str:
    """Return `name` if it is a known activation, else raise ValueError listing the choices."""
    if name not in ACTIVATIONS:
        choices = ", ".join(repr(a) for a in ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of {choices}")
    return name


def init_bound(activation: str, fan_in: int) -> float:
    """Half-width of the uniform weight initialisation: gain * sqrt(3 / fan_in).

    That is Kaiming-uniform (He) for relu and leaky_relu, and the same rule with
    gain 5/3 (tanh) or 1 (sigmoid, linear), as `torch.nn.init.kaiming_uniform_`
    with `mode="fan_in"` gives: the weights' variance is gain^2 / fan_in.
    """
    return GAIN[activation] * math.sqrt(3.0 / fan_in)
