"""Exercises 3 and 4: your own autodiff engine.

`Value` is given: a number that remembers the op that made it and its parents, like
Backprop Lab's `autograd.Value`. The forward pass works already. What makes it an
autodiff engine is yours to write:

- Exercise 3, `topological_order(root)`: every node `root` depends on, each once,
  every node after its parents.
- Exercise 4, `backward(root)`: the chain rule, node by node, in reverse of that order.

The local derivative of each node comes from your `derivatives.py`, through
`node.local()`.
"""

from __future__ import annotations

import math

from derivatives import LOCAL


class Value:
    """A number in a computational graph: `data`, `grad`, the `op` that made it, its `parents`.

    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b + 1
    >>> c.data, c.op, c.parents[0].op
    (-5.0, 'add', 'mul')
    """

    def __init__(self, data: float, parents: tuple[Value, ...] = (), op: str = "", label: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.op = op
        self.label = label

    def __repr__(self) -> str:
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g}, op={self.op!r}, label={self.label!r})"

    def local(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, from your `derivatives.LOCAL` table; () for a leaf."""
        if not self.parents:
            return ()
        return LOCAL[self.op](*(parent.data for parent in self.parents), self.data)

    def backward(self) -> None:
        """Backpropagate from this value: see `backward(root)` below."""
        backward(self)

    # The five primitives. A plain number on either side becomes a leaf Value.
    def __add__(self, other: Value | float) -> Value:
        other = _lift(other)
        return Value(self.data + other.data, (self, other), "add")

    def __radd__(self, other: float) -> Value:
        return _lift(other) + self

    def __mul__(self, other: Value | float) -> Value:
        other = _lift(other)
        return Value(self.data * other.data, (self, other), "mul")

    def __rmul__(self, other: float) -> Value:
        return _lift(other) * self

    def __neg__(self) -> Value:
        return Value(-self.data, (self,), "neg")

    def recip(self) -> Value:
        """1/x."""
        return Value(1.0 / self.data, (self,), "recip")

    def exp(self) -> Value:
        """e^x."""
        return Value(math.exp(self.data), (self,), "exp")

    # Built from the primitives: a - b = a + (-b), a / b = a * (1/b), and 1 / b is the single node recip(b).
    def __sub__(self, other: Value | float) -> Value:
        return self + (-_lift(other))

    def __rsub__(self, other: float) -> Value:
        return _lift(other) + (-self)

    def __truediv__(self, other: Value | float) -> Value:
        return self * _lift(other).recip()

    def __rtruediv__(self, other: float) -> Value:
        return self.recip() if other == 1 else _lift(other) * self.recip()

    # Single-node functions.
    def tanh(self) -> Value:
        """tanh(x)."""
        return Value(math.tanh(self.data), (self,), "tanh")

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), computed so that e^x never overflows."""
        x = self.data
        out = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return Value(out, (self,), "sigmoid")

    def log(self) -> Value:
        """Natural logarithm."""
        return Value(math.log(self.data), (self,), "log")

    def relu(self) -> Value:
        """max(0, x)."""
        return Value(max(0.0, self.data), (self,), "relu")


def _lift(x: Value | float) -> Value:
    return x if isinstance(x, Value) else Value(x)


def topological_order(root: Value) -> list[Value]:
    """Exercise 3: every node `root` depends on (root included), each exactly once,
    every node after all of its parents, so `root` comes last.

    Use no recursion: a chain thousands of nodes deep must work, and Python stops recursing
    at about 1,000. Keep a set of the nodes you have already seen: a node can be
    reached by many paths (in `x * x`, `x` is a parent twice).
    """
    ### BEGIN SOLUTION
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for parent in node.parents:
            if parent not in seen:
                stack.append((parent, False))
    return order
    ### END SOLUTION


def backward(root: Value) -> None:
    """Exercise 4: add d(root)/d(node) to `node.grad` for every node `root` depends on.

    d(root)/d(root) is 1. Walk `topological_order(root)` backwards (root first): by the
    time you reach a node, every path from root to it has been counted, so its upstream
    gradient is complete. Pass it on: each parent receives upstream * local, with the
    local derivatives from `node.local()`. A parent reached by several paths gets the
    sum of them.

    Gradients accumulate, as in PyTorch: calling backward twice without setting the
    grads back to 0 gives exactly twice the gradients on every node. (Hint: keep this
    pass's upstream gradients in a dict of your own, and add each to `.grad` once.)
    """
    ### BEGIN SOLUTION
    upstream = {root: 1.0}
    for node in reversed(topological_order(root)):
        up = upstream.pop(node, 0.0)
        node.grad += up
        for parent, local in zip(node.parents, node.local()):
            upstream[parent] = upstream.get(parent, 0.0) + up * local
    ### END SOLUTION
