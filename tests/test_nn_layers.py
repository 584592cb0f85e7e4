"""Module, Neuron, Layer, MLP and Perceptron: the nn contract, the micrograd spelling, registration and scopes."""

import copy
import math

import pytest

import nn
from autograd import Value
from autograd.engine import topological_order


def ops_of(out):
    return sorted(v.op for v in topological_order(out)[::-1] if v.op)


# Neuron --------------------------------------------------------------------------------------


def test_neuron_is_one_dot_node_then_its_activation():
    neuron = nn.Neuron(3, activation="tanh", seed=0)
    out = neuron([1.0, -2.0, 0.5])
    assert out.op == "tanh"
    (weighted_sum,) = out.parents
    assert weighted_sum.op == "dot"
    assert ops_of(out) == ["dot", "tanh"]


def test_neuron_dot_parents_are_weights_then_inputs_then_bias():
    neuron = nn.Neuron(2, activation="linear", seed=0)
    out = neuron([3.0, 4.0])
    assert out.parents[:2] == tuple(neuron.w)
    assert [p.data for p in out.parents[2:4]] == [3.0, 4.0]
    assert out.parents[4] is neuron.b


def test_neuron_computes_activation_of_w_dot_x_plus_b():
    neuron = nn.Neuron(2, activation="sigmoid")
    neuron.load_state_dict({"weight": [2.0, -3.0], "bias": -3.0})
    # The staged sigmoid circuit of *Neural Networks (1) _ Loss Function*:
    # w0=2, x0=-1, w1=-3, x1=-2, b=-3 -> sigmoid(1).
    assert neuron([-1.0, -2.0]).data == pytest.approx(1 / (1 + math.exp(-1)))


@pytest.mark.parametrize(
    ("activation", "expected"),
    [("relu", 0.0), ("tanh", math.tanh(-2.0)), ("sigmoid", 1 / (1 + math.exp(2.0))), ("leaky_relu", -0.02),
     ("linear", -2.0)],
)  # fmt: skip
def test_each_activation_applies_its_function(activation, expected):
    neuron = nn.Neuron(1, activation=activation)
    neuron.load_state_dict({"weight": [1.0], "bias": 0.0})
    assert neuron([-2.0]).data == pytest.approx(expected)


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="'relu'"):
        nn.Neuron(2, activation="softplus")


def test_neuron_rejects_a_sample_of_the_wrong_length():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        nn.Neuron(2)([1.0, 2.0, 3.0])


def test_relu_init_is_kaiming_uniform_with_zero_bias():
    neuron = nn.Neuron(400, activation="relu", seed=1)
    bound = math.sqrt(2) * math.sqrt(3 / 400)  # gain sqrt(2) * sqrt(3/fan_in)
    weights = [w.data for w in neuron.w]
    assert max(abs(w) for w in weights) <= bound
    assert max(abs(w) for w in weights) > 0.9 * bound
    # Uniform(-a, a) has variance a^2/3 = 2/fan_in (He); 400 draws land within ~15%.
    variance = sum(w * w for w in weights) / len(weights)
    assert variance == pytest.approx(2 / 400, rel=0.15)
    assert neuron.b.data == 0.0


# Layer and MLP ----------------------------------------------------------------------------------


def test_layer_with_one_output_returns_a_value_and_with_more_a_list():
    assert isinstance(nn.Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    out = nn.Layer(2, 3, seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_mlp_2_16_16_1_has_337_parameters():
    assert len(nn.MLP(2, [16, 16, 1]).parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1) == 337


def test_parameters_go_layer_by_layer_neuron_by_neuron_weights_then_bias():
    model = nn.MLP(2, [3, 1], seed=0)
    expected = []
    for layer in model.layers:
        for neuron in layer.neurons:
            expected += [*neuron.w, neuron.b]
    assert model.parameters() == expected


def test_mlp_last_layer_is_linear_by_default_and_hidden_ones_use_the_activation():
    model = nn.MLP(2, [4, 4, 1], activation="tanh")
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "linear"]
    assert model([0.3, -0.1]).op == "dot"


def test_mlp_output_activation_can_be_chosen():
    model = nn.MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    assert model([0.3, -0.1]).op == "sigmoid"


def test_mlp_with_several_outputs_returns_a_list():
    out = nn.MLP(2, [4, 3], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_mlp_graph_has_one_dot_and_one_activation_per_hidden_neuron():
    model = nn.MLP(2, [16, 16, 1], seed=0)
    ops = ops_of(model([0.5, -0.5]))
    assert ops.count("dot") == 33
    assert ops.count("relu") == 32
    assert len(ops) == 65


def test_mlp_same_seed_gives_the_same_weights():
    a, b = nn.MLP(2, [8, 1], seed=0), nn.MLP(2, [8, 1], seed=0)
    assert a.state_dict() == b.state_dict()
    assert nn.MLP(2, [8, 1], seed=1).state_dict() != a.state_dict()


def test_zero_grad_clears_every_parameter():
    model = nn.MLP(2, [4, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_repr_lists_layers_like_pytorch():
    assert repr(nn.MLP(2, [16, 1])) == (
        "MLP(\n"
        "  (0): Layer(in_features=2, out_features=16, activation='relu')\n"
        "  (1): Layer(in_features=16, out_features=1, activation='linear')\n"
        ")"
    )
    assert repr(nn.Neuron(3, "tanh")) == "Neuron(in_features=3, activation='tanh')"


# state_dict / load_state_dict --------------------------------------------------------------------


def test_state_dict_uses_torch_linear_names_and_shapes():
    state = nn.MLP(2, [3, 1], seed=0).state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert [len(state["layers.0.weight"]), len(state["layers.0.weight"][0])] == [3, 2]
    assert len(state["layers.0.bias"]) == 3
    assert all(isinstance(v, float) for row in state["layers.1.weight"] for v in row)


def test_load_state_dict_copies_the_numbers():
    source, target = nn.MLP(2, [4, 1], seed=0), nn.MLP(2, [4, 1], seed=1)
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert target([0.2, 0.7]).data == source([0.2, 0.7]).data


def broken_states():
    good = nn.MLP(2, [3, 1], seed=0).state_dict()
    cases = {}
    missing = copy.deepcopy(good)
    del missing["layers.1.bias"]
    cases["missing key"] = (missing, "missing keys")
    extra = copy.deepcopy(good)
    extra["layers.2.weight"] = [[0.0]]
    cases["unexpected key"] = (extra, "unexpected keys")
    short_row = copy.deepcopy(good)
    short_row["layers.0.weight"][2] = [1.0]
    cases["wrong row length"] = (short_row, r"layers.0.weight\[2\] should be a list of 2")
    # The last key is wrong, so a loader that assigned as it checked would have changed the others.
    bad_last = copy.deepcopy(good)
    bad_last["layers.1.bias"] = ["x"]
    cases["non-number in the last key"] = (bad_last, r"layers.1.bias\[0\] should be a number")
    nan = copy.deepcopy(good)
    nan["layers.1.bias"] = [float("nan")]
    cases["nan"] = (nan, "finite")
    scalar_for_list = copy.deepcopy(good)
    scalar_for_list["layers.0.bias"] = 1.0
    cases["number for a list"] = (scalar_for_list, "should be a list of 3")
    return cases


@pytest.mark.parametrize("case", sorted(broken_states()))
def test_load_state_dict_mismatch_raises_and_leaves_the_model_unchanged(case):
    state, message = broken_states()[case]  # the numbers of MLP(seed=0): any partial copy would show
    model = nn.MLP(2, [3, 1], seed=5)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_rejects_a_non_dict():
    with pytest.raises(ValueError, match="must be a dict"):
        nn.Neuron(2).load_state_dict([1.0, 2.0, 3.0])


# Perceptron (*딥 러닝 프레임워크*: the threshold unit, and why XOR needs a hidden layer) ----------------

INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]


def test_perceptron_outputs_1_only_above_the_threshold():
    p = nn.Perceptron(2)
    assert p([1.0, 1.0]) == 0  # w = 0, b = 0: the sum 0 is not above the threshold
    p.load_state_dict({"weight": [1.0, 1.0], "bias": -1.5})
    assert [p(x) for x in INPUTS] == [0, 0, 0, 1]


def test_perceptron_update_is_the_perceptron_rule():
    p = nn.Perceptron(2)
    # y = 0, target 1, lr 0.5: w += 0.5 * 1 * x = [0.5, 1.0]; b += 0.5.
    assert p.update([1.0, 2.0], 1, lr=0.5) == 1
    assert p.state_dict() == {"weight": [0.5, 1.0], "bias": 0.5}
    # Now y = 1 (0.5*1 + 1.0*2 + 0.5 > 0), target 0: w -= 0.5 * [1, 2]; b -= 0.5 -> back to 0.
    assert p.update([1.0, 2.0], 0, lr=0.5) == -1
    assert p.state_dict() == {"weight": [0.0, 0.0], "bias": 0.0}


def test_perceptron_update_leaves_a_correct_prediction_alone():
    p = nn.Perceptron(2)
    assert p.update([1.0, 2.0], 0, lr=0.5) == 0
    assert p.state_dict() == {"weight": [0.0, 0.0], "bias": 0.0}


@pytest.mark.parametrize(("gate", "targets"), [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1])])
def test_perceptron_learns_and_and_or(gate, targets):
    p = nn.Perceptron(2)
    result = p.fit(INPUTS, targets, lr=1.0)
    assert result.converged, gate
    assert [p(x) for x in INPUTS] == targets
    assert "converged" in str(result)


def test_perceptron_reports_xor_as_not_converged():
    p = nn.Perceptron(2)
    result = p.fit(INPUTS, [0, 1, 1, 0], lr=1.0, max_epochs=50)
    assert not result.converged
    assert result.epochs == 50
    assert all(m > 0 for m in result.mistakes)
    assert "did not converge" in str(result) and "hidden layer" in str(result)
    assert [p(x) for x in INPUTS] != [0, 1, 1, 0]


def test_mlp_solves_the_xor_that_the_perceptron_cannot():
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    optimizer = nn.Adam(model.parameters(), lr=0.1)
    for _ in range(150):
        loss = nn.bce_with_logits([model(x) for x in INPUTS], [0, 1, 1, 0])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert nn.predict(model, INPUTS) == [0, 1, 1, 0]
