"""Exercise 5: a neuron's forward pass, act(w.x + b), as a graph of the mini-engine's Values.

Values are checked against the closed form; gradients (computed over your graph by
Backprop Lab's op table, so your own backward is not needed) against Backprop Lab's engine.
The weights, bias and inputs are drawn at random for each run.
"""

import math

import pytest

import autograd

pytestmark = pytest.mark.exercise(5)


def draw(rng):
    """Weights, bias and inputs of a neuron with 2 to 4 inputs."""
    n = rng.randrange(2, 5)
    return [rng.uniform(-2, 2) for _ in range(n)], rng.uniform(-1, 1), [rng.uniform(-2, 2) for _ in range(n)]


def build(module, activation, weights, bias, inputs):
    Value = module.Value
    w = [Value(x, label=f"w{i}") for i, x in enumerate(weights)]
    b = Value(bias, label="b")
    x = [Value(v, label=f"x{i}") for i, v in enumerate(inputs)]
    return module.neuron(w, b, x, activation=activation), w, b, x


@pytest.mark.points(1)
def test_tanh_neuron_computes_tanh_of_w_dot_x_plus_b(neuron, rng):
    weights, bias, inputs = draw(rng)
    z = sum(w * x for w, x in zip(weights, inputs)) + bias
    out, *_ = build(neuron, "tanh", weights, bias, inputs)
    assert hasattr(out, "data"), f"neuron returned {out!r}; return a Value"
    assert out.data == pytest.approx(math.tanh(z)), f"tanh(w.x + b) = tanh({z:g}) = {math.tanh(z):.6f}, got {out.data}"


@pytest.mark.points(1)
def test_each_activation_squashes_the_same_sum(neuron, rng):
    weights, bias, inputs = draw(rng)
    z = sum(w * x for w, x in zip(weights, inputs)) + bias
    expected = {"sigmoid": 1 / (1 + math.exp(-z)), "relu": max(0.0, z), "linear": z}
    for activation, value in expected.items():
        out, *_ = build(neuron, activation, weights, bias, inputs)
        assert out.data == pytest.approx(value), f"{activation}({z:g}) = {value:.6f}, got {out.data}"


@pytest.mark.points(2)
def test_neuron_gradients_match_backprop_lab(neuron, reference, rng):
    for activation in ("tanh", "sigmoid", "linear"):
        weights, bias, inputs = draw(rng)
        out, w, b, x = build(neuron, activation, weights, bias, inputs)
        gradients = reference.gradients(out)
        e_weights, e_inputs = [autograd.Value(v) for v in weights], [autograd.Value(v) for v in inputs]
        e_bias = autograd.Value(bias)
        e_out = e_bias + sum((a * c for a, c in zip(e_weights, e_inputs)), autograd.Value(0.0))
        e_out = e_out if activation == "linear" else getattr(e_out, activation)()
        e_out.backward()
        for mine, theirs in zip([*w, b, *x], [*e_weights, e_bias, *e_inputs]):
            got = gradients.get(id(mine), 0.0)
            assert got == pytest.approx(theirs.grad), (
                f"{activation} neuron: d out/d {mine.label} is {theirs.grad:.6f}, but your graph gives {got:.6f}; "
                "is every weight, input and the bias a parent in the graph?"
            )


@pytest.mark.points(1)
def test_neuron_rejects_unknown_activation_and_length_mismatch(neuron):
    Value = neuron.Value
    with pytest.raises(ValueError):
        neuron.neuron([Value(1.0)], Value(0.0), [Value(1.0)], activation="softplus")
    with pytest.raises(ValueError):
        neuron.neuron([Value(1.0), Value(2.0)], Value(0.0), [Value(1.0)], activation="tanh")
