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


def sigmoid_circuit(Value, numbers):
    inputs = [Value(v, label=n) for v, n in zip(numbers, ("w0", "x0", "w1", "x1", "w2"))]
    w0, x0, w1, x1, w2 = inputs
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp()), inputs


@pytest.mark.points(2)
def test_sigmoid_circuit_gradients_match_the_engine(engine, rng):
    # The worked example of the backprop lecture (w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3 gives
    # w0 -0.20, x0 0.39, w1 -0.39, x1 -0.59, w2 0.20), here at random inputs, against Backprop Lab's engine.
    numbers = [rng.uniform(-3, 3) for _ in range(5)]
    f, inputs = sigmoid_circuit(engine.Value, numbers)
    engine.backward(f)
    expected_f, expected_inputs = sigmoid_circuit(EngineValue, numbers)
    expected_f.backward()
    assert f.grad == pytest.approx(1.0), f"d f/d f is 1, got f.grad = {f.grad}"
    for mine, theirs in zip(inputs, expected_inputs):
        assert mine.grad == pytest.approx(theirs.grad), (
            f"at inputs {numbers}: {theirs.label}.grad is {mine.grad}, expected {theirs.grad:.6f}"
        )


@pytest.mark.points(1)
def test_a_node_used_twice_gets_the_sum_of_both_paths(engine, rng):
    value = rng.uniform(-5, 5)
    x = engine.Value(value, label="x")
    y = x * x + x  # dy/dx = 2x + 1
    engine.backward(y)
    assert x.grad == pytest.approx(2 * value + 1), f"y = x*x + x at x = {value}: dy/dx = 2x + 1, got {x.grad}"


@pytest.mark.points(1)
def test_backward_twice_doubles_every_grad(engine, rng):
    value = rng.uniform(0.5, 3)
    x = engine.Value(value, label="x")
    h = x * x  # an inner node: its grad must double too
    y = h * x  # x^3: dy/dx = 3x^2
    engine.backward(y)
    engine.backward(y)
    assert x.grad == pytest.approx(6 * value**2), f"two passes of x^3 at x = {value} give 2 * 3x^2, got {x.grad}"
    assert h.grad == pytest.approx(2 * value), f"two passes give d y/d h = 2x on the inner node, got {h.grad}"
    assert y.grad == pytest.approx(2.0), f"two passes give 2 on the root, got {y.grad}"


@pytest.mark.points(1)
def test_a_chain_thousands_deep_gets_its_gradient(engine, rng):
    scale = rng.uniform(0.5, 2)
    x = engine.Value(0.5, label="x")
    node = x * scale
    for _ in range(rng.randrange(1200, 1500)):
        node = node + 0.0
    try:
        engine.backward(node)
    except RecursionError:
        pytest.fail("RecursionError: loop over the topological order instead of recursing", pytrace=False)
    assert x.grad == pytest.approx(scale), f"the chain is {scale} * x plus zeros, so d/dx is {scale}, got {x.grad}"
