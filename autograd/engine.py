"""`Value`, the reverse-mode backward pass, `grad` and `gradcheck`.

A `Value` is a node of the computational graph: its number (`data`), the op that
made it (`op`), the values it was made from (`parents`) and, cached in the forward
pass, the local derivative d(self)/d(parent) for each parent. `backward()` walks the
graph once in reverse topological order and applies the chain rule:

    parent.upstream += node.upstream * local        (one "contribution" per edge)

Nodes are numbered as they are created, and a parent always exists before its
children, so sorting by that number, newest first, is a reverse topological order:
no recursion, no per-node closures, no reference cycles.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter

from autograd.ops import OPS, Op

Number = int | float
Operand = "Value | int | float"

_next_index = itertools.count().__next__
_isfinite = math.isfinite
_by_creation = attrgetter("_index")

ADD, MUL, NEG, RECIP, EXP = OPS["add"], OPS["mul"], OPS["neg"], OPS["recip"], OPS["exp"]
LOG, POW, TANH, RELU, SIGMOID = OPS["log"], OPS["pow"], OPS["tanh"], OPS["relu"], OPS["sigmoid"]
LEAKY_RELU, SUM, DOT = OPS["leaky_relu"], OPS["sum"], OPS["dot"]


def _is_numpy_bool(data: object) -> bool:
    """numpy's bool scalar, the one numpy scalar that is not a `numbers.Real` (checked without importing numpy)."""
    return type(data).__module__ == "numpy" and type(data).__name__ in ("bool", "bool_")


def _as_float(data: object, label: str) -> float:
    """Check and convert what a user passes as `Value(data)`."""
    if type(data) is not float:
        if not isinstance(data, numbers.Real) and not _is_numpy_bool(data):
            raise TypeError(
                f"Value data must be a real number (int, float, bool or numpy scalar), "
                f"got {type(data).__name__}: {data!r}" + (f" for {label!r}" if label else "")
            )
        try:
            data = float(data)
        except OverflowError:
            raise ValueError(
                f"Value data is too large for a float (beyond about 1.8e308), got {type(data).__name__}"
                + (f" for {label!r}" if label else "")
            ) from None
    if not _isfinite(data):
        raise ValueError(f"Value data must be finite, got {data}" + (f" for {label!r}" if label else ""))
    return data


def _binary_method(op: Op, reflected: bool = False) -> Callable[[Value, Operand], Value]:
    """The operator method for a two-input op of the table (`reflected`: the number was on the left).

    It calls the table's `forward` and `local` directly, without `_apply`'s generic dispatch,
    because `+` and `*` are most of the nodes in a graph.
    """
    forward, local, name = op.forward, op.local, op.name

    def method(self: Value, other: Operand) -> Value:
        if other.__class__ is not Value:
            other = _lift(other)
        parents = (other, self) if reflected else (self, other)
        x, y = parents[0].data, parents[1].data
        try:
            out = forward(x, y)
            return _node(name, parents, out, local(x, y, out))
        except (ArithmeticError, ValueError) as error:
            raise _located(error, op, parents, (x, y)) from None

    method.__name__ = method.__qualname__ = f"__{'r' if reflected else ''}{op.name}__"
    return method


def _unary_method(op: Op, doc: str) -> Callable[[Value], Value]:
    """The method `value.<op>()` for a one-input op of the table, calling its forward and local directly."""
    forward, local, name = op.forward, op.local, op.name

    def method(self: Value) -> Value:
        x = self.data
        try:
            out = forward(x)
            return _node(name, (self,), out, local(x, out))
        except (ArithmeticError, ValueError) as error:
            raise _located(error, op, (self,), (x,)) from None

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = doc
    return method


class Value:
    """A number that remembers how it was computed, so gradients can flow back to it.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + 1
    >>> c.backward(); a.grad, b.grad
    (-3.0, 2.0)
    """

    __slots__ = ("data", "grad", "op", "parents", "label", "_local", "_index", "_arg")
    __array_ufunc__ = None  # numpy scalars on the left defer to our reflected operators

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.data = _as_float(data, label)
        self.grad = 0.0
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self.label = label
        self._local: tuple = ()
        self._index = _next_index()

    def __repr__(self) -> str:
        return f"Value(data={round(self.data, 4)}, grad={round(self.grad, 4)}, label={self.label!r})"

    # Operators, straight from the op table. A plain number becomes a leaf constant;
    # `a - b` is add(a, neg(b)) and `a / b` is mul(a, recip(b)), so the graph only holds the table's ops.
    __add__ = _binary_method(ADD)
    __radd__ = _binary_method(ADD, reflected=True)
    __mul__ = _binary_method(MUL)
    __rmul__ = _binary_method(MUL, reflected=True)
    __neg__ = _unary_method(NEG, "-x as one node (op `neg`).")

    def __sub__(self, other: Operand) -> Value:
        return self + (-_lift(other))

    def __rsub__(self, other: Operand) -> Value:
        return _lift(other) + (-self)

    def __truediv__(self, other: Operand) -> Value:
        return self * _lift(other).recip()

    def __rtruediv__(self, other: Operand) -> Value:
        return self.recip() if other == 1 else _lift(other) * self.recip()

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value):
            raise TypeError("pow takes a number exponent; for a Value exponent b use (b * a.log()).exp()")
        n = _as_float(exponent, "exponent")
        if n.is_integer():
            n = int(n)
        return _apply(POW, (self,), (self.data, n), arg=n)

    def __rpow__(self, base: Number) -> Value:
        """`base ** v` as exp(v * log(base)), for a positive number `base`."""
        base = _as_float(base, "base")
        if base <= 0:
            raise ValueError(f"number ** Value needs a positive base, got {base}")
        return (self * math.log(base)).exp()

    # Single-node functions.
    recip = _unary_method(RECIP, "1/x as one node (op `recip`); raises ZeroDivisionError at 0.")
    exp = _unary_method(EXP, "e^x (op `exp`); raises OverflowError above x ~ 709.78.")
    log = _unary_method(LOG, "Natural logarithm (op `log`); raises ValueError for x <= 0.")
    tanh = _unary_method(TANH, "Hyperbolic tangent (op `tanh`).")
    relu = _unary_method(RELU, "max(0, x) (op `relu`); its derivative at 0 is taken as 0, as in PyTorch.")
    sigmoid = _unary_method(SIGMOID, "1 / (1 + e^-x) as one node (op `sigmoid`); stable for any finite x.")

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x if x > 0 else slope * x (op `leaky_relu`)."""
        slope = _as_float(slope, "slope")
        return _apply(LEAKY_RELU, (self,), (self.data, slope), arg=slope)

    # The backward pass.
    def backward(self, grad: float = 1.0) -> None:
        """Add d(self)/d(node) * grad to `.grad` of every node this value depends on.

        Each node is visited once, in reverse topological order, without recursion.
        Gradients accumulate: a second call adds the same amounts again.
        """
        seed = _as_float(grad, "backward(grad)")
        order = _reverse_topological(self)
        # While the chain rule runs, `.grad` holds this call's upstream gradients; what the nodes held
        # before is added back at the end, so gradients accumulate over calls without a scratch slot.
        before = [node.grad for node in order]
        accumulated = any(before)
        if accumulated:
            for node in order:
                node.grad = 0.0
        self.grad = seed
        for node in order:
            upstream = node.grad
            for parent, local in zip(node.parents, node._local):
                parent.grad += upstream * local
        if accumulated:
            for node, earlier in zip(order, before):
                node.grad += earlier

    def zero_grad(self) -> None:
        """Set `.grad` to 0.0 on every node of this value's graph."""
        for node in _reverse_topological(self):
            node.grad = 0.0


_new_value = Value.__new__


def _lift(x: Operand) -> Value:
    """`x` itself if it is a Value, else a new leaf constant holding the number."""
    if isinstance(x, Value):
        return x
    if type(x) is not float or not _isfinite(x):  # convert, or raise the error that explains why not
        x = _as_float(x, "")
    return _node("", (), x, ())


def _node(op: str, parents: tuple[Value, ...], out: float, local: tuple) -> Value:
    """A new node of the graph: every node the engine makes is made here (a user's `Value(x)` by `__init__`)."""
    if not _isfinite(out):
        raise OverflowError("the result overflows a float")
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node.op = op
    node.parents = parents
    node.label = ""
    node._local = local
    node._index = _next_index()
    return node


def _located(error: Exception, op: Op, parents: tuple[Value, ...], inputs: tuple) -> Exception:
    """`error` again, its message naming the op, the inputs and the labels involved."""
    labels = ", ".join(repr(p.label) for p in parents if p.label) or "unlabelled"
    return type(error)(f"{op.name}: {error} (input {', '.join(map(str, inputs))}; {labels})")


def _apply(op: Op, parents: tuple[Value, ...], inputs: Sequence, arg: float | None = None) -> Value:
    """Make the node `op(*inputs)`, with its local derivatives cached for backward."""
    try:
        out = op.forward(*inputs)
        node = _node(op.name, parents, out, op.local(*inputs, out))
    except (ArithmeticError, ValueError) as error:
        raise _located(error, op, parents, tuple(inputs)) from None
    if arg is not None:
        node._arg = arg
    return node


def dot(weights: Sequence[Value], inputs: Sequence[Operand], bias: Value | None = None) -> Value:
    """w1*x1 + ... + wn*xn + bias as ONE node (op `dot`), the way a neuron sums.

    One n-ary node instead of 2n chained add/mul nodes keeps neuron graphs small
    and backward fast. Plain numbers in `inputs` become leaf constants.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs")
    parents = (*weights, *inputs) if bias is None else (*weights, *inputs, bias)
    if not all(map(isinstance, parents, itertools.repeat(Value))):
        parents = tuple(map(_lift, parents))
    return _apply(DOT, parents, [p.data for p in parents])


def add_n(values: Iterable[Operand]) -> Value:
    """x1 + ... + xn as ONE node (op `sum`); Python's sum() would make n-1 add nodes."""
    parents = tuple(values)
    if not parents:
        raise ValueError("add_n needs at least one value")
    if not all(map(isinstance, parents, itertools.repeat(Value))):
        parents = tuple(map(_lift, parents))
    return _apply(SUM, parents, [p.data for p in parents])


def _reverse_topological(root: Value) -> list[Value]:
    """Every node `root` depends on, once each, newest first (children before parents)."""
    seen = {root}
    order = [root]
    for node in order:  # `order` grows as parents are found; the loop visits the new ones too
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                order.append(parent)
    order.sort(key=_by_creation, reverse=True)
    return order


def graph_local(node: Value) -> tuple:
    """The local derivatives of `node` rebuilt from `Value` ops, so they can be differentiated."""
    inputs = node.parents if node.op not in ("pow", "leaky_relu") else (*node.parents, node._arg)
    return OPS[node.op].local(*inputs, node)


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list:
    """d(output)/d(input) for each input, without touching any `.grad`.

    Floats by default. With `create_graph=True`, `Value`s whose graph can be
    differentiated again: grad(grad(x**3, [x], create_graph=True)[0], [x]) is [6x].
    An input that `output` does not depend on gets 0.0.
    """
    if not isinstance(output, Value):
        return [0.0] * len(inputs)
    upstream: dict[Value, Operand] = {output: Value(1.0) if create_graph else 1.0}
    for node in _reverse_topological(output):
        if not node.parents:
            continue
        up = upstream[node]
        locals_ = graph_local(node) if create_graph else node._local
        for parent, local in zip(node.parents, locals_):
            contribution = up * local
            upstream[parent] = upstream[parent] + contribution if parent in upstream else contribution
    return [upstream.get(x, 0.0) for x in inputs]


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Compare backward's gradients of `fn(*values)` with central differences.

    Returns True when |analytic - numeric| <= atol + rtol * |numeric| for every
    input; otherwise raises AssertionError with a per-input table.
    """
    values = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    out = fn(*values)
    out.backward()
    rows = []
    for i, x in enumerate(inputs):
        plus = fn(*[Value(x + eps if j == i else v) for j, v in enumerate(inputs)]).data
        minus = fn(*[Value(x - eps if j == i else v) for j, v in enumerate(inputs)]).data
        numeric = (plus - minus) / (2 * eps)
        analytic = values[i].grad
        rows.append((i, x, analytic, numeric, abs(analytic - numeric) <= atol + rtol * abs(numeric)))
    if all(ok for *_, ok in rows):
        return True
    lines = [f"{'input':>5} {'x':>12} {'analytic':>14} {'numeric':>14} {'difference':>12}"]
    for i, x, analytic, numeric, ok in rows:
        mark = "" if ok else "  <-- mismatch"
        lines.append(f"{i:>5} {x:>12.6g} {analytic:>14.8g} {numeric:>14.8g} {analytic - numeric:>12.3g}{mark}")
    raise AssertionError(f"gradcheck failed (atol={atol}, rtol={rtol}):\n" + "\n".join(lines))
