"""The activation functions a layer can use: one table, one row per activation.

A row holds everything `nn` knows about an activation: the engine op that applies it (a
neuron's activation is ONE node, so a diagram shows `relu`, not the arithmetic inside it),
the initialisation gain that suits it, the `torch.nn` module `nn.to_torch` maps it to, and
where a single output of it splits two classes (`nn.predict`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import methodcaller
from typing import Any

from autograd import OPS, Value

LEAKY_SLOPE: float = OPS["leaky_relu"].defaults["slope"]


@dataclass(frozen=True)
class Activation:
    """One activation: `apply(v)` (None for linear: the neuron's w.x+b node is its output) and what goes with it.

    `apply` calls the `Value` method by name (`methodcaller("relu")`), so a model that keeps
    it can be pickled and copied.

    `gain` is `torch.nn.init.calculate_gain`'s factor, which keeps a layer's output variance
    close to its input variance (He's sqrt(2) for relu, 5/3 for tanh). `torch` names the
    `torch.nn` module class and `torch_args` its arguments (`torch` is None for linear: no
    module). `threshold` is where one output of this activation splits class 0 from class 1:
    0.5 for a probability (sigmoid), 0 for a raw score.
    """

    name: str
    apply: Callable[[Value], Value] | None
    gain: float
    torch: str | None
    torch_args: dict[str, Any] = field(default_factory=dict)
    threshold: float = 0.0

    def __call__(self, v: Value) -> Value:
        return v if self.apply is None else self.apply(v)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", methodcaller("relu"), math.sqrt(2.0), "ReLU"),
        Activation("tanh", methodcaller("tanh"), 5.0 / 3.0, "Tanh"),
        Activation("sigmoid", methodcaller("sigmoid"), 1.0, "Sigmoid", threshold=0.5),
        Activation(
            "leaky_relu",
            methodcaller("leaky_relu"),
            math.sqrt(2.0 / (1.0 + LEAKY_SLOPE**2)),
            "LeakyReLU",
            {"negative_slope": LEAKY_SLOPE},
        ),
        Activation("linear", None, 1.0, None),
    )
}


def check_activation(name: str) -> str:
    """Return `name` if it is a known activation, else raise ValueError listing the choices."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        choices = ", ".join(repr(a) for a in ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of {choices}")
    return name


def resolve_activation(activation: str | bool | None, nonlin: bool | None, default: str = "relu") -> str:
    """The activation name from `activation=` and micrograd's `nonlin=` spelling, which must agree.

    micrograd writes `Neuron(nin, nonlin=True)` (ReLU) and `Neuron(nin, False)` (linear), so a
    bool in the `activation` place is read as `nonlin`. `nonlin=True` alone means "relu",
    `nonlin=False` alone "linear"; with an activation name too, nonlin only checks it:
    `activation="tanh", nonlin=True` is tanh, `activation="tanh", nonlin=False` a ValueError.
    """
    if isinstance(activation, bool):
        if nonlin is not None:
            raise TypeError("got nonlin twice: as the second positional argument and as nonlin=")
        activation, nonlin = None, activation
    if nonlin is not None and not isinstance(nonlin, bool):
        raise TypeError(f"nonlin is True or False, as in micrograd; got {type(nonlin).__name__}")
    if activation is None:
        if nonlin is None:
            return default
        return "relu" if nonlin else "linear"
    name = check_activation(activation)
    if nonlin is not None and nonlin != (name != "linear"):
        raise ValueError(
            f"activation={name!r} and nonlin={nonlin} disagree: nonlin=False means linear, "
            "nonlin=True any other activation; give one of them"
        )
    return name


def init_bound(activation: str, fan_in: int) -> float:
    """Half-width of the uniform weight initialisation: gain * sqrt(3 / fan_in).

    That is Kaiming-uniform (He) for relu and leaky_relu, and the same rule with
    gain 5/3 (tanh) or 1 (sigmoid, linear), as `torch.nn.init.kaiming_uniform_`
    with `mode="fan_in"` gives: the weights' variance is gain^2 / fan_in.
    """
    return ACTIVATIONS[activation].gain * math.sqrt(3.0 / fan_in)
