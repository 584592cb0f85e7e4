"""The scalar engines the benchmark compares, each reduced to the few hooks the workloads need.

Every workload is written once with operators (`+ * ** -`, `.exp() .log() .relu() .tanh()`), the
way users write them; an engine only says how a trainable scalar and a constant are made, how
backward, zeroing and an SGD step run, and which ops it lacks. The engines:

- `ours`: Backprop Lab's `Value` through its operators (the eager path);
- `microgpt`: the `Value` of Karpathy's microgpt, restated in `benchmarks.microgpt`;
- `micrograd`: micrograd 0.1.0 from PyPI (`pip install -e ".[bench]"`);
- `torch (scalars)`: PyTorch with every scalar a 0-d float64 tensor, when torch is installed.

Our traced path (`autograd.trace`) and our fused `nn` path are variants of `ours` that the
workloads that support them handle themselves (see `benchmarks.workloads`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

OURS, TRACED, NN = "ours", "ours (traced)", "ours (nn)"
MICROGPT, MICROGRAD, TORCH = "microgpt", "micrograd", "torch (scalars)"


class Unavailable(Exception):
    """This engine cannot run this workload (an op it lacks, a feature not there yet); the message says why."""


@dataclass
class Engine:
    """One engine as the workloads see it."""

    name: str
    version: str
    leaf: Callable[[float], Any]  # a scalar that gets a gradient
    constant: Callable[[float], Any]  # a scalar holding data (the engine's own leaf, without a gradient in torch)
    backward: Callable[[Any], None]
    grad_of: Callable[[Any], float]
    data_of: Callable[[Any], float]
    zero_grad: Callable[[Sequence[Any]], None]
    sgd: Callable[[Sequence[Any], float], None]
    value_class: type | None = None  # the class microgpt's loop is given as its `Value`
    missing: dict[str, str] = field(default_factory=dict)  # op -> why the engine cannot run it
    recursive: bool = False  # sorts the graph recursively: deep graphs need a raised recursion limit
    traceable: bool = True  # tracemalloc sees its allocations (not so for C++ engines)

    def require(self, *ops: str) -> None:
        """Raise `Unavailable` if the engine lacks one of `ops`."""
        for op in ops:
            if op in self.missing:
                raise Unavailable(self.missing[op])


def version_of(distribution: str) -> str:
    """The installed version of `distribution`, or "unknown"."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _zero_grads(params: Sequence[Any]) -> None:
    for p in params:
        p.grad = 0.0


def _scalar_sgd(params: Sequence[Any], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad


def _python_engine(name: str, version: str, value: type, **options: Any) -> Engine:
    """A pure-Python engine whose `Value(x)` has `.data`, `.grad` and `.backward()`."""
    return Engine(
        name=name,
        version=version,
        leaf=value,
        constant=value,
        backward=lambda out: out.backward(),
        grad_of=lambda v: v.grad,
        data_of=lambda v: v.data,
        zero_grad=_zero_grads,
        sgd=_scalar_sgd,
        **options,
    )


def ours() -> Engine:
    """Backprop Lab's `Value`, through its operators only."""
    from autograd import Value

    return _python_engine(OURS, version_of("backprop-lab"), Value, value_class=Value)


def microgpt() -> Engine:
    """The `Value` of Karpathy's microgpt (no tanh), restated in `benchmarks.microgpt`."""
    from benchmarks.microgpt import Value

    missing = {"tanh": "microgpt's Value has no tanh"}
    return _python_engine(MICROGPT, "gist, 2026", Value, value_class=Value, missing=missing, recursive=True)


def micrograd() -> Engine:
    """micrograd 0.1.0 from PyPI: + * ** relu only (no exp, log or tanh, so no microgpt loop)."""
    from micrograd.engine import Value

    missing = {op: f"micrograd 0.1.0 has no {op}" for op in ("exp", "log", "tanh")}
    return _python_engine(MICROGRAD, version_of("micrograd"), Value, missing=missing, recursive=True)


def torch_scalars() -> Engine:
    """PyTorch with every scalar a 0-d float64 tensor: what a scalar engine costs in torch."""
    torch = importlib.import_module("torch")

    def leaf(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def constant(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64)

    def zero_grad(params: Sequence[Any]) -> None:
        for p in params:
            p.grad = None

    def sgd(params: Sequence[Any], lr: float) -> None:
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    # microgpt's loop assigns `p.grad = 0` and reads `.data` as a number: a tensor is not a `Value` there.
    missing = {"microgpt loop": "microgpt's loop sets p.grad = 0, which a torch tensor refuses"}
    return Engine(
        name=TORCH,
        version=torch.__version__,
        leaf=leaf,
        constant=constant,
        backward=lambda out: out.backward(),
        grad_of=lambda v: float(v.grad) if v.grad is not None else 0.0,
        data_of=lambda v: v.item(),
        zero_grad=zero_grad,
        sgd=sgd,
        missing=missing,
        traceable=False,
    )


# Each engine's factory and the module it needs (None: always here). Ours and its variants come first.
FACTORIES: dict[str, tuple[Callable[[], Engine], str | None]] = {
    OURS: (ours, "autograd"),
    TRACED: (ours, "autograd"),
    NN: (ours, "nn"),
    MICROGPT: (microgpt, None),
    MICROGRAD: (micrograd, "micrograd"),
    TORCH: (torch_scalars, "torch"),
}


def installed() -> list[str]:
    """The names of the engines that can run here, found without importing them."""
    return [name for name, (_, module) in FACTORIES.items() if module is None or importlib.util.find_spec(module)]


def load(name: str) -> Engine:
    """The engine called `name` (a variant of ours loads ours); LookupError if it is unknown."""
    if name not in FACTORIES:
        raise LookupError(f"unknown engine {name!r}; known: {', '.join(FACTORIES)}")
    return FACTORIES[name][0]()
