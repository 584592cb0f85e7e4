"""Neuron, Layer, MLP and the threshold Perceptron.

A neuron computes activation(w . x + b). The weighted sum is ONE engine node
(`autograd.dot`, op `dot`) and the activation one more, so an MLP's graph has two
nodes per neuron and backward stays fast.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from autograd import Value, dot
from nn.activations import ACTIVATIONS, check_activation, init_bound
from nn.module import Module, Tensor

Seed = int | random.Random | None


def _rng(seed: Seed) -> random.Random:
    """A random.Random from an int seed, or the given generator itself (how an MLP shares one stream)."""
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def _check_size(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return n


def _check_sample(x: Sequence, nin: int, who: str) -> None:
    if isinstance(x, (Value, int, float)) or not hasattr(x, "__len__"):
        raise TypeError(f"{who} takes one sample as a list of {nin} numbers, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")


def _as_inputs(x: Sequence, nin: int, who: str) -> list[Value]:
    """One sample as a list of Values, lifted once so every neuron of a layer shares them."""
    _check_sample(x, nin, who)
    return [v if isinstance(v, Value) else Value(v) for v in x]


def _floats(x: Sequence) -> list[float]:
    """One sample's numbers as floats, whether given as numbers or as Values (the perceptron has no graph)."""
    return [float(getattr(xi, "data", xi)) for xi in x]


class Neuron(Module):
    """activation(w . x + b) for one sample x of `nin` numbers.

    Weights are drawn uniformly from +-gain*sqrt(3/nin) (Kaiming-uniform, see
    `nn.activations.init_bound`); the bias starts at 0.

    >>> n = Neuron(2, activation="tanh", seed=0)
    >>> n([1.0, -2.0])   # a Value; n.parameters() is [w0, w1, b]
    """

    def __init__(self, nin: int, activation: str = "relu", seed: Seed = None) -> None:
        self.nin = _check_size("nin", nin)
        self.activation = check_activation(activation)
        rng = _rng(seed)
        bound = init_bound(activation, nin)
        self.w = [Value(rng.uniform(-bound, bound), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")

    def forward(self, x: Sequence) -> Value:
        out = dot(self.w, _as_inputs(x, self.nin, "Neuron"), self.b)
        act = ACTIVATIONS[self.activation]
        return act(out) if act else out

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def config(self) -> dict:
        return {"nin": self.nin, "activation": self.activation}

    def _tensors(self) -> dict[str, Tensor]:
        return {"weight": self.w, "bias": self.b}

    def extra_repr(self) -> str:
        return f"in_features={self.nin}, activation={self.activation!r}"


class Layer(Module):
    """`nout` neurons that all read the same input; one output gives a Value, more a list.

    In a state dict its weights form an nout x nin list (`weight`) and its biases a
    list of nout (`bias`), the shapes of `torch.nn.Linear`.
    """

    def __init__(self, nin: int, nout: int, activation: str = "relu", seed: Seed = None) -> None:
        self.nin = _check_size("nin", nin)
        self.nout = _check_size("nout", nout)
        self.activation = check_activation(activation)
        rng = _rng(seed)
        self.neurons = [Neuron(nin, activation, seed=rng) for _ in range(nout)]

    def outputs(self, x: list[Value]) -> list[Value]:
        """Every neuron's output as a list, for inputs already lifted to Values."""
        act = ACTIVATIONS[self.activation]
        if act is None:
            return [dot(n.w, x, n.b) for n in self.neurons]
        return [act(dot(n.w, x, n.b)) for n in self.neurons]

    def forward(self, x: Sequence) -> Value | list[Value]:
        out = self.outputs(_as_inputs(x, self.nin, "Layer"))
        return out[0] if self.nout == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def config(self) -> dict:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    def _tensors(self) -> dict[str, Tensor]:
        return {"weight": [n.w for n in self.neurons], "bias": [n.b for n in self.neurons]}

    def extra_repr(self) -> str:
        return f"in_features={self.nin}, out_features={self.nout}, activation={self.activation!r}"


class MLP(Module):
    """A multi-layer perceptron: layers of sizes `nouts` on `nin` inputs.

    Hidden layers use `activation`; the last layer uses `output_activation`, linear by
    default (raw scores for `nn.bce_with_logits`, `nn.cross_entropy` or `nn.mse`).
    `seed` makes the initial weights reproducible.

    >>> model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    >>> len(model.parameters())   # (2*16+16) + (16*16+16) + (16+1)
    337
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        seed: Seed = None,
    ) -> None:
        if isinstance(nouts, int) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1], got {nouts!r}")
        self.nin = _check_size("nin", nin)
        self.nouts = [_check_size("each layer size", n) for n in nouts]
        self.activation = check_activation(activation)
        self.output_activation = check_activation(output_activation)
        rng = _rng(seed)
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, seed=rng)
            for i in range(len(self.nouts))
        ]

    def forward(self, x: Sequence) -> Value | list[Value]:
        out = _as_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            out = layer.outputs(out)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def config(self) -> dict:
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    def _tensors(self) -> dict[str, Tensor]:
        return {f"layers.{i}.{name}": t for i, layer in enumerate(self.layers) for name, t in layer._tensors().items()}

    def _children(self) -> list[Module]:
        return self.layers


@dataclass
class PerceptronFit:
    """What `Perceptron.fit` did: whether an epoch went by without a mistake, and when."""

    converged: bool
    epochs: int
    mistakes: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        if self.converged:
            return f"converged after {self.epochs} epochs: every sample is classified correctly"
        return (
            f"did not converge in {self.epochs} epochs ({self.mistakes[-1]} mistakes in the last one): "
            "a single perceptron only separates classes a straight line can split (not XOR); "
            "add a hidden layer with a nonlinear activation (nn.MLP)"
        )


class Perceptron(Module):
    """Rosenblatt's threshold unit: outputs 1 if w . x + b > 0, else 0.

    It learns with the perceptron rule, not gradients (a step has no useful derivative):
    `update(x, target, lr)` does w += lr*(target - y)*x and b += lr*(target - y).
    Weights and bias start at 0, so training is deterministic.

    >>> p = Perceptron(2)
    >>> p.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1]).converged   # AND
    True
    """

    def __init__(self, nin: int) -> None:
        self.nin = _check_size("nin", nin)
        self.w = [Value(0.0, label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")

    def forward(self, x: Sequence) -> int:
        _check_sample(x, self.nin, "Perceptron")
        total = sum(w.data * xi for w, xi in zip(self.w, _floats(x))) + self.b.data
        return 1 if total > 0.0 else 0

    def update(self, x: Sequence, target: int, lr: float = 1.0) -> int:
        """One step of the perceptron rule on sample `x`; returns the error target - y (0 if right)."""
        if target not in (0, 1):
            raise ValueError(f"Perceptron targets are 0 or 1, got {target!r}")
        error = target - self(x)
        if error:
            for w, xi in zip(self.w, _floats(x)):
                w.data += lr * error * xi
            self.b.data += lr * error
        return error

    def fit(self, X: Sequence[Sequence], y: Sequence[int], lr: float = 1.0, max_epochs: int = 100) -> PerceptronFit:
        """Sweep the data with `update` until an epoch has no mistake, or `max_epochs` pass.

        On linearly separable data (AND, OR) this converges; on XOR it cannot, and the
        result says so (`converged` is False; `str(result)` explains why).
        """
        mistakes: list[int] = []
        for epoch in range(1, max_epochs + 1):
            mistakes.append(sum(1 for x, t in zip(X, y) if self.update(x, t, lr)))
            if mistakes[-1] == 0:
                return PerceptronFit(True, epoch, mistakes)
        return PerceptronFit(False, max_epochs, mistakes)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def config(self) -> dict:
        return {"nin": self.nin}

    def _tensors(self) -> dict[str, Tensor]:
        return {"weight": self.w, "bias": self.b}

    def extra_repr(self) -> str:
        return f"in_features={self.nin}, threshold=0"
