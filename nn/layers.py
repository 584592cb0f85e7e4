"""Neuron, Layer, MLP and the threshold Perceptron.

A neuron computes activation(w . x + b). The weighted sum is ONE engine node
(`autograd.dot`, op `dot`) and the activation one more, so an MLP's graph has two
nodes per neuron and backward stays fast.

The spelling of micrograd's `nn` works too: `Neuron(nin, nonlin=True)`, `Neuron(2, False)`,
`Layer(nin, nout, nonlin=False)`, `neuron.nonlin`, `neuron.w`, `neuron.b`, `model.layers`,
`layer.neurons`; and without `seed`, weights come from Python's global `random`, so
`random.seed(0)` before `MLP(...)` gives the same model every time.

Scopes: each neuron of a Layer tags the nodes it makes with its scope ("neuron 3"; inside
an MLP "layer 1/neuron 3"), under whatever `autograd.scope` is open (`nn.fit` opens
"sample 5"), and an MLP's inputs get the labels "x[0]", "x[1]", ... A diagram can then
draw a big graph as clusters: sample, layer, neuron.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import Value, dot
from nn.activations import ACTIVATIONS, init_bound, resolve_activation
from nn.checks import as_count, as_number
from nn.module import Module

Seed = int | random.Random | None

_MAX_CACHED_PATHS = 1024  # per neuron: enough for every sample scope of a big batch


def _rng(seed: Seed) -> Any:
    """Where the initial weights come from.

    None: Python's global `random` (as micrograd draws them, so `random.seed(0)` reproduces a
    model); an int: a generator of its own, which neither reads nor moves the global one; a
    `random.Random` (or the `random` module): that generator itself (how an MLP shares one
    stream with its layers).
    """
    if seed is None or seed is random:
        return random
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def _check_sample(x: Sequence, nin: int, who: str) -> None:
    if isinstance(x, (Value, int, float)) or not hasattr(x, "__len__"):
        raise TypeError(f"{who} takes one sample as a list of {nin} numbers, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")


def _as_inputs(x: Sequence, nin: int, who: str) -> list[Value]:
    """One sample as a list of Values, lifted once so every neuron of a layer shares them.

    A number becomes a leaf labelled "x[i]" (a model's input i); a Value is used as it is.
    """
    _check_sample(x, nin, who)
    return [v if isinstance(v, Value) else Value(v, label=f"x[{i}]") for i, v in enumerate(x)]


class _WeightsAndBias(Module):
    """What a neuron and a perceptron share: `weight` (one per input) and `bias`, by torch's and micrograd's names."""

    weight: list[Value]
    bias: Value
    in_features: int

    @classmethod
    def count_parameters(cls, nin: int, **config: Any) -> int:
        """How many parameters `cls(nin, ...)` has, worked out without building it."""
        return as_count("nin", nin) + 1

    @property
    def nin(self) -> int:
        """The number of inputs (micrograd's and this library's name for torch's `in_features`)."""
        return self.in_features

    @property
    def w(self) -> list[Value]:
        """The weights, micrograd's name for `weight`."""
        return self.weight

    @property
    def b(self) -> Value:
        """The bias, micrograd's name for `bias`."""
        return self.bias


class Neuron(_WeightsAndBias):
    """activation(w . x + b) for one sample x of `nin` numbers.

    Weights are drawn uniformly from +-gain*sqrt(3/nin) (Kaiming-uniform, see
    `nn.activations.init_bound`); the bias starts at 0. `activation` is a name
    ("relu" by default); micrograd's `nonlin=` (or a bool in its place) says the same in
    two words: `Neuron(2, nonlin=False)` is linear, `Neuron(2, nonlin=True)` relu.

    >>> n = Neuron(2, activation="tanh", seed=0)
    >>> n([1.0, -2.0])   # a Value; n.parameters() is [w0, w1, b]
    """

    def __init__(
        self, nin: int, activation: str | bool | None = None, seed: Seed = None, *, nonlin: bool | None = None
    ) -> None:
        self.in_features = as_count("nin", nin)
        self.activation = resolve_activation(activation, nonlin)
        self._apply = ACTIVATIONS[self.activation].apply
        self._paths: dict[str, str] = {}  # outer scope -> this neuron's scope path inside it
        rng = _rng(seed)
        bound = init_bound(self.activation, nin)
        self.weight = [Value(rng.uniform(-bound, bound)) for _ in range(nin)]
        self.bias = Value(0.0)

    @property
    def nonlin(self) -> bool:
        """True unless the activation is linear, as micrograd's `Neuron.nonlin`."""
        return self.activation != "linear"

    def forward(self, x: Sequence) -> Value:
        return self.fire(_as_inputs(x, self.in_features, "Neuron"))

    def fire(self, inputs: list[Value]) -> Value:
        """The output for inputs already lifted to Values (a Layer lifts a sample once for all its neurons)."""
        out = dot(self.weight, inputs, self.bias)
        act = out if self._apply is None else self._apply(out)
        if self._scope:
            # The nodes were made in the scope open now (say "sample 5"); they belong to this
            # neuron inside it. The joined path is kept per outer scope: this runs for every
            # neuron of every sample, and a dict lookup is cheaper than building the string.
            path = self._paths.get(out.scope)
            if path is None:
                path = self._path_in(out.scope)
            out.scope = act.scope = path
        return act

    def _set_scope(self, path: str) -> None:
        super()._set_scope(path)
        self._paths.clear()

    def _path_in(self, outer: str) -> str:
        if len(self._paths) >= _MAX_CACHED_PATHS:
            self._paths.clear()
        path = self._paths[outer] = f"{outer}/{self._scope}" if outer else self._scope
        return path

    def config(self) -> dict:
        return {"nin": self.in_features, "activation": self.activation}

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, activation={self.activation!r}"


class Layer(Module):
    """`nout` neurons that all read the same input; one output gives a Value, more a list.

    In a state dict its weights form an nout x nin list (`weight`) and its biases a
    list of nout (`bias`), the shapes of `torch.nn.Linear`. `activation` and micrograd's
    `nonlin` work as for `Neuron`.
    """

    _stacked = True

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | bool | None = None,
        seed: Seed = None,
        *,
        nonlin: bool | None = None,
    ) -> None:
        self.in_features = as_count("nin", nin)
        self.out_features = as_count("nout", nout)
        self.activation = resolve_activation(activation, nonlin)
        rng = _rng(seed)
        self.neurons = [Neuron(nin, self.activation, seed=rng) for _ in range(nout)]

    @classmethod
    def count_parameters(cls, nin: int, nout: int, **config: Any) -> int:
        """How many parameters `Layer(nin, nout, ...)` has, worked out without building it."""
        return as_count("nout", nout) * Neuron.count_parameters(nin)

    @property
    def nin(self) -> int:
        """The number of inputs (torch's `in_features`)."""
        return self.in_features

    @property
    def nout(self) -> int:
        """The number of neurons, hence of outputs (torch's `out_features`)."""
        return self.out_features

    @property
    def nonlin(self) -> bool:
        """True unless the activation is linear, as micrograd's `Neuron.nonlin`."""
        return self.activation != "linear"

    def outputs(self, x: list[Value]) -> list[Value]:
        """Every neuron's output as a list, for inputs already lifted to Values."""
        return [neuron.fire(x) for neuron in self.neurons]

    def forward(self, x: Sequence) -> Value | list[Value]:
        out = self.outputs(_as_inputs(x, self.in_features, "Layer"))
        return out[0] if self.out_features == 1 else out

    def config(self) -> dict:
        return {"nin": self.in_features, "nout": self.out_features, "activation": self.activation}

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, activation={self.activation!r}"


def _layer_sizes(nin: int, nouts: Sequence[int]) -> list[int]:
    """[nin, *nouts] checked: every size a positive int, at least one layer."""
    if isinstance(nouts, (int, str)) or not isinstance(nouts, Sequence) or not nouts:
        raise ValueError(f"nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1], got {nouts!r}")
    return [as_count("nin", nin), *(as_count("each layer size", n) for n in nouts)]


class MLP(Module):
    """A multi-layer perceptron: layers of sizes `nouts` on `nin` inputs.

    Hidden layers use `activation`; the last layer uses `output_activation`, linear by
    default (raw scores for `nn.bce_with_logits`, `nn.cross_entropy` or `nn.mse`), which
    is micrograd's MLP too (ReLU hidden layers, a linear last one). `seed` makes the
    initial weights reproducible; without it they come from Python's global `random`.

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
        sizes = _layer_sizes(nin, nouts)
        self.in_features = sizes[0]
        self.nouts = sizes[1:]
        self.activation = resolve_activation(activation, None)
        self.output_activation = resolve_activation(output_activation, None)
        rng = _rng(seed)
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], self.output_activation if i == last else self.activation, seed=rng)
            for i in range(len(self.nouts))
        ]

    @classmethod
    def count_parameters(cls, nin: int, nouts: Sequence[int], **config: Any) -> int:
        """How many parameters `MLP(nin, nouts, ...)` has, worked out without building it."""
        sizes = _layer_sizes(nin, nouts)
        return sum(Layer.count_parameters(a, b) for a, b in zip(sizes, sizes[1:]))

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return self.in_features

    @property
    def out_features(self) -> int:
        """The number of outputs (the last layer's size)."""
        return self.nouts[-1]

    def forward(self, x: Sequence) -> Value | list[Value]:
        out = _as_inputs(x, self.in_features, "MLP")
        for layer in self.layers:
            out = layer.outputs(out)
        return out[0] if len(out) == 1 else out

    def config(self) -> dict:
        return {
            "nin": self.in_features,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }


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


class Perceptron(_WeightsAndBias):
    """Rosenblatt's threshold unit: outputs 1 if w . x + b > 0, else 0.

    It learns with the perceptron rule, not gradients (a step has no useful derivative):
    `update(x, target, lr)` does w += lr*(target - y)*x and b += lr*(target - y).
    Weights and bias start at 0, so training is deterministic.

    >>> p = Perceptron(2)
    >>> p.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1]).converged   # AND
    True
    """

    def __init__(self, nin: int) -> None:
        self.in_features = as_count("nin", nin)
        self.weight = [Value(0.0) for _ in range(nin)]
        self.bias = Value(0.0)

    def _numbers(self, x: Sequence) -> list[float]:
        """One sample's numbers as floats, whether given as numbers or as Values (the perceptron has no graph)."""
        _check_sample(x, self.in_features, "Perceptron")
        return [as_number(xi) for xi in x]

    def forward(self, x: Sequence) -> int:
        total = sum(w.data * xi for w, xi in zip(self.weight, self._numbers(x))) + self.bias.data
        return 1 if total > 0.0 else 0

    def update(self, x: Sequence, target: int, lr: float = 1.0) -> int:
        """One step of the perceptron rule on sample `x`; returns the error target - y (0 if right)."""
        if target not in (0, 1):
            raise ValueError(f"Perceptron targets are 0 or 1, got {target!r}")
        error = target - self(x)
        if error:
            for w, xi in zip(self.weight, self._numbers(x)):
                w.data += lr * error * xi
            self.bias.data += lr * error
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

    def config(self) -> dict:
        return {"nin": self.in_features}

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, threshold=0"
