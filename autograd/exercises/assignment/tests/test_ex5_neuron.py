"""Exercise 5: a neuron's forward pass, act(w.x + b), as a graph of the mini-engine's Values.

Values are checked against the closed form; gradients (computed over your graph by
Backprop Lab's op table, so your own backward is not needed) against Backprop Lab's engine.
"""

import math

import pytest

import autograd

pytestmark = pytest.mark.exercise(5)

WEIGHTS, BIAS, INPUTS = [0.5, -1.0, 2.0], 0.1, [1.0, 2.0, -0.5]
Z = 0.5 * 1.0 - 1.0 * 2.0 + 2.0 * -0.5 + 0.1  # w.x + b = -2.4


def build(module, activation):
    Value = module.Value
    weights = [Value(w, label=f"w{i}") for i, w in enumerate(WEIGHTS)]
    bias = Value(BIAS, label="b")
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(INPUTS)]
    return module.neuron(weights, bias, inputs, activation=activation), weights, bias, inputs


@pytest.mark.points(1)
def test_tanh_neuron_computes_tanh_of_w_dot_x_plus_b(neuron):
    out, *_ = build(neuron, "tanh")
    assert hasattr(out, "data"), f"neuron returned {out!r}; return a Value"
    assert out.data == pytest.approx(math.tanh(Z)), f"tanh(w.x + b) = tanh({Z:g}) = {math.tanh(Z):.6f}, got {out.data}"


@pytest.mark.points(1)
def test_each_activation_squashes_the_same_sum(neuron):
    expected = {"sigmoid": 1 / (1 + math.exp(-Z)), "relu": 0.0, "linear": Z}
    for activation, value in expected.items():
        out, *_ = build(neuron, activation)
        assert out.data == pytest.approx(value), f"{activation}({Z:g}) = {value:.6f}, got {out.data}"


@pytest.mark.points(2)
def test_neuron_gradients_match_backprop_lab(neuron, reference):
    for activation in ("tanh", "sigmoid", "linear"):
        out, weights, bias, inputs = build(neuron, activation)
        gradients = reference.gradients(out)
        e_weights = [autograd.Value(w) for w in WEIGHTS]
        e_bias, e_inputs = autograd.Value(BIAS), [autograd.Value(x) for x in INPUTS]
        e_out = e_bias + sum((w * x for w, x in zip(e_weights, e_inputs)), autograd.Value(0.0))
        e_out = e_out if activation == "linear" else getattr(e_out, activation)()
        e_out.backward()
        for mine, theirs in zip([*weights, bias, *inputs], [*e_weights, e_bias, *e_inputs]):
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
