"""Any scalar-autograd graph as one neutral shape that the diagrams draw.

`draw()` accepts Backprop Lab's `Value` and the nodes of other small engines by what they
have, not by their class (duck typing):

- a number `data` and a gradient `grad` (micrograd's ints are fine);
- the parents, as `parents` (Backprop Lab, the exercises' mini engine), `_children`
  (microgpt) or `_prev` (micrograd, a set);
- optionally the op: Backprop Lab's `Op` (its table symbol), an op name of the table as a
  string (the mini engine's `"mul"` is drawn as `*`), or micrograd's `_op` string as it is;
- optionally the local derivatives d(node)/d(parent): `local` (Backprop Lab) or
  `_local_grads` (microgpt), so a step can show `upstream × local = contribution`;
- optionally `label` and `scope`.

Nodes are numbered by their position `k` in a topological order (parents before children,
the output last): for a Backprop Lab graph exactly `autograd.topological_order(output)`.
micrograd keeps its parents in a set, whose order changes from run to run; those are put in
an order computed from their contents, so the same graph is drawn the same way every time.
"""

from __future__ import annotations

import hashlib
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from autograd.engine import Value, topological_order
from autograd.ops import OPS, Op
from autograd.steps import steps


@dataclass(frozen=True, eq=False)
class Node:
    """One node of a graph, whatever engine made it.

    `k` is its position in the topological order; `parents` are the parents' positions, in
    argument order; `local[i]` is d(node)/d(parents[i]) when the engine caches it, else None;
    `grad` is None when the engine says it has none yet.
    """

    k: int
    label: str
    data: float
    grad: float | None
    op: str
    symbol: str
    parents: tuple[int, ...]
    local: tuple[float, ...] | None
    scope: str
    source: object


@dataclass(frozen=True, eq=False)
class StepNumbers:
    """The chain rule at node `k`: its `upstream` d(output)/d(node), its locals and its parents' contributions."""

    k: int
    upstream: float
    local: tuple[float, ...]
    contributions: tuple[float, ...]


class Graph:
    """The nodes of `output`'s graph in topological order (the output last)."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self._by_id = {id(node.source): node for node in nodes}

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def output(self) -> Node:
        """The node the graph was built from."""
        return self.nodes[-1]

    def find(self, obj: object) -> Node | None:
        """The node made from the engine's object `obj`, or None if it is not in this graph."""
        return self._by_id.get(id(obj))

    def steps(self) -> list[StepNumbers] | None:
        """The backward pass, one entry per non-leaf node in the order backward visits them (output first).

        For a Backprop Lab graph these are `autograd.steps`' numbers; for another engine they are
        computed the same way from its cached local derivatives. None if the engine caches none, or
        if a gradient is not finite (the engine raises; the picture then shows the nodes' `.grad`).
        """
        if isinstance(self.output.source, Value):
            try:
                all_steps = steps(self.output.source)
            except ArithmeticError:
                return None
            return [StepNumbers(self.find(s.node).k, s.upstream, s.local, s.contributions) for s in all_steps]
        if any(node.parents and node.local is None for node in self.nodes):
            return None
        upstream = [0.0] * len(self.nodes)
        upstream[-1] = 1.0
        result = []
        for node in reversed(self.nodes):
            if not node.parents:
                continue
            up = upstream[node.k]
            contributions = tuple(up * x for x in node.local)
            for parent, c in zip(node.parents, contributions):
                upstream[parent] += c
            result.append(StepNumbers(node.k, up, node.local, contributions))
        return result


def graph_of(output: object) -> Graph:
    """The neutral graph of `output`: a Backprop Lab `Value` or any micrograd-like node (see the module doc)."""
    if isinstance(output, Value):
        order: list = topological_order(output)
        parents_of = _value_parents
    else:
        _check_node(output)
        parents_of = _parents_function(output)
        order = _topological_order(output, parents_of)
    index = {id(obj): k for k, obj in enumerate(order)}
    return Graph([_node(k, obj, tuple(index[id(p)] for p in parents_of(obj))) for k, obj in enumerate(order)])


def _value_parents(node: Value) -> tuple[Value, ...]:
    return node.parents


def _check_node(obj: object) -> None:
    """TypeError naming what is missing when `obj` is not a graph node draw() understands."""
    missing = [name for name in ("data", "grad") if not hasattr(obj, name)]
    if not any(hasattr(obj, name) for name in ("parents", "_children", "_prev")):
        missing.append("parents (or micrograd's _prev, microgpt's _children)")
    if missing:
        raise TypeError(
            f"draw() needs a node of a scalar autograd graph: an object with data, grad and parents; "
            f"{type(obj).__name__} has no {', '.join(missing)}"
        )


def _parents_function(output: object):
    """How to read a node's parents in argument order, decided once from the output's attributes."""
    for name in ("parents", "_children"):
        if hasattr(output, name):
            return lambda node, name=name: tuple(_sequence(getattr(node, name, ()), name, node))
    digests = _digests(output)
    return lambda node: sorted(_sequence(getattr(node, "_prev", ()), "_prev", node), key=lambda p: digests[id(p)])


def _sequence(parents: object, name: str, node: object) -> Iterable:
    if callable(parents) or not isinstance(parents, Iterable):
        raise TypeError(f"draw(): {type(node).__name__}.{name} must be a collection of nodes, got {parents!r}")
    return parents


def _topological_order(root: object, parents_of) -> list:
    """`autograd.topological_order` for another engine's nodes, which are told apart by identity."""
    order: list = []
    placed: set[int] = set()
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, parents_placed = stack.pop()
        if parents_placed:
            order.append(node)
        elif id(node) not in placed:
            placed.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(tuple(parents_of(node))) if id(p) not in placed)
    return order


def _digests(root: object) -> dict[int, bytes]:
    """A fingerprint of each node's contents and of everything below it, for micrograd's parent sets.

    Two parents of one node get different fingerprints unless they look the same all the way
    down, so sorting by fingerprint is an order that does not depend on memory addresses.
    """
    unordered = lambda node: tuple(getattr(node, "_prev", ()))  # noqa: E731 - any order finds every node
    digests: dict[int, bytes] = {}
    for node in _topological_order(root, unordered):
        content = repr((getattr(node, "label", ""), getattr(node, "_op", ""), node.data, node.grad)).encode()
        below = sorted(digests[id(p)] for p in unordered(node))
        digests[id(node)] = hashlib.blake2b(content + b"".join(below), digest_size=16).digest()
    return digests


def _number(obj: object, name: str) -> float | None:
    value = getattr(obj, name)
    if value.__class__ is float:  # the common case, without the slower check against numbers.Real
        return value
    if value is None and name == "grad":  # an engine that has not run backward yet may say so with None
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"draw(): {type(obj).__name__}.{name} must be a real number, got {value!r}")
    return float(value)


def _op_and_symbol(obj: object) -> tuple[str, str]:
    """The op's name and what its circle shows: the table's symbol when the op is in the table."""
    op = getattr(obj, "op", None)
    if isinstance(op, Op):
        return op.name, op.symbol + (f"\n{op.params_text}" if op.params else "")
    if isinstance(op, str) and op:
        return op, OPS[op].symbol if op in OPS else op
    micrograd = getattr(obj, "_op", None)
    if isinstance(micrograd, str):
        return micrograd, micrograd
    return "", ""


def _local(obj: object, arity: int) -> tuple[float, ...] | None:
    """The cached local derivatives, if the engine keeps them as numbers (a method is not called)."""
    for name in ("local", "_local_grads"):
        local = getattr(obj, name, None)
        if not isinstance(local, Sequence) or len(local) != arity:
            continue
        if all(x.__class__ is float for x in local):  # ours: floats already, no check against numbers.Real
            return tuple(local)
        if all(isinstance(x, numbers.Real) for x in local):
            return tuple(float(x) for x in local)
    return None


def _node(k: int, obj: object, parents: tuple[int, ...]) -> Node:
    label = getattr(obj, "label", "")
    scope = getattr(obj, "scope", "")
    op, symbol = _op_and_symbol(obj) if parents else ("", "")
    return Node(
        k=k,
        label=label if isinstance(label, str) else str(label),
        data=_number(obj, "data"),
        grad=_number(obj, "grad"),
        op=op,
        symbol=symbol,
        parents=parents,
        local=_local(obj, len(parents)) if parents else (),
        scope=scope if isinstance(scope, str) else "",
        source=obj,
    )
