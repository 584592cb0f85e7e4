"""Exercise 4: `backward(root)`, the chain rule over the whole graph.

These tests give your `backward` a correct `topological_order` and correct local
derivatives (Backprop Lab's own), so exercise 4 is graded on its own: your backward
must call `topological_order(...)` and `node.local()` as the mini-engine provides them.
"""

import pytest

from autograd import Value as EngineValue

pytestmark = pytest.mark.exercise(4)


@pytest.fixture
def engine(mini_engine, reference, monkeypatch):
    monkeypatch.setattr(mini_engine, "topological_order", reference.topological_order)
    monkeypatch.setattr(mini_engine, "LOCAL", reference.local)
    return mini_engine


def sigmoid_circuit(Value):
    inputs = [Value(v, label=n) for v, n in [(2, "w0"), (-1, "x0"), (-3, "w1"), (-2, "x1"), (-3, "w2")]]
    w0, x0, w1, x1, w2 = inputs
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp()), inputs


@pytest.mark.points(2)
def test_sigmoid_circuit_gradients_match_the_worked_example(engine):
    # Seed 002's worked example: w0 -0.20, x0 0.39, w1 -0.39, x1 -0.59, w2 0.20 (2 places),
    # the exact numbers from Backprop Lab's engine on the same graph.
    f, inputs = sigmoid_circuit(engine.Value)
    engine.backward(f)
    expected_f, expected_inputs = sigmoid_circuit(EngineValue)
    expected_f.backward()
    assert f.grad == pytest.approx(1.0), f"d f/d f is 1, got f.grad = {f.grad}"
    for mine, theirs in zip(inputs, expected_inputs):
        assert mine.grad == pytest.approx(theirs.grad), f"{mine.label}.grad is {mine.grad}, expected {theirs.grad:.4f}"


@pytest.mark.points(1)
def test_a_node_used_twice_gets_the_sum_of_both_paths(engine):
    x = engine.Value(3.0, label="x")
    y = x * x + x  # dy/dx = 2x + 1 = 7
    engine.backward(y)
    assert x.grad == pytest.approx(7.0), f"y = x*x + x at x = 3: dy/dx = 2x + 1 = 7, got {x.grad}"


@pytest.mark.points(1)
def test_backward_twice_doubles_every_grad(engine):
    x = engine.Value(2.0, label="x")
    h = x * x  # an inner node: its grad must double too
    y = h * x  # x^3: dy/dx = 3x^2 = 12
    engine.backward(y)
    engine.backward(y)
    assert x.grad == pytest.approx(24.0), f"two backward passes of x^3 at x = 2 give 2 * 12 = 24, got {x.grad}"
    assert h.grad == pytest.approx(4.0), f"two passes give d y/d h = 2 * x = 4 on the inner node, got {h.grad}"
    assert y.grad == pytest.approx(2.0), f"two passes give 2 on the root, got {y.grad}"


@pytest.mark.points(1)
def test_a_chain_ten_thousand_deep_gets_its_gradient(engine):
    x = engine.Value(0.5, label="x")
    node = x
    for _ in range(10_000):
        node = node * 1.0 + 0.0
    try:
        engine.backward(node)
    except RecursionError:
        pytest.fail("RecursionError: loop over the topological order instead of recursing", pytrace=False)
    assert x.grad == pytest.approx(1.0), f"the chain is the identity, so dx/dx = 1, got {x.grad}"
