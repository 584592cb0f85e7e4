"""Trace once, replay many: `trace(fn, example_inputs)` turns one call of `fn` into straight-line Python.

Building `Value`s costs most of a scalar engine's time. When the same computation runs again and
again on new numbers (a training step), its graph is the same every time, so it can be recorded
once and written out as plain float arithmetic, one line per node and one line per edge:

    >>> traced = trace(lambda w, x: (w * x).tanh(), [0.5, 2.0])
    >>> out, grads = traced(1.0, -1.0)      # no Value is built
    >>> print(traced.source)                # the generated forward and backward, for reading

Each forward line is its op's `forward` expression from the op table with the parents' variables
pasted in; each backward line adds `upstream * local` (the op's `local` expression) to a parent's
gradient, in the order `backward()` adds them, so the numbers are the eager engine's own. The
table stays the single source: the tracer knows no op by heart.

Inputs. `fn` is called as `fn(*inputs)`, like `gradcheck`'s: each item of `example_inputs` is a
number, a `Value` (a leaf, used as that input itself, so a function that reads a model's
parameters sees them), or a list of those (nested lists too); numbers become Values. A replay takes
items of the same shape and returns the gradients in that shape. `fn` returns a `Value` or a list
(nested) of them. Values that `fn` did not create and that are not inputs (a model's parameters
when they are not passed) are read at every replay, their current `.data`; they get no gradient.

When the graph would differ. Python control flow in `fn` can depend on the numbers (`if x > 0`,
`max(values)`, a loop count). While `fn` is traced, every comparison of Values, and every number
`fn` reads from `.data`, is recorded: the numbers read from `.data` carry the expression that
recomputes them, and each decision taken on them (a comparison, `bool`, `max`) becomes a guard
re-checked at replay. A replay whose guards fail raises `GraphChanged` (a `ValueError`, importable
from `autograd.trace`) saying which decision changed and where it was taken: trace again for such
inputs (`nn.fit(compile=True)` keeps one trace per graph it meets). `max()` of logits is such a
decision too, so a trace of `nn.cross_entropy` holds while the largest logit stays the same.
A number from `.data` that turns into a constant of the graph (`z + -z.data`, `Value(z.data)`,
`z.copy()`) is recomputed at replay. One that leaves through `float()`, `math.*`, `int()` or
`round()` cannot be followed: the replay is then valid only while it keeps its traced value, and a
guard checks exactly that.

Not seen: numbers that leave the graph by other doors while `fn` runs: `grad()` without
`create_graph`, `.local`, globals or files; `.grad` and writing `.data` inside `fn` raise. Tracing
patches `Value` for the duration of the call: do not trace while other threads build graphs. The
generated code grows with the graph (compiling it is most of the tracing time), and a `Traced`
keeps the traced graph, whose nodes its error messages name.
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import linecache
import math
import numbers
import operator
import sys
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from autograd import engine
from autograd.engine import Value, as_float
from autograd.ops import FLOAT_FUNCTIONS, Op


class GraphChanged(ValueError):
    """The inputs of a replay would make the traced function build a different graph."""


# Inputs and outputs: a shape is None for one number, n for a list of n numbers, else a tuple of the
# items' shapes. -------------------------------------------------------------------------------------


def _shape_of(item: Any) -> Any:
    """The shape of `item` (a number or Value is checked when it is used)."""
    if not isinstance(item, (list, tuple)):
        return None
    shapes = tuple(map(_shape_of, item))
    return len(shapes) if all(part is None for part in shapes) else shapes


def _describe_shape(shape: Any) -> str:
    if shape is None:
        return "a number"
    if shape.__class__ is int:
        return f"a list of {shape} numbers"
    return f"a list of {len(shape)} items ({', '.join(map(_describe_shape, shape))})"


def _size(shape: Any) -> int:
    if shape is None:
        return 1
    return shape if shape.__class__ is int else sum(map(_size, shape))


def _flatten(items: Sequence, shape: tuple, into: list, where: str) -> None:
    """The numbers of `items` appended to `into`, checked against `shape` (GraphChanged on a mismatch)."""
    if len(items) != len(shape):
        raise GraphChanged(
            f"{where} should be {_describe_shape(shape)}, like the traced example; got {len(items)} items")
    for k, (item, part) in enumerate(zip(items, shape)):
        if part is None:
            into.append(item)
            continue
        size = part if part.__class__ is int else len(part)
        if not isinstance(item, (list, tuple)) or len(item) != size:
            got = f"{len(item)} items" if isinstance(item, (list, tuple)) else type(item).__name__
            raise GraphChanged(f"{where}[{k}] should be {_describe_shape(part)}, like the traced example; got {got}")
        if part.__class__ is int:
            into.extend(item)
        else:
            _flatten(item, part, into, f"{where}[{k}]")


def _unflatten(flat: Sequence, shape: tuple) -> list:
    """`flat` cut into the nested lists `shape` describes."""
    items, k = [], 0
    for part in shape:
        if part is None:
            items.append(flat[k])
            k += 1
        elif part.__class__ is int:
            items.append(list(flat[k : k + part]))
            k += part
        else:
            size = _size(part)
            items.append(_unflatten(flat[k : k + size], part))
            k += size
    return items


def _numbers(flat: list, where: str) -> list[float]:
    """Each item as a finite float: a Value gives its `.data`, a number is checked as `Value(x)` checks it."""
    try:
        total = sum(flat)  # plain ints and floats add up to an int or a float; a Value or a str does not
    except TypeError:
        total = None
    if total.__class__ in (int, float) and not total - total:
        with contextlib.suppress(OverflowError):  # an int beyond floats: as_float below says so
            return list(map(float, flat))
    values = [x if x.__class__ is float else x.data if isinstance(x, Value) else as_float(x, where) for x in flat]
    total = sum(values)
    if total - total:  # some item is inf or nan (or a finite sum overflowed: then this finds nothing)
        for k, x in enumerate(values):
            as_float(x, f"{where} {k}")
    return values


# Recording a call: the numbers fn reads, and the decisions it takes on them. ----------------------


class _Guard:
    """A decision `fn` took on numbers from the graph: `test` (Python over placeholders) was `expected`."""

    __slots__ = ("test", "expected", "nodes", "where", "kind")

    def __init__(self, test: str, expected: bool, nodes: tuple, where: str, kind: str) -> None:
        self.test, self.expected, self.nodes, self.where, self.kind = test, expected, nodes, where, kind


class _Recording:
    """What one traced call of `fn` did besides building its graph."""

    def __init__(self) -> None:
        self.read: list[Value] = []  # the nodes whose numbers fn read, by placeholder index
        self.index: dict[int, int] = {}  # id(node) -> its placeholder index
        self.guards: list[_Guard] = []
        self.derived: dict[int, _Observed] = {}  # id(leaf) -> the number it was made from
        self.created: dict[int, Value] = {}  # id(node) -> node, every node made while fn ran

    def observe(self, node: Value, value: float) -> _Observed:
        k = self.index.get(id(node))
        if k is None:
            k = self.index[id(node)] = len(self.read)
            self.read.append(node)
        return _Observed(value, f"{{n{k}}}", frozenset((k,)), self)

    def guard(self, test: str, expected: bool, nodes: frozenset, kind: str) -> None:
        self.guards.append(_Guard(test, expected, tuple(sorted(nodes)), _caller(), kind))


def _caller() -> str:
    """file:line of the code outside the engine and the tracer that is running now (where a decision is)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals in (_ENGINE_GLOBALS, _OUR_GLOBALS):
        frame = frame.f_back
    if frame is None:
        return "an unknown place"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def _literal(x: float | int) -> str:
    """`x` as Python source that reads back exactly (an atom, so it pastes into any expression)."""
    if isinstance(x, (bool, int)):
        return repr(x) if x >= 0 else f"({x!r})"
    x = float(x)
    if not math.isfinite(x):
        return f"float('{x}')"
    return repr(x) if math.copysign(1.0, x) > 0 else f"({x!r})"


class _Observed:
    """A number `fn` read from a node's `.data` while it was traced, and the expression that recomputes it.

    It behaves as the float it holds. Arithmetic gives another `_Observed`; a comparison (or `bool`,
    `max`, `min`) records a guard; a conversion to a plain number (`float`, `int`, `round`, `math.*`)
    records a guard that the number stays the same, since the tracer cannot follow it further.
    """

    __slots__ = ("value", "text", "nodes", "recording")

    def __init__(self, value: float, text: str, nodes: frozenset, recording: _Recording) -> None:
        self.value, self.text, self.nodes, self.recording = value, text, nodes, recording

    def _operand(self, other: Any) -> tuple[Any, str, frozenset] | None:
        if isinstance(other, _Observed):
            return other.value, other.text, other.nodes
        if isinstance(other, numbers.Real):
            return other, _literal(other), frozenset()
        return None

    def _arithmetic(self, other: Any, symbol: str, apply: Callable, reflected: bool = False) -> Any:
        operand = self._operand(other)
        if operand is None:
            return NotImplemented
        value, text, nodes = operand
        if reflected:
            result, expression = apply(value, self.value), f"({text} {symbol} {self.text})"
        else:
            result, expression = apply(self.value, value), f"({self.text} {symbol} {text})"
        return _Observed(result, expression, self.nodes | nodes, self.recording)

    def _compare(self, other: Any, symbol: str, apply: Callable) -> Any:
        operand = self._operand(other)
        if operand is None:
            return NotImplemented
        value, text, nodes = operand
        result = bool(apply(self.value, value))
        self.recording.guard(f"{self.text} {symbol} {text}", result, self.nodes | nodes, "comparison")
        return result

    def _kept(self, function: str, result: Any) -> Any:
        """`result`, a plain number made from this one; the replay checks `function(text)` still gives it."""
        self.recording.guard(f"{function}({self.text}) == {_literal(result)}", True, self.nodes, "conversion")
        return result

    def __add__(self, other: Any) -> Any:
        return self._arithmetic(other, "+", operator.add)

    def __radd__(self, other: Any) -> Any:
        return self._arithmetic(other, "+", operator.add, reflected=True)

    def __sub__(self, other: Any) -> Any:
        return self._arithmetic(other, "-", operator.sub)

    def __rsub__(self, other: Any) -> Any:
        return self._arithmetic(other, "-", operator.sub, reflected=True)

    def __mul__(self, other: Any) -> Any:
        return self._arithmetic(other, "*", operator.mul)

    def __rmul__(self, other: Any) -> Any:
        return self._arithmetic(other, "*", operator.mul, reflected=True)

    def __truediv__(self, other: Any) -> Any:
        return self._arithmetic(other, "/", operator.truediv)

    def __rtruediv__(self, other: Any) -> Any:
        return self._arithmetic(other, "/", operator.truediv, reflected=True)

    def __floordiv__(self, other: Any) -> Any:
        return self._arithmetic(other, "//", operator.floordiv)

    def __rfloordiv__(self, other: Any) -> Any:
        return self._arithmetic(other, "//", operator.floordiv, reflected=True)

    def __mod__(self, other: Any) -> Any:
        return self._arithmetic(other, "%", operator.mod)

    def __rmod__(self, other: Any) -> Any:
        return self._arithmetic(other, "%", operator.mod, reflected=True)

    def __pow__(self, other: Any) -> Any:
        return self._arithmetic(other, "**", operator.pow)

    def __rpow__(self, other: Any) -> Any:
        return self._arithmetic(other, "**", operator.pow, reflected=True)

    def __neg__(self) -> _Observed:
        return _Observed(-self.value, f"(-{self.text})", self.nodes, self.recording)

    def __pos__(self) -> _Observed:
        return self

    def __abs__(self) -> _Observed:
        return _Observed(abs(self.value), f"abs({self.text})", self.nodes, self.recording)

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, "<", operator.lt)

    def __le__(self, other: Any) -> Any:
        return self._compare(other, "<=", operator.le)

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, ">", operator.gt)

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, ">=", operator.ge)

    def __eq__(self, other: object) -> Any:
        return self._compare(other, "==", operator.eq)

    def __ne__(self, other: object) -> Any:
        return self._compare(other, "!=", operator.ne)

    def __bool__(self) -> bool:
        result = bool(self.value)
        self.recording.guard(f"bool({self.text})", result, self.nodes, "comparison")
        return result

    def __float__(self) -> float:
        return self._kept("float", float(self.value))

    def __int__(self) -> int:
        return self._kept("int", int(self.value))

    def __round__(self, ndigits: int | None = None) -> Any:
        if ndigits is None:
            return self._kept("round", round(self.value))
        result = round(self.value, ndigits)
        self.recording.guard(f"round({self.text}, {ndigits!r}) == {_literal(result)}", True, self.nodes, "conversion")
        return result

    def __trunc__(self) -> int:
        return self._kept("math.trunc", math.trunc(self.value))

    def __floor__(self) -> int:
        return self._kept("math.floor", math.floor(self.value))

    def __ceil__(self) -> int:
        return self._kept("math.ceil", math.ceil(self.value))

    def __hash__(self) -> int:
        return hash(self._kept("float", float(self.value)))

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __repr__(self) -> str:
        return repr(self.value)


numbers.Real.register(_Observed)  # so `Value(...)`, `constant(...)` and `x ** n` accept it (and convert it)

_ENGINE_GLOBALS = vars(engine)
_OUR_GLOBALS = globals()
_active: list[_Recording] = []  # the recording of the call being traced now (at most one)


class _DataSlot:
    """`Value.data` while `fn` is traced: the engine reads and writes numbers as always; `fn` reads
    `_Observed` numbers, and writing `.data` from `fn` is refused (a replay could not repeat it)."""

    def __init__(self, slot: Any, recording: _Recording) -> None:
        self.slot, self.recording = slot, recording

    def __get__(self, node: Value | None, owner: type | None = None) -> Any:
        if node is None:
            return self
        value = self.slot.__get__(node, owner)
        if sys._getframe(1).f_globals is _ENGINE_GLOBALS:
            return value
        return self.recording.observe(node, value)

    def __set__(self, node: Value, value: float) -> None:
        if sys._getframe(1).f_globals is not _ENGINE_GLOBALS:
            raise ValueError(f"trace: fn sets .data of a Value ({node.label or 'unlabelled'}) while it is traced; "
                             "a replay cannot repeat that. Compute new Values instead")  # fmt: skip
        self.slot.__set__(node, value)
        self.recording.created[id(node)] = node


class _GradSlot:
    """`Value.grad` while `fn` is traced: `fn` may not read it (a gradient is a number from outside the graph)."""

    def __init__(self, slot: Any) -> None:
        self.slot = slot

    def __get__(self, node: Value | None, owner: type | None = None) -> Any:
        if node is None:
            return self
        if sys._getframe(1).f_globals is not _ENGINE_GLOBALS:
            raise ValueError("trace: fn reads .grad while it is traced; a replay cannot recompute that number. "
                             "Use autograd.grad(..., create_graph=True) inside fn, whose result is part of the graph")
        return self.slot.__get__(node, owner)

    def __set__(self, node: Value, value: float) -> None:
        self.slot.__set__(node, value)


@contextlib.contextmanager
def _recorded(recording: _Recording) -> Iterator[None]:
    """Patch `Value` (and the engine's `constant`) so that the call inside sees `recording`, then undo it."""
    if _active:
        raise RuntimeError("trace: a traced function called trace() itself; trace the outer function once")
    names = ("data", "grad", "__lt__", "__le__", "__gt__", "__ge__", "copy")
    saved = {name: Value.__dict__[name] for name in names}
    saved_call = type(Value).__call__  # `Value(data, label)` is the class call of Value's type
    saved_constant = engine.constant
    data_slot = saved["data"]

    def observed(x: Any) -> Any:
        return recording.observe(x, data_slot.__get__(x, Value)) if isinstance(x, Value) else x

    def comparison(symbol: str) -> Callable:
        method = getattr(_Observed, symbol)

        def compare(node: Value, other: Any) -> Any:
            return method(observed(node), observed(other))

        return compare

    def new_leaf(cls: type, data: Any, label: str = "") -> Value:
        if isinstance(data, _Observed):
            leaf = saved_call(cls, data.value, label)
            recording.derived[id(leaf)] = data
            return leaf
        return saved_call(cls, data, label)

    def copy(node: Value) -> Value:
        leaf = saved["copy"](node)
        recording.derived[id(leaf)] = observed(node)
        return leaf

    def constant(x: Any) -> Value:
        if isinstance(x, _Observed):
            leaf = saved_constant(x.value)
            recording.derived[id(leaf)] = x
            return leaf
        return saved_constant(x)

    patches = {"data": _DataSlot(data_slot, recording), "grad": _GradSlot(saved["grad"]),
               "copy": copy, **{symbol: comparison(symbol) for symbol in ("__lt__", "__le__", "__gt__", "__ge__")}}
    _active.append(recording)
    try:
        for name, patch in patches.items():
            setattr(Value, name, patch)
        type(Value).__call__ = new_leaf
        engine.constant = constant
        yield
    finally:
        engine.constant = saved_constant
        type(Value).__call__ = saved_call
        for name, original in saved.items():
            setattr(Value, name, original)
        _active.pop()


# Writing the source: the op table's expressions with the variables pasted in. -----------------------


class _Template:
    """One expression of an op (forward, or the local derivative for one parent) with holes for the
    parents' variables (`{0}`, `{1}`) and the node's own (`{out}`); parameters are pasted as numbers."""

    __slots__ = ("text", "atomic", "constant")

    def __init__(self, expression: str, op: Op) -> None:
        names = {name: f"__{k}__" for k, name in enumerate(op.input_names())}
        names["out"] = "__out__"
        tree = ast.parse(expression, mode="eval")

        class Paste(ast.NodeTransformer):
            def visit_Name(self, node: ast.Name) -> ast.AST:
                if node.id in op.params:
                    value = op.params[node.id]
                    number = ast.Constant(abs(value))
                    return ast.UnaryOp(ast.USub(), number) if value < 0 else number
                if node.id in names:
                    return ast.Name(names[node.id], ast.Load())
                return node

        body = Paste().visit(tree).body
        self.atomic = isinstance(body, (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript))
        self.constant: float | None = None
        if isinstance(body, ast.Constant) and isinstance(body.value, float):
            self.constant = body.value
        elif isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.USub) and isinstance(body.operand, ast.Constant):
            self.constant = -body.operand.value
        text = ast.unparse(body).replace("{", "{{").replace("}", "}}").replace("__out__", "{out}")
        for k in range(len(op.input_names())):
            text = text.replace(f"__{k}__", f"{{{k}}}")
        self.text = text

    def fill(self, parents: Sequence[str], out: str) -> str:
        return self.text.format(*parents, out=out)


_templates: dict[tuple, _Template] = {}  # (op.key, expression) -> its template (Ops compare as str)


def _template(op: Op, expression: str) -> _Template:
    template = _templates.get((op.key, expression))
    if template is None:
        template = _templates[op.key, expression] = _Template(expression, op)
    return template


class _Symbol:
    """A variable of the generated code inside an n-ary op's expression, evaluated symbolically: the
    table's `dot(xs)` run on symbols writes `v1 * v2 + v3 * v4 + v5`, the sum Python would compute."""

    __slots__ = ("text", "precedence", "depth")
    ATOM, UNARY, PRODUCT, SUM = 4, 3, 2, 1
    DEEPEST = 500  # operators nested in one expression; Python's compiler recurses on each level

    def __init__(self, text: str, precedence: int = ATOM, depth: int = 0) -> None:
        if depth > self.DEEPEST:
            raise ValueError(f"an expression {depth} operators deep is too deep to compile")
        self.text, self.precedence, self.depth = text, precedence, depth

    def _inside(self, precedence: int, right: bool) -> str:
        tight = self.precedence > precedence or (self.precedence == precedence and not right)
        return self.text if tight else f"({self.text})"

    def _binary(self, other: Any, symbol: str, precedence: int, reflected: bool = False) -> Any:
        if not isinstance(other, _Symbol):
            if not isinstance(other, (int, float)) or isinstance(other, bool):
                return NotImplemented
            other = _Symbol(_literal(other))
        left, right = (other, self) if reflected else (self, other)
        text = f"{left._inside(precedence, False)} {symbol} {right._inside(precedence, True)}"
        return _Symbol(text, precedence, 1 + max(left.depth, right.depth))

    def __add__(self, other: Any) -> Any:
        return self._binary(other, "+", self.SUM)

    def __radd__(self, other: Any) -> Any:
        if other.__class__ is int and other == 0:  # sum() starts from 0
            return self
        return self._binary(other, "+", self.SUM, reflected=True)

    def __sub__(self, other: Any) -> Any:
        return self._binary(other, "-", self.SUM)

    def __rsub__(self, other: Any) -> Any:
        return self._binary(other, "-", self.SUM, reflected=True)

    def __mul__(self, other: Any) -> Any:
        return self._binary(other, "*", self.PRODUCT)

    def __rmul__(self, other: Any) -> Any:
        return self._binary(other, "*", self.PRODUCT, reflected=True)

    def __truediv__(self, other: Any) -> Any:
        return self._binary(other, "/", self.PRODUCT)

    def __neg__(self) -> _Symbol:
        return _Symbol(f"-{self._inside(self.UNARY, True)}", self.UNARY, self.depth + 1)


_expressions: dict[str, Any] = {}  # an n-ary op's expression -> its compiled code


def _expression(source: str) -> Any:
    code = _expressions.get(source)
    if code is None:
        code = _expressions[source] = compile(source, "<op table>", "eval")
    return code


_SYMBOLIC_FAILURES = (TypeError, ValueError, ArithmeticError, AttributeError, IndexError, KeyError)


def _symbolic(op: Op, parents: Sequence[str], out: str) -> tuple[str, list[str]] | None:
    """An n-ary op's forward and per-parent local expressions over the variable names, or None when its
    table expressions cannot run on symbols (then the generated code calls the op's compiled functions)."""
    symbols = tuple(_Symbol(name) for name in parents)
    names = {**FLOAT_FUNCTIONS, **op.params}
    try:
        forward = eval(_expression(op.forward_source), names, {"xs": symbols})  # noqa: S307 (the op table's own)
        local = eval(_expression(op.local_source[0]), names, {"xs": symbols, "out": _Symbol(out)})  # noqa: S307
    except _SYMBOLIC_FAILURES:
        return None
    parts = (forward, *local) if isinstance(local, tuple) else ()
    if len(parts) != len(parents) + 1 or not all(isinstance(p, (_Symbol, float, int)) for p in parts):
        return None
    return tuple(p.text if isinstance(p, _Symbol) else _literal(p) for p in parts)


def _depth_first(roots: Sequence[Value], parents_of: Callable[[Value], Sequence[Value]]) -> list[Value]:
    """`topological_order` over several roots (one after the other) with `parents_of` giving the edges."""
    order: list[Value] = []
    visited: set[Value] = set()
    place = object()
    for root in roots:
        stack: list = [root]
        while stack:
            node = stack.pop()
            if node is place:
                order.append(stack.pop())
            elif node not in visited:
                visited.add(node)
                stack += (node, place)
                stack += [parent for parent in reversed(parents_of(node)) if parent not in visited]
    return order


def _who(node: Value) -> str:
    """How a message names a node: its op, label and scope."""
    what = f"the {node.op.name} node" if node.op.name else "the leaf"  # an input, a parameter or a constant
    label = f" {node.label!r}" if node.label else ""
    where = f" in scope {node.scope!r}" if node.scope else ""
    return f"{what}{label}{where}"


class _Writer:
    """Turns one recorded call into the source of `replay(inputs, captured)` and what its messages need."""

    def __init__(self, name: str, inputs: list[Value], outputs: list[Value], recording: _Recording) -> None:
        self.recording = recording
        created, derived = recording.created, recording.derived
        input_index = {id(node): k for k, node in enumerate(inputs)}
        self.inputs = inputs

        # The nodes fn made with an op: the graph continues through them (not through inputs or older Values).
        op_nodes = {key for key, node in created.items() if key not in input_index and node.parents}

        def is_op(node: Value) -> bool:
            return id(node) in op_nodes

        def op_parents(node: Value) -> tuple:
            return node.parents if is_op(node) else ()

        def forward_parents(node: Value) -> Sequence[Value]:
            number = derived.get(id(node))
            return [recording.read[k] for k in sorted(number.nodes)] if number is not None else op_parents(node)

        self.backward_order = _depth_first(outputs, op_parents)
        guard_nodes = [recording.read[k] for guard in recording.guards for k in guard.nodes]
        self.forward_order = _depth_first([*outputs, *guard_nodes], forward_parents)

        # Names: inputs x0.., numbers of Values fn did not make c0.., computed nodes v0.., constants as numbers.
        self.names: dict[int, str] = {}
        self.captured: list[Value] = []
        self.needs_grad: set[int] = set()
        counter = itertools.count()
        for node in self.forward_order:
            key = id(node)
            if key in input_index:
                self.names[key] = f"x{input_index[key]}"
                self.needs_grad.add(key)
            elif key not in created:
                self._check_captured(node, input_index)
                self.names[key] = f"c{len(self.captured)}"
                self.captured.append(node)
            elif key in derived or node.parents:
                self.names[key] = f"v{next(counter)}"
                if node.parents and any(id(p) in self.needs_grad for p in node.parents):
                    self.needs_grad.add(key)
            else:
                self.names[key] = _literal(node.data)
        self.is_op = is_op
        self.outputs = outputs
        self.lines: list[str] = []
        self.line_nodes: dict[int, Value] = {}  # line number -> the node whose op that line computes
        self.operators: dict[str, Op] = {}  # names of ops whose compiled functions the code calls
        self.symbolic: dict[int, tuple | None] = {}  # id(node) -> an n-ary node's expressions, from its forward line
        self.name = name

    def _check_captured(self, node: Value, input_index: dict[int, int]) -> None:
        if node.parents:
            for ancestor in engine.topological_order(node):
                if id(ancestor) in input_index:
                    raise ValueError(
                        f"trace: fn uses {_who(node)}, which was computed before the call from input "
                        f"{input_index[id(ancestor)]}; a replay cannot recompute it. Compute it inside fn")

    def emit(self, code: str, comment: str = "", node: Value | None = None) -> None:
        line = f"    {code}"
        if comment:
            line = f"{line:<48}  # {comment}"
        self.lines.append(line)
        if node is not None:
            self.line_nodes[len(self.lines)] = node

    def placeholder_names(self) -> dict[str, str]:
        return {f"n{k}": self.names[id(node)] for k, node in enumerate(self.recording.read)}

    def source(self) -> str:
        names = self.names
        guards_at: dict[int, list[int]] = {}
        position = {id(node): k for k, node in enumerate(self.forward_order)}
        for g, guard in enumerate(self.recording.guards):
            last = max(position[id(self.recording.read[k])] for k in guard.nodes)
            guards_at.setdefault(last, []).append(g)
        placeholders = self.placeholder_names()
        forward_nodes = [n for n in self.forward_order if self.is_op(n) or id(n) in self.recording.derived]
        self.node_count = len(forward_nodes)
        header = [
            f"# {self.name}, traced by autograd.trace: {_count(len(forward_nodes), 'computed node')}, "
            f"{_count(len(self.inputs), 'input')}, {_count(len(self.recording.guards), 'guard')}.",
            "# Written from the op table. Forward: each line is its op's forward expression. Backward: each line",
            "# adds upstream * local (the op's local derivative) to a parent's gradient g_<name>, in the order",
            "# backward() adds them. x0.. are the inputs, c0.. the numbers of Values fn did not create (read at",
            "# each replay), v0.. the computed nodes; constants are written as numbers.",
            "def replay(inputs, captured):",
        ]
        self.lines = []
        self._unpack("x", len(self.inputs), "inputs")
        labels = [f"x{k} {node.label!r}" for k, node in enumerate(self.inputs) if node.label not in ("", f"x{k}")]
        line = ""
        for label in labels:  # the given labels, as comment lines of about 100 characters
            if len(line) + len(label) > 96:
                self.emit(f"# {line}")
                line = ""
            line += f"{', ' if line else ''}{label}"
        if line:
            self.emit(f"# {line}")
        self._unpack("c", len(self.captured), "captured")
        for k, node in enumerate(self.captured):
            self.emit(f"# c{k} is {_who(node)}, read at each replay")
        self.emit("# forward: one line per node, parents first")
        for k, node in enumerate(self.forward_order):
            key = id(node)
            number = self.recording.derived.get(key)
            if number is not None:
                self.emit(f"{names[key]} = {number.text.format_map(placeholders)}",
                          "a constant fn made from .data: recomputed")  # fmt: skip
            elif self.is_op(node):
                self._forward_line(node)
            for g in guards_at.get(k, ()):
                guard = self.recording.guards[g]
                test = guard.test.format_map(placeholders)
                self.emit(f"if {'not ' if guard.expected else ''}({test}):", f"guard {g}: {guard.where}")
                self.emit(f"    guard_failed({g}, locals())")
        computed = [names[id(n)] for n in forward_nodes]
        if computed:
            self.emit(f"check = sum(({', '.join(computed)},))", "inf or nan anywhere makes the sum inf or nan")
            self.emit("if check - check:")
            self.emit("    forward_not_finite(locals())")
        outputs = ", ".join(names[id(node)] for node in self.outputs)
        self.emit(f"seeds = yield ({outputs},)", "the outputs; the caller sends d(result)/d(output) for each")
        self.emit("# backward: the chain rule, one line per edge, output first")
        # How many contributions each gradient receives: a gradient that is one copy of its child's
        # (an add's local derivative is 1) needs no variable of its own, it is the child's.
        self.incoming: dict[int, int] = {}
        for node in self.outputs:
            self.incoming[id(node)] = self.incoming.get(id(node), 0) + 1
        for node in self.backward_order:
            if self.is_op(node) and id(node) in self.needs_grad:
                for parent in node.parents:
                    self.incoming[id(parent)] = self.incoming.get(id(parent), 0) + 1
        self.gradient_names: dict[int, str] = {}
        assigned: set[str] = set()
        for k, node in enumerate(self.outputs):
            if id(node) in self.needs_grad:
                gradient = self.gradient_names.setdefault(id(node), f"g_{names[id(node)]}")
                self.emit(f"{gradient} {'+=' if gradient in assigned else '='} seeds[{k}]")
                assigned.add(gradient)
        for node in reversed(self.backward_order):
            if self.is_op(node) and id(node) in self.needs_grad:
                self._backward_lines(node, assigned)
        if assigned:
            self.emit(f"check = sum(({', '.join(sorted(assigned))},))")
            self.emit("if check - check:")
            self.emit("    gradient_not_finite(locals())")
        gradients = ", ".join(self.gradient_names.get(id(node), "0.0") for node in self.inputs)
        self.emit(f"return ({gradients},)")
        self.line_nodes = {line + len(header): node for line, node in self.line_nodes.items()}
        return "\n".join(header + self.lines) + "\n"

    def _unpack(self, prefix: str, count: int, sequence: str) -> None:
        """`(x0, x1, ...) = inputs`, eight names a line."""
        names = [f"{prefix}{k}" for k in range(count)]
        if not names:
            return
        rows = [", ".join(names[k : k + 8]) for k in range(0, count, 8)]
        self.emit(f"({rows[0]},")
        self.lines += [f"     {row}," for row in rows[1:]]
        self.lines[-1] += f") = {sequence}"

    def _parent_names(self, node: Value) -> list[str]:
        return [self.names[id(p)] for p in node.parents]

    def _operator(self, op: Op) -> str:
        name = f"op{len(self.operators)}"
        for known, other in self.operators.items():
            if other is op:
                return known
        self.operators[name] = op
        return name

    def _forward_line(self, node: Value) -> None:
        op, out, parents = node.op, self.names[id(node)], self._parent_names(node)
        comment = f"{op.name}{f' ({op.params_text})' if op.params else ''}"
        comment += f" {node.label!r}" if node.label else ""
        comment += f" [{node.scope}]" if node.scope else ""
        if op.arity == 0:
            symbolic = self.symbolic[id(node)] = _symbolic(op, parents, out)
            code = symbolic[0] if symbolic else f"{self._operator(op)}.forward({', '.join(parents)})"
        else:
            if op.domain:
                domain = _template(op, op.domain).fill(parents, out)
                self.emit(f"if not ({domain}):", f"{op.name} is defined for {op.domain}", node)
                self.emit("    raise ValueError", "", node)
            code = _template(op, op.forward_source).fill(parents, out)
        self.emit(f"{out} = {code}", comment, node)

    def _backward_lines(self, node: Value, assigned: set[str]) -> None:
        op, out, parents = node.op, self.names[id(node)], self._parent_names(node)
        upstream = self.gradient_names[id(node)]
        label = f" {node.label!r}" if node.label else ""
        self.emit(f"# {out} = {op.name}{label}: {op.formula}")
        if op.arity == 0:
            symbolic = self.symbolic[id(node)]
            if symbolic:
                locals_ = [(text, _constant_of(text)) for text in symbolic[1:]]
            else:
                self.emit(f"l_{out} = {self._operator(op)}.local({', '.join((*parents, out))})", "", node)
                locals_ = [(f"l_{out}[{k}]", None) for k in range(len(parents))]
        else:
            locals_ = []
            for expression in op.local_source:
                template = _template(op, expression)
                text = template.fill(parents, out)
                locals_.append((text if template.atomic else f"({text})", template.constant))
        for parent, (local, constant) in zip(node.parents, locals_):
            if id(parent) not in self.needs_grad:
                continue
            if constant == 1.0 and self.incoming[id(parent)] == 1:
                self.gradient_names[id(parent)] = upstream
                self.emit(f"# g_{self.names[id(parent)]} is {upstream} (local derivative 1, its only contribution)")
                continue
            gradient = self.gradient_names.setdefault(id(parent), f"g_{self.names[id(parent)]}")
            if constant == 1.0:
                contribution = upstream
            elif constant == -1.0:
                contribution = f"-{upstream}"
            else:
                contribution = f"{upstream} * {local}"
            self.emit(f"{gradient} {'+=' if gradient in assigned else '='} {contribution}", "", node)
            assigned.add(gradient)


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _constant_of(text: str) -> float | None:
    try:
        return float(text.strip("()"))
    except ValueError:
        return None


# The traced function. -----------------------------------------------------------------------------

_serial = itertools.count(1)


class Traced:
    """A function traced by `trace`: call it like `fn` with numbers, get the output and the gradients.

    `traced(*inputs)` returns `(output, gradients)`: the output as a float (nested lists of floats if
    `fn` returned a list), and d(output)/d(input) shaped like the inputs (for a list output, the
    gradients of the outputs' sum). `forward(*inputs)` returns `(output, backward)` instead, where
    `backward(seeds)` takes d(result)/d(output) for each output and returns the gradients: the
    chain rule through a loss computed outside. `source` is the generated Python; `guards` lists
    the decisions that a replay re-checks.
    """

    def __init__(self, fn: Callable, writer: _Writer, input_shape: tuple, output_shape: Any) -> None:
        self.fn = fn
        self._input_shape, self._output_shape = input_shape, output_shape
        self._captured = writer.captured
        self.source: str = writer.source()
        self._writer = writer
        self._line_nodes = writer.line_nodes
        self._filename = f"<autograd.trace {next(_serial)}: {writer.name}>"
        self._outputs = len(writer.outputs)
        namespace: dict[str, Any] = {
            **FLOAT_FUNCTIONS, **writer.operators, "math": math, "guard_failed": self._guard_failed,
            "forward_not_finite": self._forward_not_finite, "gradient_not_finite": self._gradient_not_finite,
        }  # fmt: skip
        try:
            code = compile(self.source, self._filename, "exec")
        except (RecursionError, SyntaxError, MemoryError) as error:
            raise ValueError(f"trace: the generated code of {writer.name} is too deeply nested to compile ({error}); "
                             "numbers from .data combined in a long loop make one long expression") from None
        exec(code, namespace)  # noqa: S102 (our own generated code)
        self._replay = namespace["replay"]
        linecache.cache[self._filename] = (len(self.source), None, self.source.splitlines(True), self._filename)
        weakref.finalize(self, linecache.cache.pop, self._filename, None)
        self.guards: list[str] = [
            f"{guard.test.format_map(writer.placeholder_names())} is {guard.expected} ({guard.where})"
            for guard in writer.recording.guards
        ]

    def __repr__(self) -> str:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        return f"Traced({name}, {_count(self._writer.node_count, 'node')}, {_count(len(self.guards), 'guard')})"

    def _start(self, inputs: tuple) -> tuple[Any, Any]:
        flat: list = []
        if len(inputs) != len(self._input_shape):
            raise GraphChanged(
                f"the traced function takes {len(self._input_shape)} inputs, like its example "
                f"({', '.join(map(_describe_shape, self._input_shape))}); got {len(inputs)}")  # fmt: skip
        _flatten(inputs, self._input_shape, flat, "input")
        numbers_ = _numbers(flat, "input")
        replay = self._replay(numbers_, [node.data for node in self._captured])
        try:
            outputs = replay.send(None)
        except (ArithmeticError, ValueError) as error:
            raise self._located(error) from None
        return outputs, replay

    def _finish(self, replay: Any, seeds: Sequence[float]) -> list:
        """Send the seeds into the paused replay; its backward half returns the gradients (as StopIteration)."""
        try:
            replay.send(seeds)
        except StopIteration as stop:
            gradients = stop.value
        except (ArithmeticError, ValueError) as error:
            raise self._located(error) from None
        return _unflatten(gradients, self._input_shape)

    def _shaped(self, outputs: tuple) -> Any:
        return outputs[0] if self._output_shape is None else _unflatten(outputs, self._output_shape)

    def __call__(self, *inputs: Any) -> tuple[Any, list]:
        outputs, replay = self._start(inputs)
        return self._shaped(outputs), self._finish(replay, (1.0,) * self._outputs)

    def forward(self, *inputs: Any) -> tuple[Any, Callable[[Any], list]]:
        """The outputs for `inputs`, and `backward(seeds)` giving the gradients for seeds d(result)/d(output)
        (a number for one output, else lists shaped like the outputs). `backward` runs once."""
        outputs, replay = self._start(inputs)

        def backward(seeds: Any) -> list:
            if replay.gi_frame is None:
                raise RuntimeError("this backward already ran; call forward() again for another")
            flat: list = []
            if self._output_shape is None:
                flat.append(seeds)
            else:
                _flatten(seeds if isinstance(seeds, (list, tuple)) else [seeds], self._output_shape, flat, "seeds")
            return self._finish(replay, _numbers(flat, "seed"))

        return self._shaped(outputs), backward

    # Messages: what went wrong, in terms of the traced graph's nodes.
    def _value_of(self, name: str, values: dict) -> float:
        return values[name] if name in values else float(name.strip("()"))

    def _located(self, error: Exception) -> Exception:
        """`error` raised by an op's line of the generated code, its message naming the op, inputs and labels."""
        tb, line, frame = error.__traceback__, None, None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self._filename:
                line, frame = tb.tb_lineno, tb.tb_frame
            tb = tb.tb_next
        node = self._line_nodes.get(line)
        if node is None or frame is None:
            return error
        inputs = tuple(self._value_of(self._writer.names[id(p)], frame.f_locals) for p in node.parents)
        labels = ", ".join(repr(p.label) for p in node.parents if p.label) or "unlabelled"
        words = node.op.explain(error, inputs) if node.op.arity else str(error)
        return type(error)(f"{node.op.name}: {words} (input {', '.join(map(str, inputs))}; {labels}; "
                           f"replaying {_who(node)}, line {line} of the traced source)")  # fmt: skip

    def _guard_failed(self, index: int, values: dict) -> None:
        guard = self._writer.recording.guards[index]
        nodes = [self._writer.recording.read[k] for k in guard.nodes]
        now = "; ".join(
            f"{self._writer.names[id(node)]} = {self._value_of(self._writer.names[id(node)], values)} now, "
            f"{node.data} when traced ({_who(node)})" for node in nodes
        )
        test = guard.test.format_map(self._writer.placeholder_names())
        if guard.kind == "comparison":
            why = ("fn's Python control flow (an if, max(), min(), a loop) depends on this comparison, "
                   "so its graph would differ")  # fmt: skip
            advice = "trace again for these inputs, or keep the choice inside an op (relu, abs as z - 2*relu(z))"
        else:
            why = ("fn turned a number from .data into a plain number (float(), int(), round(), math.*, "
                   "Value - number, x ** number), which the tracer cannot follow")  # fmt: skip
            advice = "keep the computation in Value ops (v.exp() rather than math.exp(v.data))"
        raise GraphChanged(
            f"these inputs change the traced graph: at {guard.where}, `{test}` was {guard.expected} when traced "
            f"and is {not guard.expected} now ({now}). {why}; {advice}")  # fmt: skip

    def _forward_not_finite(self, values: dict) -> None:
        for node in self._writer.forward_order:
            name = self._writer.names[id(node)]
            if name.startswith("v") and not math.isfinite(values[name]):
                inputs = ", ".join(str(self._value_of(self._writer.names[id(p)], values)) for p in node.parents)
                raise OverflowError(f"{node.op.name or 'constant'}: the result {values[name]} is not a finite float "
                                    f"(input {inputs}; replaying {_who(node)})")  # fmt: skip

    def _gradient_not_finite(self, values: dict) -> None:
        for node in reversed(self._writer.forward_order):
            gradient = self._writer.gradient_names.get(id(node))
            if gradient in values and not math.isfinite(values[gradient]):
                raise ArithmeticError(
                    f"the gradient reaching {_who(node)} is {values[gradient]}, not a finite number (at the replay "
                    "of a traced function). A local derivative overflowed; rescale the inputs or use a fused op "
                    "(sigmoid, log_softmax)")  # fmt: skip


def trace(fn: Callable[..., Any], example_inputs: Sequence[Any]) -> Traced:
    """Call `fn(*example_inputs)` once on Values, and return a `Traced` that replays its forward and
    backward on new numbers without building `Value`s, from straight-line Python (`Traced.source`).

    Items of `example_inputs` are numbers, leaf `Value`s (used as that input itself) or lists of them;
    `fn` returns a `Value` or a list of them. A replay whose graph would differ raises `GraphChanged`,
    a ValueError saying which decision changed (see the module's docstring for what is seen).

    >>> traced = trace(lambda a, b: a * b + a, [2.0, 3.0])
    >>> traced(1.0, 5.0)
    (6.0, [6.0, 1.0])
    """
    if not isinstance(example_inputs, (list, tuple)):
        raise TypeError(f"trace: example_inputs must be a list of the inputs, got {type(example_inputs).__name__}")
    input_shape = tuple(map(_shape_of, example_inputs))
    flat: list = []
    _flatten(example_inputs, input_shape, flat, "example_inputs")
    inputs = []
    for k, item in enumerate(flat):
        if isinstance(item, Value):
            if item.parents:
                raise ValueError(f"trace: example input {k} is {_who(item)}; pass leaves (inputs or parameters)")
            if any(item is other for other in inputs):
                raise ValueError(f"trace: example input {k} ({_who(item)}) is given twice")
            inputs.append(item)
        else:
            inputs.append(Value(item, label=f"x{k}"))
    arguments = _unflatten(inputs, input_shape)
    recording = _Recording()
    with _recorded(recording):
        result = fn(*arguments)
    output_shape = None if isinstance(result, Value) else _shape_of(result)
    output_shape = (None,) * output_shape if output_shape.__class__ is int else output_shape
    outputs: list = []
    if output_shape is None:
        outputs.append(result)
    else:
        _flatten(result, output_shape, outputs, "fn's result")
    if not outputs or not all(isinstance(o, Value) for o in outputs):
        raise TypeError(f"trace: fn must return a Value or a non-empty list of Values, got {result!r}")
    name = getattr(fn, "__qualname__", type(fn).__name__)
    return Traced(fn, _Writer(name, inputs, outputs, recording), input_shape, output_shape)
