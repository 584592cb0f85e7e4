"""Exercise 3: `topological_order(root)`: every node once, parents before children, no recursion."""

import pytest

pytestmark = pytest.mark.exercise(3)

SIGMOID_OPS = ["mul", "mul", "add", "add", "neg", "exp", "add", "recip"]
"""The staged sigmoid circuit of the backprop lecture, op by op; any topological order has them in this order."""


def sigmoid_circuit(Value, rng):
    """f = 1 / (1 + e^-(w0*x0 + w1*x1 + w2)) at random inputs: 5 inputs, the constant 1, 8 op nodes."""
    w0, x0, w1, x1, w2 = (Value(rng.uniform(-3, 3), label=n) for n in ("w0", "x0", "w1", "x1", "w2"))
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())


def reachable(root) -> set[int]:
    seen, stack = {id(root)}, [root]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return seen


def describe(order) -> str:
    return "[" + ", ".join(node.op or node.label or f"{node.data:g}" for node in order) + "]"


@pytest.mark.points(1)
def test_order_holds_every_node_of_the_graph(mini_engine, rng):
    f = sigmoid_circuit(mini_engine.Value, rng)
    order = mini_engine.topological_order(f)
    assert isinstance(order, list), f"topological_order returned a {type(order).__name__}; return a list"
    missing = len(reachable(f) - {id(n) for n in order})
    assert missing == 0, f"the order {describe(order)} misses {missing} of the graph's 14 nodes"
    assert len(order) == 14, f"the sigmoid circuit has 14 nodes (5 inputs, the constant 1, 8 ops), got {len(order)}"
    ops = [node.op for node in order if node.op]
    assert ops == SIGMOID_OPS, f"the ops in your order are {ops}; parents first gives {SIGMOID_OPS}"


@pytest.mark.points(1)
def test_every_node_comes_after_its_parents(mini_engine, rng):
    f = sigmoid_circuit(mini_engine.Value, rng)
    order = mini_engine.topological_order(f)
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position.get(id(parent), len(order)) < position[id(node)], (
                f"a {parent.op or 'leaf'} node comes after its child {node.op} in {describe(order)}"
            )
    assert order and order[-1] is f, "the root (the output) must come last"


@pytest.mark.points(1)
def test_a_node_reached_by_many_paths_appears_once(mini_engine, rng):
    x = mini_engine.Value(rng.uniform(1, 5), label="x")
    y = x * x  # x is both parents of y
    z = y + x  # and a parent of z: three paths from z to x
    order = mini_engine.topological_order(z)
    assert sum(node is x for node in order) == 1, f"x appears {sum(node is x for node in order)} times, expected 1"
    assert len(order) == 3, f"z = x*x + x has 3 nodes (x, x*x, z), got {len(order)}: {describe(order)}"


@pytest.mark.points(1)
def test_a_chain_thousands_deep_works_without_recursion(mini_engine, rng):
    # Python stops recursing at about 1,000 frames; a recursive walk of this chain goes deeper.
    depth = rng.randrange(1200, 1600)
    node = mini_engine.Value(0.0)
    for _ in range(depth):
        node = node + 1.0
    try:
        order = mini_engine.topological_order(node)
    except RecursionError:
        pytest.fail("RecursionError: walk the graph with a stack (a list) instead of recursion", pytrace=False)
    nodes = 2 * depth + 1
    assert len(order) == nodes, f"the chain has {nodes} nodes (x, {depth} constants, {depth} adds), got {len(order)}"
    assert order[-1] is node, "the root (the output) must come last"
