"""`Module`: what every model shares, all of it derived from one declaration of its parts.

As in `torch.nn.Module`, a model declares its parts by assigning them in `__init__`:

    self.weight = [Value(...), ...]     # a Value, or a (nested) list of Values: a parameter tensor
    self.bias = Value(0.0)
    self.layers = [Layer(...), ...]     # a Module, or a list of Modules: sub-modules

`__setattr__` records the tensors in `_parameters` and the sub-modules in `_modules`, in
the order they are assigned; `parameters()`, `named_parameters()`, `children()`,
`state_dict()`, `load_state_dict()`, `zero_grad()` and the repr are all read from there.

Registering also names every parameter `Value` as its number is named in `state_dict()`
(`label` "layers.0.weight[3][1]": key, then index) and gives it the scope path of the
module that owns it (`scope` "layer 0/neuron 3"), so a diagram can say which weight of
which neuron it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from autograd import Value
from nn.checks import finite_number_problem

# A named tensor: one Value, a list of them, or a list of such lists.
Tensor = Any

_SHOWN_PROBLEMS = 10


def _is_tensor(value: object) -> bool:
    """True for a Value or a non-empty (nested) list or tuple whose items are all Values."""
    if isinstance(value, Value):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(map(_is_tensor, value))


def _is_module_list(value: object) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, Module) for v in value)


def _flat(tensor: Tensor, name: str) -> Iterator[tuple[str, Value]]:
    """(name with index, Value) for every Value of `tensor`, row by row: "weight[0][1]"."""
    if isinstance(tensor, Value):
        yield name, tensor
        return
    for i, t in enumerate(tensor):
        yield from _flat(t, f"{name}[{i}]")


def _numbers(tensor: Tensor) -> Any:
    if isinstance(tensor, Value):
        return tensor.data
    return [_numbers(t) for t in tensor]


class Module:
    """Base class of every model in `nn`, in the spirit of `torch.nn.Module`.

    A subclass assigns its parameter tensors and sub-modules as attributes and defines
    `forward(x)` for one sample. A module that sets `_stacked = True` (a `Layer`) names its
    sub-modules' tensors as rows of its own: its neurons' `weight` lists form one
    out x in `weight`, like `torch.nn.Linear`.
    """

    _stacked = False
    _scope = ""  # this module's scope path inside the model it belongs to ("layer 0/neuron 3")

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            object.__setattr__(self, "_parameters", {})
            object.__setattr__(self, "_modules", {})
        registered = False
        if not name.startswith("_"):
            self._forget(name)
            registered = True
            if _is_tensor(value):
                self._parameters[name] = value
            elif isinstance(value, Module):
                self._modules[name] = value
            elif _is_module_list(value):
                # Kept as a tuple: a list changed later would no longer match what was registered.
                value = tuple(value)
                self._modules.update({f"{name}.{i}": child for i, child in enumerate(value)})
            else:
                registered = False
        object.__setattr__(self, name, value)
        if registered:
            self._name_parts()

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name: str) -> None:
        """Drop the tensor or sub-modules registered as attribute `name`, if any."""
        self.__dict__.get("_parameters", {}).pop(name, None)
        modules = self.__dict__.get("_modules", {})
        for key in [k for k in modules if k == name or k.startswith(f"{name}.")]:
            del modules[key]

    def _name_parts(self) -> None:
        """Give every sub-module its scope path and every parameter its state-dict label and scope."""
        for key, child in self.named_children():
            child._set_scope(_scope_name(key, child, self._scope))
        for label, p in self.named_parameters():
            p.label = label
        for name, tensor in self.__dict__.get("_parameters", {}).items():
            for _, p in _flat(tensor, name):
                p.scope = self._scope

    def _set_scope(self, path: str) -> None:
        object.__setattr__(self, "_scope", path)
        for name, tensor in self._parameters.items():
            for _, p in _flat(tensor, name):
                p.scope = path
        for key, child in self.named_children():
            child._set_scope(_scope_name(key, child, path))

    def forward(self, x: Any) -> Any:
        """The model's output for one sample `x`."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, sub-module) for each direct sub-module, in the order they were assigned."""
        yield from self.__dict__.get("_modules", {}).items()

    def children(self) -> Iterator[Module]:
        """Each direct sub-module (for an MLP, its layers; for a Layer, its neurons)."""
        for _, child in self.named_children():
            yield child

    def parameters(self) -> list[Value]:
        """Every learned `Value`: layer by layer, neuron by neuron, weights then bias."""
        own = [p for name, tensor in self.__dict__.get("_parameters", {}).items() for _, p in _flat(tensor, name)]
        return own + [p for child in self.children() for p in child.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(name, Value) for every parameter, in `parameters()` order.

        One entry per Value (this library's parameters are scalars), named as its number
        is in `state_dict()`: the key, then its index, e.g. "layers.1.weight[0][2]".
        """
        names = {id(p): name for key, tensor in self.named_tensors().items() for name, p in _flat(tensor, key)}
        for p in self.parameters():
            yield names[id(p)], p

    def named_tensors(self) -> dict[str, Tensor]:
        """The parameters by state-dict key, nested like their shape (a weight matrix is a list of rows)."""
        children = list(self.named_children())
        if self._stacked and children:
            rows = [child.named_tensors() for _, child in children]
            return {key: [row[key] for row in rows] for key in rows[0]}
        tensors = dict(self.__dict__.get("_parameters", {}))
        for name, child in children:
            tensors.update({f"{name}.{key}": t for key, t in child.named_tensors().items()})
        return tensors

    def zero_grad(self) -> None:
        """Set `.grad` of every parameter to 0.0 (call it before each backward pass)."""
        for p in self.parameters():
            p.grad = 0.0

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (used by `nn.save`)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Every parameter's number, by name, nested like its shape; plain JSON-able data.

        >>> nn.Neuron(2, seed=0).state_dict()
        {'weight': [1.193112292156655, 0.8935802638573969], 'bias': 0.0}
        """
        return {key: _numbers(tensor) for key, tensor in self.named_tensors().items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy the numbers of `state` into the parameters.

        Every name, shape and number is checked first: on any mismatch a ValueError
        lists the first problems (naming each key) and the model is left unchanged.
        A number must be a finite real within float range: NaN, infinities, bools,
        strings and ints like 10**400 are problems too.
        """
        if not isinstance(state, dict):
            raise ValueError(f"a state dict must be a dict of names to numbers, got {type(state).__name__}")
        tensors = self.named_tensors()
        problems = list(islice(_problems(tensors, state), _SHOWN_PROBLEMS))
        if problems:
            raise ValueError(
                f"state dict does not fit {type(self).__name__} (model left unchanged): " + "; ".join(problems)
            )
        for key, tensor in tensors.items():
            _assign(tensor, state[key])

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if self._stacked or not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({key.rsplit('.', 1)[-1]}): {child!r}".replace("\n", "\n  ") for key, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


def _scope_name(key: str, child: Module, outer: str) -> str:
    """The scope path of sub-module `key`: "layer 2" for item 2 of a list of Layers, else the attribute name."""
    name, _, index = key.rpartition(".")
    own = f"{type(child).__name__.lower()} {index}" if name and index.isdigit() else key
    return f"{outer}/{own}" if outer else own


def _problems(tensors: dict[str, Tensor], state: dict[str, Any]) -> Iterator[str]:
    """What keeps `state` from fitting `tensors`, one message at a time (a generator: the caller stops early)."""
    missing = [key for key in tensors if key not in state]
    unexpected = [key for key in state if key not in tensors]
    if missing:
        yield f"missing keys {missing[:_SHOWN_PROBLEMS]}"
    if unexpected:
        yield f"unexpected keys {unexpected[:_SHOWN_PROBLEMS]}"
    for key, tensor in tensors.items():
        if key in state:
            yield from _shape_problems(key, tensor, state[key])


def _shape_problems(name: str, tensor: Tensor, given: Any) -> Iterator[str]:
    """What is wrong with `given` as the numbers for `tensor` (nothing when it fits).

    It walks the shape of `tensor` (at most two levels deep), never the shape of `given`,
    so deeply nested input costs no recursion.
    """
    if isinstance(tensor, Value):
        problem = finite_number_problem(name, given)
        if problem:
            yield problem
        return
    if not isinstance(given, (list, tuple)) or len(given) != len(tensor):
        size = len(given) if isinstance(given, (list, tuple)) else type(given).__name__
        yield f"{name} should be a list of {len(tensor)}, got {size}"
        return
    for i, (t, g) in enumerate(zip(tensor, given)):
        yield from _shape_problems(f"{name}[{i}]", t, g)


def _assign(tensor: Tensor, given: Any) -> None:
    if isinstance(tensor, Value):
        tensor.data = float(given)
        return
    for t, g in zip(tensor, given):
        _assign(t, g)
