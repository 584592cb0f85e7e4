"""`Value`, the backward pass, `grad` and `gradcheck`.

A `Value` is a node of the computational graph: its number (`data`), the op that made it
(`op`, an entry of the op table), the values it was made from (`parents`) and, computed in
the forward pass, the local derivative d(self)/d(parent) for each parent (`local`).
`backward()` takes the nodes in reverse topological order (children before parents) and
applies the chain rule once per edge:

    parent.upstream += node.upstream * local        (one "contribution" per edge)

Why the node looks the way it does: in a scalar engine most of the run time goes to Python's
cyclic garbage collector, which scans every container object that is alive, again and again,
while a graph of many thousands of nodes is being built. A node therefore keeps its one or
two parents in its own fields (`_x`, `_y`) instead of a tuple: one object per node for the
collector, not two, which makes training loops about twice as fast. Only an n-ary node (a
neuron's `dot`, a `sum`) keeps its parents as a tuple in `_x`. No node refers to its
children, so graphs have no reference cycles and are freed as soon as they are dropped.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import itertools
import math
import numbers
import threading
import types
from collections.abc import Callable, Iterable, Iterator, Sequence

from autograd.ops import FLOAT_FUNCTIONS, LEAF, OPS, Op

Number = int | float
Operand = "Value | int | float"

ADD, MUL, NEG, RECIP, EXP, LOG = OPS["add"], OPS["mul"], OPS["neg"], OPS["recip"], OPS["exp"], OPS["log"]
POW, POW_VALUE, SIN, COS = OPS["pow"], OPS["pow_value"], OPS["sin"], OPS["cos"]
TANH, SIGMOID = OPS["tanh"], OPS["sigmoid"]
RELU, LEAKY_RELU, SUM, DOT = OPS["relu"], OPS["leaky_relu"], OPS["sum"], OPS["dot"]

_scope = ""  # the path of the `scope()` blocks open now; every new node records it


class _Checked(type):
    """Value's type: `Value(data, label)` checks its arguments here, in the class call.

    So `Value` itself keeps object's C `__init__`, and the op makers below make a bare node
    with `_new_node()` (Python's own constructor: no Python frame, no checks), which costs
    about a quarter of a node's making less than `Value.__new__(Value)`.
    """

    def __init__(cls, name: str, bases: tuple, namespace: dict, **kwargs: object) -> None:
        if "__init__" in namespace:  # it would never run: the class call below makes every Value
            raise TypeError(
                f"{name}: a subclass of Value cannot define __init__ (Value(data, label) is made and checked "
                "by Value's type); give it a classmethod that calls cls(data, label) and sets the rest"
            )
        super().__init__(name, bases, namespace, **kwargs)

    def __call__(cls, data: Number, label: str = "") -> Value:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        node = type.__call__(cls)
        node.data = as_float(data, label)
        node.grad = 0.0
        node.op = LEAF
        if label:
            node._label = label
        node.scope = _scope
        node._x = node._y = None
        return node


class Value(metaclass=_Checked):
    """A number that remembers how it was computed, so gradients can flow back to it.

    `Value(data, label="")` makes a leaf; `data` is any finite real number, kept as a float.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + 1
    >>> c.backward(); a.grad, b.grad
    (-3.0, 2.0)

    `==` is identity, as for any Python object (Values are dict and set keys);
    `< <= > >=` compare `.data` and record nothing, as in PyTorch.

    A subclass may add methods and attributes, and its instances work with every operator;
    it may not define `__init__` (a classmethod constructor does that job). Results of ops
    are plain Values.
    """

    # `_label` is set only on labelled nodes and `_upstream` only during a backward pass: a node the
    # forward pass makes writes neither, which is what keeps `a + b` as cheap as a bare tuple-based node.
    __slots__ = ("data", "grad", "op", "_label", "scope", "_x", "_y", "_dx", "_dy", "_upstream")
    __array_ufunc__ = None  # numpy scalars on the left defer to our reflected operators

    def __repr__(self) -> str:
        return f"Value(data={round(self.data, 4)}, grad={round(self.grad, 4)}, label={self.label!r})"

    @property
    def label(self) -> str:
        """The name shown in diagrams, steps and error messages; `""` when none was given."""
        try:
            return self._label
        except AttributeError:
            return ""

    @label.setter
    def label(self, label: str) -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self._label = label

    @property
    def parents(self) -> tuple[Value, ...]:
        """The values this one was computed from, in argument order; `()` for a leaf."""
        x = self._x
        if x is None:
            return ()
        if x.__class__ is tuple:
            return x
        return (x,) if self._y is None else (x, self._y)

    @property
    def local(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, computed in the forward pass; `()` for a leaf."""
        x = self._x
        if x is None:
            return ()
        if x.__class__ is tuple:
            return self._dx
        return (self._dx,) if self._y is None else (self._dx, self._dy)

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the parents, as a set (read-only)."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for the op: `'+'`, `'*'`, `'ReLU'`, `'**2'` ... and `''` for a leaf (read-only)."""
        return self.op.micrograd

    # Operators. A plain number becomes a leaf constant; `a - b` is add(a, neg(b)) and `a / b` is
    # mul(a, recip(b)), so a graph holds only ops of the table. With a number b, `a - b` is add(a, -b)
    # and `a / b` is mul(a, 1/b): the constant is folded, not drawn as a neg or recip node.
    # `a + b`, `a * b`, `-a` and `a ** n` are attached below the class: each is the compiled maker of its op.
    def __radd__(self, other: Operand) -> Value:
        if other.__class__ is int and other == 0:  # Python's sum() starts from 0: sum([a, b]) is add(a, b)
            return self
        return _add(constant(other), self)

    def __rmul__(self, other: Operand) -> Value:
        return _mul(constant(other), self)

    def __sub__(self, other: Operand) -> Value:
        if other.__class__ is Value or other.__class__ is float:  # the maker checks the float
            return _add(self, -other)
        return _add(self, -other if isinstance(other, Value) else -_number(other))

    def __rsub__(self, other: Operand) -> Value:
        return constant(other) + -self

    def __truediv__(self, other: Operand) -> Value:
        if other.__class__ is Value or (other.__class__ is not float and isinstance(other, Value)):
            return _mul(self, other.recip())
        divisor = _number(other)
        if divisor == 0.0:
            raise ZeroDivisionError(f"division by zero: {self.label or 'a Value'} / {other!r}")
        return _mul(self, 1.0 / divisor)

    def __rtruediv__(self, other: Operand) -> Value:
        return self.recip() if other == 1 else constant(other) * self.recip()

    def __rpow__(self, base: Number) -> Value:
        """base ** v for a positive number base, as one `pow_value` node."""
        return _pow_value(constant(base), self)

    def pow(self, exponent: Operand) -> Value:
        """The same as `self ** exponent`."""
        return self**exponent

    # Single-node functions: recip exp log sin cos tanh sigmoid relu are attached below the class,
    # each the compiled maker of its op.
    def leaky_relu(self, slope: float = LEAKY_RELU.defaults["slope"]) -> Value:
        """x if x > 0 else slope * x (op `leaky_relu`)."""
        return _maker(LEAKY_RELU.with_params(slope=as_float(slope, "slope")))(self)

    def copy(self) -> Value:
        """A new leaf with the same data and label: a constant cut off from this value's graph (like
        PyTorch's `detach().clone()`); gradients do not flow through it."""
        return Value(self.data, self.label)

    # Comparisons look at the numbers only and record nothing (PyTorch's habit); `==` stays identity.
    def __lt__(self, other: Operand) -> bool:
        return self.data < _number(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _number(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _number(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _number(other)

    # The backward pass.
    def backward(self, grad: float = 1.0) -> None:
        """Add d(self)/d(node) * grad to `.grad` of every node this value depends on.

        Each node is visited once, in reverse topological order, without recursion. Gradients
        accumulate: a second call adds the same amounts again. A contribution that is not a
        finite number raises ArithmeticError naming the node, instead of leaving NaN behind.
        """
        upstream = as_float(grad, "backward(grad)")
        with _collector_paused():
            order = topological_order(self)
            # `_upstream` is this call's d(self)/d(node), gathered from the node's children; it exists
            # only during the pass.
            for node in order:
                node._upstream = 0.0
            self._upstream = upstream
            for node in reversed(order):
                upstream = node._upstream
                del node._upstream
                if upstream - upstream:  # inf or nan: stop, and say where it came from
                    raise _bad_gradient(node, upstream, order)
                node.grad += upstream
                x = node._x
                if x is None:  # a leaf
                    continue
                if x.__class__ is tuple:  # an n-ary op: its parents and local derivatives are tuples
                    for parent, local in zip(x, node._dx):
                        parent._upstream += upstream * local
                else:
                    x._upstream += upstream * node._dx
                    y = node._y
                    if y is not None:
                        y._upstream += upstream * node._dy

    def zero_grad(self) -> None:
        """Set `.grad` to 0.0 on every node of this value's graph."""
        for node in topological_order(self):
            node.grad = 0.0

    # Copying and pickling walk the graph in topological order, so a graph of any depth copies
    # without recursion, and a graph read back in another process orders itself the same way.
    def __copy__(self) -> Value:
        return _made(self.op, self._x, self._y, self.data, self.local, self.grad, self.label, self.scope)

    def __deepcopy__(self, memo: dict) -> Value:
        for node in topological_order(self):
            if id(node) not in memo:
                x, y = node._x, node._y
                if x.__class__ is tuple:
                    x = tuple(memo[id(p)] for p in x)
                elif x is not None:
                    x, y = memo[id(x)], None if y is None else memo[id(y)]
                memo[id(node)] = _made(node.op, x, y, node.data, node.local, node.grad, node.label, node.scope)
        return memo[id(self)]

    def __reduce__(self) -> tuple:
        # A leaf pickles as itself, so the leaves a graph shares with other pickled objects (a
        # model's parameters) stay shared; every other node is a record naming its parents by position.
        if self._x is None:
            return _leaf, (self.data, self.grad, self.label, self.scope)
        order = topological_order(self)
        position = {node: k for k, node in enumerate(order)}
        records = [
            node if node._x is None else
            (node.op, tuple(map(position.get, node.parents)), node.data, node.local, node.grad, node.label, node.scope)
            for node in order
        ]  # fmt: skip
        return _rebuild, (records,)


# Making nodes ------------------------------------------------------------------------------

_new_node = type.__call__.__get__(Value)  # `Value()` made by object's constructor alone


def _made(op: Op, x: object, y: Value | None, out: float, local: tuple, grad: float = 0.0, label: str = "",
          scope: str | None = None) -> Value:  # fmt: skip
    """A node with every field given: for copies, unpickling and n-ary ops (the ops' own makers below
    are the same lines with the op's expressions filled in)."""
    node = _new_node()
    node.data = out
    node.grad = grad
    node.op = op
    if label:
        node._label = label
    node.scope = _scope if scope is None else scope
    node._x = x
    node._y = y
    if x.__class__ is tuple:
        node._dx = local
    elif x is not None:
        node._dx = local[0]
        if y is not None:
            node._dy = local[1]
    return node


# Each one- and two-input op of the table gets a maker: this template with the op's forward and local
# expressions pasted in, compiled once. It is the code a student would write for the op by hand (as in
# micrograd or microgpt), without the calls a generic maker would spend on every node.
_MAKER = """
def make(x{y_param}):{variant}
    a = x.data{y_data}
    try:{domain}
        out = {forward}
        dx = {dx}{dy}
    except (ArithmeticError, ValueError) as error:
        raise _located(error, OP, {parents}, {inputs}) from None{check_finite}
    node = _new_node()
    node.data = out
    node.grad = 0.0
    node.op = OP
    node.scope = _scope
    node._x = x
    node._y = {y}
    node._dx = dx{store_dy}
    return node
"""
_CHECK_FINITE = """
    if out - out:  # inf - inf and nan - nan are nan: the result is not a finite float
        raise _not_finite(OP, {parents}, {inputs})"""
# A float as y becomes a leaf constant: `constant(y)` written out, since `a + 1.0` makes one every
# time; any other number goes through `constant` itself (which checks it, and which `trace` watches),
# and an instance of a subclass of Value is taken as it is.
_LIFT = """
    if y.__class__ is Value:
        b = y.data
    elif y.__class__ is float and not y - y:
        b = y
        y = _new_node()
        y.data = b
        y.grad = 0.0
        y.op = LEAF
        y.scope = _scope
        y._x = y._y = None
    else:
        y = _lift(y)
        b = y.data"""
_makers: dict[tuple, Callable] = {}  # op.key -> its maker
_pow_ops: dict[Number, Op] = {}  # exponent n -> the variant of pow for x ** n
_MAX_CACHED_EXPONENTS = 256  # a loop over ever new exponents makes each variant once and keeps none


def _maker(op: Op, doc: str = "", variants: dict | None = None, new_variant: Callable | None = None) -> Callable:
    """The compiled maker `make(x)` or `make(x, y)` of `op` (built on first use, then reused).

    A two-input maker takes a plain number as `y` too, as a leaf constant. Given `variants`, the
    maker of a one-parameter op takes the parameter as its second argument, `make(x, n)`, finds the
    op's variant for it in `variants`, and leaves a value not there yet to `new_variant(x, n)`.
    """
    make = _makers.get(op.key) if variants is None else None
    if make is None:
        names = {"x": "a", "y": "b", "out": "out", **{k: repr(v) for k, v in op.params.items()}}
        binary = op.arity == 2
        parents, inputs = ("(x, y)", "(a, b)") if binary else ("(x,)", "(a,)")
        (param,) = op.param_names if variants is not None else ("",)
        check = f"\n        if not ({_renamed(op.domain, names)}):\n            raise ValueError" if op.domain else ""
        variant = (
            f"\n    try:\n        OP = VARIANTS[{param}]"
            f"\n    except (KeyError, TypeError):  # new or unhashable: NEW_VARIANT makes it or says why"
            f"\n        return NEW_VARIANT(x, {param})"
        )
        source = _MAKER.format(
            y_param=", y" if binary else f", {param}" if param else "",
            variant=variant if param else "",
            y_data=_LIFT if binary else "",
            forward=_renamed(op.forward_source, names),
            dx=_renamed(op.local_source[0], names),
            dy=f"\n        dy = {_renamed(op.local_source[1], names)}" if binary else "",
            store_dy="\n    node._dy = dy" if binary else "",
            parents=parents,
            inputs=inputs,
            y="y" if binary else "None",
            domain=check,
            check_finite="" if op.finite else _CHECK_FINITE.format(parents=parents, inputs=inputs),
        )
        # The maker runs in this module's namespace (it reads the current `_scope`); the op and the
        # table's functions reach it as the variables of an enclosing function.
        free = ", ".join(("OP", "VARIANTS", "NEW_VARIANT", *FLOAT_FUNCTIONS))
        source = f"def _enclosing({free}):" + source.replace("\n", "\n    ") + "return make"
        definitions: dict = {}
        exec(compile(source, f"<autograd maker for {op.name} {op.params_text}>", "exec"), definitions)  # noqa: S102
        enclosing = types.FunctionType(definitions["_enclosing"].__code__, globals())
        make = enclosing(op, variants, new_variant, *FLOAT_FUNCTIONS.values())
        make.__doc__ = doc or f"{op.name}: {op.formula}"
        if variants is None and (not op.params or len(_makers) < _MAX_CACHED_EXPONENTS):
            _makers[op.key] = make
    return make


# CPython 3.11's ast.parse is not safe in two threads at once ("AST constructor recursion depth
# mismatch"), and graphs are built in threads (the grader's slots): one parse at a time.
_PARSING = threading.Lock()


def _renamed(expression: str, names: dict[str, str]) -> str:
    """`expression` with its variable names replaced (`x * y` -> `a * b`), parsed so only names change."""
    with _PARSING:
        tree = ast.parse(expression, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names:
            node.id = names[node.id]
    return ast.unparse(tree)


_add = _maker(ADD, "x + y as one node (op `add`).")
_mul = _maker(MUL, "x * y as one node (op `mul`).")
_pow_value = _maker(POW_VALUE, "x ** y for a Value y as one node (op `pow_value`); x must be positive.")


def _new_power(x: Value, exponent: Operand) -> Value:
    """`x ** exponent` for an exponent `__pow__` has not seen: a Value (op `pow_value`), or a number,
    checked, whose pow variant is made (and kept, up to a bound) before the node is."""
    if isinstance(exponent, Value):
        return _pow_value(x, exponent)
    n = as_float(exponent, "exponent")
    if n.is_integer():
        n = int(n)  # kept as an int, the key `x ** 2` looks up matches without comparing an int to a float
    op = POW.with_params(n=n)
    if len(_pow_ops) >= _MAX_CACHED_EXPONENTS:
        return _maker(op)(x)
    _pow_ops[n] = op
    return _power(x, exponent)


_power = _maker(POW, "x ** n for a number n (op `pow`), or x ** y for a Value y (op `pow_value`, x > 0).",
                variants=_pow_ops, new_variant=_new_power)  # fmt: skip

# The operators and functions that are one op each are that op's maker: `a + b` or `a.exp()` runs
# the compiled lines above directly, one call per node.
for _name, _make in [
    ("__add__", _add),
    ("__mul__", _mul),
    ("__neg__", _maker(NEG, "-x as one node (op `neg`).")),
    ("__pow__", _power),
    ("recip", _maker(RECIP, "1/x as one node (op `recip`); raises ZeroDivisionError at 0.")),
    ("exp", _maker(EXP, "e^x (op `exp`); raises OverflowError above x ~ 709.78.")),
    ("log", _maker(LOG, "Natural logarithm (op `log`); raises ValueError for x <= 0.")),
    ("sin", _maker(SIN, "Sine (op `sin`).")),
    ("cos", _maker(COS, "Cosine (op `cos`).")),
    ("tanh", _maker(TANH, "Hyperbolic tangent (op `tanh`).")),
    ("sigmoid", _maker(SIGMOID, "1 / (1 + e^-x) as one node (op `sigmoid`); stable for any finite x.")),
    ("relu", _maker(RELU, "max(0, x) (op `relu`); its derivative at 0 is taken as 0, as in PyTorch.")),
]:
    # Named as methods of Value, so tracebacks, help() and pickle (of `Value.relu` itself) find them there.
    _make.__name__, _make.__qualname__, _make.__module__ = _name, f"Value.{_name}", __name__
    setattr(Value, _name, _make)


def _nary(op: Op, parents: tuple[Value, ...]) -> Value:
    """The node op(*parents) of an n-ary op (`sum`, `dot`)."""
    inputs = [p.data for p in parents]
    try:
        out = op.forward(*inputs)
        local = op.local(*inputs, out)
    except (ArithmeticError, ValueError) as error:
        raise _located(error, op, parents, inputs) from None
    if out - out:
        raise _not_finite(op, parents, inputs)
    return _made(op, parents, None, out, local)


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
    return _nary(DOT, parents)


def add_n(values: Iterable[Operand]) -> Value:
    """x1 + ... + xn as ONE node (op `sum`); Python's sum() would make n-1 add nodes."""
    parents = tuple(values)
    if not all(map(isinstance, parents, itertools.repeat(Value))):
        parents = tuple(map(_lift, parents))
    if not parents:
        raise ValueError("add_n needs at least one value")
    return _nary(SUM, parents)


def constant(x: Number) -> Value:
    """A new leaf holding the number `x` (checked as `Value(x)` checks it)."""
    # `_made`'s fields for a leaf, written out: every `a + 1.0` makes one, so it skips `_made`'s branches.
    if x.__class__ is not float or x - x:
        x = as_float(x, "")
    node = _new_node()
    node.data = x
    node.grad = 0.0
    node.op = LEAF
    node.scope = _scope
    node._x = node._y = None
    return node


def _lift(x: Operand) -> Value:
    """`x` itself if it is a Value, else a new leaf constant holding the number."""
    return x if isinstance(x, Value) else constant(x)


def _number(x: Operand) -> float:
    """The number in `x`: its `.data` if it is a Value, else `x` checked as a real number."""
    return x.data if isinstance(x, Value) else as_float(x, "")


def _leaf(data: float, grad: float, label: str, scope: str) -> Value:
    return _made(LEAF, None, None, data, (), grad, label, scope)


def _rebuild(records: list) -> Value:
    """The graph `Value.__reduce__` wrote, rebuilt node by node in topological order; returns its root."""
    nodes: list[Value] = []
    for record in records:
        if isinstance(record, Value):
            nodes.append(record)
            continue
        op, positions, data, local, grad, label, scope = record
        parents = tuple(nodes[k] for k in positions)
        if op.arity == 0:
            x, y = parents, None
        else:
            x, y = parents[0], (parents[1] if len(parents) > 1 else None)
        nodes.append(_made(op, x, y, data, local, grad, label, scope))
    return nodes[-1]


# Checking numbers --------------------------------------------------------------------------


def _is_numpy_bool(data: object) -> bool:
    """numpy's bool scalar, the one numpy scalar that is not a `numbers.Real` (checked without importing numpy)."""
    return type(data).__module__ == "numpy" and type(data).__name__ in ("bool", "bool_")


def as_float(data: object, label: str = "") -> float:
    """`data` as a finite float, or the TypeError/ValueError that says why it cannot be a Value's number."""
    where = f" for {label!r}" if label else ""
    if type(data) is not float:
        if not isinstance(data, numbers.Real) and not _is_numpy_bool(data):
            raise TypeError(
                f"Value data must be a real number (int, float, bool or numpy scalar), "
                f"got {type(data).__name__}: {data!r}{where}"
            )
        try:
            data = float(data)
        except OverflowError:
            raise ValueError(
                f"Value data is too large for a float (beyond about 1.8e308), got {type(data).__name__}{where}"
            ) from None
    if not math.isfinite(data):
        raise ValueError(f"Value data must be finite, got {data}{where}")
    return data


def _described(parents: Iterable[Value], inputs: Iterable[float]) -> str:
    labels = ", ".join(repr(p.label) for p in parents if p.label) or "unlabelled"
    return f"input {', '.join(map(str, inputs))}; {labels}"


def _located(error: Exception, op: Op, parents: Iterable[Value], inputs: Iterable[float]) -> Exception:
    """`error` again, its message naming the op (in the op's words), the inputs and the labels involved."""
    return type(error)(f"{op.name}: {op.explain(error, tuple(inputs))} ({_described(parents, inputs)})")


def _not_finite(op: Op, parents: Iterable[Value], inputs: Iterable[float]) -> OverflowError:
    return OverflowError(f"{op.name}: the result overflows a float ({_described(parents, inputs)})")


# The graph and the chain rule --------------------------------------------------------------


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, once each, parents before children (`root` last).

    Depth-first, as the lesson draws it, with an explicit stack instead of recursion: a node
    is placed once all its parents are placed. A million-deep chain is fine.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list = [root]  # nodes to visit; a node under a _PLACE marker has its parents placed
    while stack:
        node = stack.pop()
        if node is _PLACE:
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(_PLACE)
            # The parents, last first so the first is visited first (`node.parents`, read from the slots).
            # Leaves first: `x.__class__` then reads only Values and tuples. Read on None as well, it
            # lost the interpreter's specialization and the walk took twice as long on microgpt's graph.
            x = node._x
            if x is None:
                continue
            if x.__class__ is tuple:
                stack.extend([parent for parent in reversed(x) if parent not in visited])
            else:
                y = node._y
                if y is not None and y not in visited:
                    stack.append(y)
                if x not in visited:
                    stack.append(x)
    return order


_PLACE = object()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: the chain rule makes no reference cycles, and a
    collection started by its temporary objects would scan the whole graph for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _bad_gradient(node: Value, upstream: float, order: list[Value]) -> ArithmeticError:
    """The error for a node whose gradient is not finite, naming the edges that made it so."""
    for other in order:  # leave every node as a finished pass leaves it: without the scratch slot
        if hasattr(other, "_upstream"):
            del other._upstream
    culprits = [
        f"{child.op.name} node{f' {child.label!r}' if child.label else ''} (data {child.data}) has local {local}"
        for child in order
        for parent, local in zip(child.parents, child.local)
        if parent is node and not math.isfinite(local)
    ]
    what = f"{node.op.name or 'leaf'} node{f' {node.label!r}' if node.label else ''} (data {node.data})"
    return ArithmeticError(
        f"the gradient reaching the {what} is {upstream}, not a finite number"
        + (": " + "; ".join(culprits) if culprits else " (finite contributions overflow when added)")
        + ". A local derivative overflowed; rescale the inputs or use a fused op (sigmoid, log_softmax)."
    )


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list:
    """d(output)/d(input) for each input, without touching any `.grad`.

    Floats by default. With `create_graph=True`, `Value`s whose graph can be
    differentiated again: grad(grad(x**3, [x], create_graph=True)[0], [x]) is [6x].
    An input that `output` does not depend on gets 0.0.
    """
    if not isinstance(output, Value):
        return [0.0] * len(inputs)
    order = topological_order(output)
    upstream: dict[Value, Operand] = {output: constant(1.0) if create_graph else 1.0}
    for node in reversed(order):
        up = upstream.get(node, 0.0)
        number = up.data if up.__class__ is Value else up
        if number - number:
            raise _bad_gradient(node, number, order)
        if not node.parents:
            continue
        for parent, local in zip(node.parents, graph_local(node) if create_graph else node.local):
            contribution = up * local
            upstream[parent] = upstream[parent] + contribution if parent in upstream else contribution
    return [upstream.get(x, 0.0) for x in inputs]


# The names the local-derivative expressions call, bound to Value methods so that the derivatives
# are graphs themselves (the n-ary helpers of the table already work on Values).
_VALUE_FUNCTIONS: dict[str, Callable] = {
    **FLOAT_FUNCTIONS, "exp": Value.exp, "log": Value.log, "sigmoid": Value.sigmoid, "tanh": Value.tanh,
    "sin": Value.sin, "cos": Value.cos,
}  # fmt: skip
_value_locals: dict[tuple, Callable] = {}  # op.key -> its local derivatives as Value functions


def graph_local(node: Value) -> tuple:
    """The local derivatives of `node` built from `Value` ops, so they can be differentiated in turn."""
    local = _value_locals.get(node.op.key)
    if local is None:
        local = _value_locals[node.op.key] = node.op.compile(_VALUE_FUNCTIONS)[1]
    return local(*node.parents, node)


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_exception: bool = True,
) -> bool:
    """Compare backward's gradients of `fn(*values)` with central differences.

    Returns True when |analytic - numeric| <= atol + rtol * |numeric| for every input.
    Otherwise raises AssertionError with a per-input table, or returns False when
    `raise_exception=False` (PyTorch's `gradcheck` flag).
    """
    values = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    fn(*values).backward()
    rows = []
    for i, x in enumerate(inputs):
        plus = fn(*[Value(x + eps if j == i else v) for j, v in enumerate(inputs)]).data
        minus = fn(*[Value(x - eps if j == i else v) for j, v in enumerate(inputs)]).data
        numeric = (plus - minus) / (2 * eps)
        analytic = values[i].grad
        rows.append((i, x, analytic, numeric, abs(analytic - numeric) <= atol + rtol * abs(numeric)))
    if all(ok for *_, ok in rows):
        return True
    if not raise_exception:
        return False
    lines = [f"{'input':>5} {'x':>12} {'analytic':>14} {'numeric':>14} {'difference':>12}"]
    for i, x, analytic, numeric, ok in rows:
        mark = "" if ok else "  <-- mismatch"
        lines.append(f"{i:>5} {x:>12.6g} {analytic:>14.8g} {numeric:>14.8g} {analytic - numeric:>12.3g}{mark}")
    raise AssertionError(f"gradcheck failed (atol={atol}, rtol={rtol}):\n" + "\n".join(lines))


class scope:  # noqa: N801 (a context manager used like a function, as contextlib's are)
    """Tag every node created inside the block with `name` (nested scopes join with "/").

    `nn` opens one per layer and neuron, and the losses one per sample, so diagrams can
    draw a big graph as clusters ("layer 1/neuron 3", "sample 5"). `as` gives the full path.
    """

    __slots__ = ("name", "_outer")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"a scope needs a non-empty name, got {name!r}")
        self.name = name

    def __enter__(self) -> str:
        global _scope
        self._outer = _scope
        _scope = f"{_scope}/{self.name}" if _scope else self.name
        return _scope

    def __exit__(self, *exc_info: object) -> None:
        global _scope
        _scope = self._outer
