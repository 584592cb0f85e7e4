"""micrograd's MLP and its moons training step, written once for every engine's scalars.

`Neuron`, `Layer` and `MLP` restate micrograd's `nn.py` (Andrej Karpathy, micrograd 0.1.0):
a neuron is `sum((wi*xi for wi, xi in zip(self.w, x)), self.b)`, relu unless it is in the last
layer. Two changes, so that every engine trains the same network: a scalar is made by the
`leaf` function it is given instead of micrograd's `Value`, and the initial weights come from a
seeded `random.Random` instead of the global RNG. Only operators and `.relu()` touch the
scalars, so the code runs unchanged on any engine with micrograd's operators.

`moons_loss` is the loss of micrograd's demo notebook: max-margin loss with L2 regularisation.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

ALPHA, LR = 1e-4, 0.05  # the demo's L2 strength; a fixed learning rate


class Neuron:
    """w.x + b as micrograd writes it: one mul per input, chained adds, relu if `nonlin`."""

    def __init__(self, nin: int, leaf: Callable[[float], Any], rng: random.Random, nonlin: bool = True) -> None:
        self.w = [leaf(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = leaf(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Any]) -> Any:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Any]:
        return self.w + [self.b]


class Layer:
    """`nout` neurons on the same inputs; one output is returned bare, as in micrograd."""

    def __init__(self, nin: int, nout: int, leaf: Callable[[float], Any], rng: random.Random, nonlin: bool) -> None:
        self.neurons = [Neuron(nin, leaf, rng, nonlin) for _ in range(nout)]

    def __call__(self, x: Sequence[Any]) -> Any:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Any]:
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    """Layers of relu neurons, the last one linear: micrograd's `MLP(nin, nouts)`."""

    def __init__(self, nin: int, nouts: Sequence[int], leaf: Callable[[float], Any], seed: int = 0) -> None:
        rng = random.Random(seed)
        sz = [nin, *nouts]
        self.layers = [Layer(sz[i], sz[i + 1], leaf, rng, nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x: Sequence[Any]) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for p in layer.parameters()]

    def load(self, values: Sequence[Any]) -> None:
        """Use `values` as the parameters, in `parameters()` order (a traced step passes its own inputs)."""
        values = iter(values)
        for layer in self.layers:
            for neuron in layer.neurons:
                neuron.w = [next(values) for _ in neuron.w]
                neuron.b = next(values)


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, like scikit-learn's make_moons, from a seeded pure-Python RNG."""
    rng = random.Random(seed)
    outer, inner = n // 2, n - n // 2
    X, y = [], []
    for i in range(outer):
        angle = math.pi * i / max(outer - 1, 1)
        X.append([math.cos(angle) + rng.gauss(0, noise), math.sin(angle) + rng.gauss(0, noise)])
        y.append(0)
    for i in range(inner):
        angle = math.pi * i / max(inner - 1, 1)
        X.append([1 - math.cos(angle) + rng.gauss(0, noise), 0.5 - math.sin(angle) + rng.gauss(0, noise)])
        y.append(1)
    return X, y


def moons_loss(model: MLP, inputs: Sequence[Sequence[Any]], targets: Sequence[float]) -> Any:
    """micrograd's demo loss: the mean of relu(1 - t*score) over the points, plus ALPHA * sum(p*p).

    `inputs` holds each point's coordinates as the engine's scalars (the demo maps `Value` over each row).
    """
    scores = [model(x) for x in inputs]
    losses = [(1 + -t * score).relu() for t, score in zip(targets, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss
