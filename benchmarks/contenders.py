"""The engines the benchmark compares, each reduced to the few primitives the workloads use.

Every workload is written once, over a `Contender`; the engines differ only in how a leaf is
made, how a neuron sums, how many values are added, and how backward and the SGD update run.
Peers are written the way their own users write them (micrograd's `sum(w*x for ...) + b`
neuron); ours uses its n-ary `dot` and `add_n` nodes, which is how its users write them.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Contender:
    """One engine as the workloads see it."""

    name: str
    version: str
    leaf: Callable[[float], Any]
    neuron: Callable[[Sequence[Any], Sequence[Any], Any], Any]
    total: Callable[[Sequence[Any]], Any]
    backward: Callable[[Any], None]
    grad_of: Callable[[Any], float]
    sgd: Callable[[Sequence[Any], float], None]
    nn: Any = None  # Backprop Lab's `nn` package, when the contender trains through it
    traceable: bool = True  # tracemalloc sees its allocations (not so for C++ engines)


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def pairwise_total(values: Sequence[Any]) -> Any:
    """x1 + ... + xn as a balanced tree of binary adds: a shallow graph for engines with no n-ary sum."""
    values = list(values)
    while len(values) > 1:
        paired = [a + b for a, b in zip(values[::2], values[1::2])]
        if len(values) % 2:
            paired.append(values[-1])
        values = paired
    return values[0]


def python_neuron(weights: Sequence[Any], inputs: Sequence[Any], bias: Any) -> Any:
    """micrograd's own neuron sum: sum((wi*xi for wi, xi in zip(w, x)), b)."""
    return sum((w * x for w, x in zip(weights, inputs)), bias)


def generic_mlp(contender: Contender, nin: int, nouts: Sequence[int], seed: int) -> tuple[Callable, list]:
    """An MLP built from `contender.neuron`: relu on hidden layers, last layer linear (micrograd's layout)."""
    rng = random.Random(seed)
    sizes = [nin, *nouts]
    layers = [
        [([contender.leaf(rng.uniform(-1, 1)) for _ in range(n_in)], contender.leaf(0.0)) for _ in range(n_out)]
        for n_in, n_out in zip(sizes, sizes[1:])
    ]
    params = [p for layer in layers for weights, bias in layer for p in (*weights, bias)]
    last = len(layers) - 1

    def model(x: Sequence[Any]) -> Any:
        for i, layer in enumerate(layers):
            x = [contender.neuron(weights, x, bias) for weights, bias in layer]
            if i != last:
                x = [v.relu() for v in x]
        return x[0] if len(x) == 1 else x

    return model, params


def _scalar_sgd(params: Sequence[Any], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad
        p.grad = 0.0


def _scalar_engine(
    name: str,
    version: str,
    value: Callable[[float], Any],
    neuron: Callable[[Sequence[Any], Sequence[Any], Any], Any] = python_neuron,
    total: Callable[[Sequence[Any]], Any] = pairwise_total,
) -> Contender:
    """A pure-Python engine whose `Value` has `.data`, `.grad` and `.backward()`: only leaf, neuron and sum differ."""
    return Contender(
        name=name,
        version=version,
        leaf=value,
        neuron=neuron,
        total=total,
        backward=lambda out: out.backward(),
        grad_of=lambda v: v.grad,
        sgd=_scalar_sgd,
    )


def ours() -> Contender:
    """Backprop Lab's engine with its n-ary nodes: one `dot` node per neuron, one `sum` node per total."""
    from autograd import Value, add_n, dot

    return _scalar_engine("ours", _version("backprop-lab"), Value, neuron=dot, total=add_n)


def ours_nn() -> Contender | None:
    """Our engine driven through the `nn` package (MLP, hinge, l2_penalty, SGD), when it is installed."""
    try:
        nn = importlib.import_module("nn")
    except ImportError:
        return None
    contender = ours()
    contender.name = "ours (nn.MLP)"
    contender.nn = nn
    return contender


def micrograd() -> Contender | None:
    """micrograd 0.1.0 from PyPI, as its README trains an MLP."""
    try:
        from micrograd.engine import Value
    except ImportError:
        return None
    return _scalar_engine("micrograd", _version("micrograd"), Value)


def baseline() -> Contender:
    """The microgpt-style engine restated in `benchmarks.baseline`."""
    from benchmarks.baseline import Value

    return _scalar_engine("microgpt-style", "benchmarks.baseline", Value)


def torch_scalars() -> Contender | None:
    """PyTorch with every scalar a 0-d float64 tensor: what a scalar engine costs in torch."""
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        return None

    def leaf(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def sgd(params: Sequence[Any], lr: float) -> None:
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None

    return Contender(
        name="torch (scalars)",
        version=torch.__version__,
        leaf=leaf,
        neuron=python_neuron,
        total=pairwise_total,
        backward=lambda out: out.backward(),
        grad_of=lambda v: float(v.grad) if v.grad is not None else 0.0,
        sgd=sgd,
        traceable=False,
    )


# Each engine by name, with the module it needs (None: always here). Ours comes first.
FACTORIES: dict[str, tuple[Callable[[], Contender | None], str | None]] = {
    "ours": (ours, "autograd"),
    "ours (nn.MLP)": (ours_nn, "nn"),
    "micrograd": (micrograd, "micrograd"),
    "microgpt-style": (baseline, None),
    "torch (scalars)": (torch_scalars, "torch"),
}


def installed() -> list[str]:
    """The names of the engines that can run here, found without importing them."""
    return [name for name, (_, module) in FACTORIES.items() if module is None or importlib.util.find_spec(module)]


def load(name: str) -> Contender:
    """The contender called `name`; raises LookupError if it is unknown or not installed."""
    if name not in FACTORIES:
        raise LookupError(f"unknown engine {name!r}; known: {', '.join(FACTORIES)}")
    contender = FACTORIES[name][0]()
    if contender is None:
        raise LookupError(f"engine {name!r} is not installed")
    return contender
