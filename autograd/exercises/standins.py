"""Backprop Lab's own pieces standing in for the exercises a test is not about.

The tests of exercise 4 give a student's `backward` this `topological_order` and these local
derivatives, so a bug in exercise 3 or 1 does not cost exercise 4 too; `gradients` checks a
graph a student built (exercises 5 and 6) without needing the student's own backward. They work
on any node with `.op`, `.data` and `.parents`: the mini-engine's, the engine's, or the grader's
stand-ins for nodes that live in the sandboxed student process. Both sides of the grader hold
this module, so a test may hand these pieces to student code (`PORTABLE`).
"""

from __future__ import annotations

from autograd.ops import OPS


def topological_order(root) -> list:
    """Every node `root` depends on, parents before children, each once, without recursion."""
    order, seen, stack = [], {id(root)}, [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        parent = next(parents, None)
        if parent is None:
            order.append(stack.pop()[0])
        elif id(parent) not in seen:
            seen.add(id(parent))
            stack.append((parent, iter(parent.parents)))
    return order


def _local(op: str):
    def local(*inputs_and_out: float) -> tuple[float, ...]:
        return tuple(OPS[op].local(*inputs_and_out))

    local.__name__ = f"local_{op}"
    return local


LOCAL = {op: _local(op) for op in OPS}
"""Op name -> its local derivatives in the exercises' signature: `LOCAL["mul"](x, y, out) == (y, x)`."""


def gradients(root) -> dict[int, float]:
    """d(root)/d(node) for every node of `root`'s graph by Backprop Lab's op table, keyed by `id(node)`.

    Leaves every `.grad` alone, so a graph built by a student's exercise is checked without
    the student's own backward.
    """
    upstream = {id(root): 1.0}
    for node in reversed(topological_order(root)):
        parents = node.parents
        if not parents:
            continue
        up = upstream.get(id(node), 0.0)
        local = OPS[node.op].local(*(p.data for p in parents), node.data)
        for parent, d in zip(parents, local):
            upstream[id(parent)] = upstream.get(id(parent), 0.0) + up * d
    return upstream


PORTABLE = {"topological_order": topological_order, "LOCAL": LOCAL, "gradients": gradients}
"""The pieces a test may pass to student code by name: the sandbox holds its own copies."""
