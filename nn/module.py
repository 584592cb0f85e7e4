"""`Module`: what every model shares: parameters, zero_grad, calling, state dicts, repr.

A subclass says what it computes (`forward`), which `Value`s it learns (`parameters`,
in a fixed order) and how those are named and shaped in a state dict (`_tensors`), like
PyTorch's `weight` and `bias`. Everything else here is built from those three.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from autograd import Value

# A named tensor: one Value, a list of them, or a list of such lists.
Tensor = Any


class Module:
    """Base class of every model in `nn`, in the spirit of `torch.nn.Module`."""

    def forward(self, x: Any) -> Any:
        """The model's output for one sample `x`."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def parameters(self) -> list[Value]:
        """Every learned `Value`: layer by layer, neuron by neuron, weights then bias."""
        return []

    def zero_grad(self) -> None:
        """Set `.grad` of every parameter to 0.0 (call it before each backward pass)."""
        for p in self.parameters():
            p.grad = 0.0

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (used by `nn.save`)."""
        return {}

    def _tensors(self) -> dict[str, Tensor]:
        """The parameters by state-dict name, nested like their shape."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Every parameter's number, by name, nested like its shape; plain JSON-able data.

        >>> nn.Neuron(2, seed=0).state_dict()
        {'weight': [1.193112292156655, 0.8935802638573969], 'bias': 0.0}
        """
        return {name: _numbers(tensor) for name, tensor in self._tensors().items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy the numbers of `state` into the parameters.

        Every name, shape and number is checked first: on any mismatch a ValueError
        lists the problems and the model is left unchanged.
        """
        if not isinstance(state, dict):
            raise ValueError(f"a state dict must be a dict of names to numbers, got {type(state).__name__}")
        tensors = self._tensors()
        problems = []
        missing = [name for name in tensors if name not in state]
        unexpected = [name for name in state if name not in tensors]
        if missing:
            problems.append(f"missing keys {missing}")
        if unexpected:
            problems.append(f"unexpected keys {unexpected}")
        for name, tensor in tensors.items():
            if name in state:
                problems += _shape_problems(name, tensor, state[name])
        if problems:
            raise ValueError(
                f"state dict does not fit {type(self).__name__} (model left unchanged): " + "; ".join(problems[:10])
            )
        for name, tensor in tensors.items():
            _assign(tensor, state[name])

    def _children(self) -> list[Module]:
        """Sub-modules shown in the repr."""
        return []

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr."""
        return ""

    def __repr__(self) -> str:
        children = self._children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({i}): {child!r}".replace("\n", "\n  ") for i, child in enumerate(children)]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


def _numbers(tensor: Tensor) -> Any:
    if isinstance(tensor, Value):
        return tensor.data
    return [_numbers(t) for t in tensor]


def _shape_problems(name: str, tensor: Tensor, given: Any) -> list[str]:
    """What is wrong with `given` as the numbers for `tensor` (empty when it fits)."""
    if isinstance(tensor, Value):
        if isinstance(given, bool) or not isinstance(given, numbers.Real):
            return [f"{name} should be a number, got {type(given).__name__}"]
        if not math.isfinite(given):
            return [f"{name} should be finite, got {given}"]
        return []
    if not isinstance(given, (list, tuple)) or len(given) != len(tensor):
        size = len(given) if isinstance(given, (list, tuple)) else type(given).__name__
        return [f"{name} should be a list of {len(tensor)}, got {size}"]
    problems = []
    for i, (t, g) in enumerate(zip(tensor, given)):
        problems += _shape_problems(f"{name}[{i}]", t, g)
    return problems


def _assign(tensor: Tensor, given: Any) -> None:
    if isinstance(tensor, Value):
        tensor.data = float(given)
        return
    for t, g in zip(tensor, given):
        _assign(t, g)
