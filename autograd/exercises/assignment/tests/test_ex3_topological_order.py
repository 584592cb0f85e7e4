"""Exercise 3: `topological_order(root)`: every node once, parents before children, no recursion."""

import pytest

pytestmark = pytest.mark.exercise(3)


def sigmoid_circuit(Value):
    """The worked example f = 1 / (1 + e^-(w0*x0 + w1*x1 + w2)): 5 leaves, 8 op nodes, 3 constants."""
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in [(2, "w0"), (-1, "x0"), (-3, "w1"), (-2, "x1"), (-3, "w2")])
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
def test_order_holds_every_node_of_the_graph(mini_engine):
    f = sigmoid_circuit(mini_engine.Value)
    order = mini_engine.topological_order(f)
    assert isinstance(order, list), f"topological_order returned a {type(order).__name__}; return a list"
    missing = len(reachable(f) - {id(n) for n in order})
    assert missing == 0, f"the order {describe(order)} misses {missing} of the graph's 16 nodes"
    assert len(order) == 16, f"the worked example has 16 nodes (5 inputs, 3 constants, 8 ops), got {len(order)}"


@pytest.mark.points(1)
def test_every_node_comes_after_its_parents(mini_engine):
    f = sigmoid_circuit(mini_engine.Value)
    order = mini_engine.topological_order(f)
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position.get(id(parent), len(order)) < position[id(node)], (
                f"a {parent.op or 'leaf'} node comes after its child {node.op} in {describe(order)}"
            )
    assert order and order[-1] is f, "the root (the output) must come last"


@pytest.mark.points(1)
def test_a_node_reached_by_many_paths_appears_once(mini_engine):
    x = mini_engine.Value(3.0, label="x")
    y = x * x  # x is both parents of y
    z = y + x  # and a parent of z: three paths from z to x
    order = mini_engine.topological_order(z)
    assert sum(node is x for node in order) == 1, f"x appears {sum(node is x for node in order)} times, expected 1"
    assert len(order) == 3, f"z = x*x + x has 3 nodes (x, x*x, z), got {len(order)}: {describe(order)}"


@pytest.mark.points(1)
def test_a_chain_ten_thousand_deep_works_without_recursion(mini_engine):
    x = mini_engine.Value(0.0)
    node = x
    for _ in range(10_000):
        node = node + 1.0
    try:
        order = mini_engine.topological_order(node)
    except RecursionError:
        pytest.fail("RecursionError: walk the graph with a stack (a list) instead of recursion", pytrace=False)
    assert len(order) == 20_001, f"the chain has 20,001 nodes (x, 10,000 constants, 10,000 adds), got {len(order)}"
