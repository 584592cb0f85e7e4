"""Module registration (one declaration per module), parameter labels, scopes and the activation table."""

import copy
import math
import pickle

import pytest

import nn
from autograd import Value, scope, topological_order
from nn.activations import ACTIVATIONS

# Registration -------------------------------------------------------------------------------------


class Affine(nn.Module):
    """A user's module written the PyTorch way: assign the parts, define forward."""

    def __init__(self):
        self.scale = Value(2.0)
        self.shift = [Value(0.5), Value(-0.5)]
        self.head = nn.Neuron(2, "linear", seed=0)

    def forward(self, x):
        return self.head([self.scale * x[0] + self.shift[0], self.scale * x[1] + self.shift[1]])


def test_assigned_values_and_modules_are_registered_in_order():
    model = Affine()
    assert list(model._parameters) == ["scale", "shift"]
    assert list(model._modules) == ["head"]
    assert model.parameters() == [model.scale, *model.shift, *model.head.weight, model.head.bias]


def test_a_user_module_gets_state_dict_zero_grad_and_load_from_its_declaration():
    model = Affine()
    assert list(model.state_dict()) == ["scale", "shift", "head.weight", "head.bias"]
    model([1.0, 2.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    state = model.state_dict() | {"scale": 3.0}
    model.load_state_dict(state)
    assert model.scale.data == 3.0


def test_reassigning_or_deleting_an_attribute_updates_the_registration():
    model = Affine()
    model.shift = "no longer a tensor"
    assert "shift" not in model._parameters
    del model.head
    assert list(model.children()) == []
    assert model.parameters() == [model.scale]


def test_children_are_the_layers_of_an_mlp_and_the_neurons_of_a_layer():
    model = nn.MLP(2, [3, 1], seed=0)
    assert list(model.children()) == list(model.layers)
    assert list(model.layers[0].children()) == list(model.layers[0].neurons)
    assert [name for name, _ in model.named_children()] == ["layers.0", "layers.1"]


def test_a_list_of_modules_is_kept_as_a_tuple_so_it_cannot_drift_from_the_registration():
    model = nn.MLP(2, [3, 1], seed=0)
    assert isinstance(model.layers, tuple)
    with pytest.raises(TypeError):
        model.layers[0] = nn.Layer(2, 3)


def test_a_users_module_repr_lists_its_named_children():
    assert repr(Affine()) == "Affine(\n  (head): Neuron(in_features=2, activation='linear')\n)"


def test_torch_names_in_features_and_out_features():
    layer = nn.Layer(3, 4)
    assert (layer.in_features, layer.out_features, layer.nin, layer.nout) == (3, 4, 3, 4)
    model = nn.MLP(2, [5, 3])
    assert (model.in_features, model.out_features) == (2, 3)
    assert nn.Neuron(7).in_features == nn.Perceptron(7).in_features == 7


# Labels and named_parameters -----------------------------------------------------------------------


def test_named_parameters_follow_parameters_order_with_state_dict_names():
    model = nn.MLP(2, [2, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "layers.0.weight[0][0]", "layers.0.weight[0][1]", "layers.0.bias[0]",
        "layers.0.weight[1][0]", "layers.0.weight[1][1]", "layers.0.bias[1]",
        "layers.1.weight[0][0]", "layers.1.weight[0][1]", "layers.1.bias[0]",
    ]  # fmt: skip
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_every_parameter_is_labelled_with_its_state_dict_name():
    model = nn.MLP(2, [3, 2, 1], seed=0)
    state = model.state_dict()
    for name, p in model.named_parameters():
        assert p.label == name
        key, *index = name.replace("]", "").split("[")
        number = state[key]
        for i in index:
            number = number[int(i)]
        assert number == p.data


def test_a_standalone_neuron_labels_weight_i_and_bias():
    neuron = nn.Neuron(2, seed=0)
    assert [p.label for p in neuron.parameters()] == ["weight[0]", "weight[1]", "bias"]
    assert [p.label for p in nn.Perceptron(2).parameters()] == ["weight[0]", "weight[1]", "bias"]


def test_mlp_inputs_are_labelled_x_i_and_the_given_values_kept():
    model = nn.MLP(2, [2, 1], seed=0)
    out = model([0.5, -1.0])
    inputs = [v for v in topological_order(out) if v.label.startswith("x[")]
    assert sorted((v.label, v.data) for v in inputs) == [("x[0]", 0.5), ("x[1]", -1.0)]
    mine = Value(3.0, label="mine")
    assert mine in topological_order(model([mine, 1.0]))


# Scopes --------------------------------------------------------------------------------------------


def op_nodes(out):
    return [v for v in topological_order(out) if v.op]


def test_each_node_of_an_mlp_forward_carries_its_layer_and_neuron_scope():
    model = nn.MLP(2, [4, 4, 1], seed=0)
    out = model([0.5, -1.0])
    nodes = op_nodes(out)
    assert len(nodes) == 2 * (4 + 4) + 1  # dot and relu per hidden neuron, one dot for the output
    assert {v.scope for v in nodes} == {f"layer {i}/neuron {j}" for i, n in enumerate([4, 4, 1]) for j in range(n)}
    assert out.scope == "layer 2/neuron 0"


def test_a_standalone_layer_scopes_its_neurons_and_a_standalone_neuron_adds_nothing():
    assert {v.scope for v in op_nodes(nn.Layer(2, 1, seed=0)([1.0, 2.0]))} == {"neuron 0"}
    assert {v.scope for v in op_nodes(nn.Neuron(2, seed=0)([1.0, 2.0]))} == {""}


def test_the_forward_scopes_nest_inside_an_open_scope():
    model = nn.MLP(2, [2, 1], seed=0)
    with scope("epoch 1"), scope("sample 3"):
        out = model([0.5, -1.0])
    assert out.scope == "epoch 1/sample 3/layer 1/neuron 0"
    assert {v.scope for v in topological_order(out) if v.label.startswith("x[")} == {"epoch 1/sample 3"}


def test_parameters_carry_the_scope_of_their_neuron():
    model = nn.MLP(2, [3, 1], seed=0)
    neuron = model.layers[0].neurons[2]
    assert {p.scope for p in neuron.parameters()} == {"layer 0/neuron 2"}
    assert {p.scope for p in nn.Neuron(2).parameters()} == {""}


def test_an_mse_loss_over_8_samples_is_scoped_sample_layer_neuron():
    model = nn.MLP(2, [4, 4, 1], seed=0)
    X, y = nn.datasets.make_moons(8, noise=0.1, seed=0)
    outputs = nn.outputs(model, X)
    assert [o.scope for o in outputs] == [f"sample {i}/layer 2/neuron 0" for i in range(8)]
    loss = nn.mse(outputs, y)
    scopes = {v.scope for v in op_nodes(loss)}
    forward = {f"sample {s}/layer {i}/neuron {j}" for s in range(8) for i, n in enumerate([4, 4, 1]) for j in range(n)}
    per_sample_loss = {f"sample {s}" for s in range(8)}
    assert scopes == forward | per_sample_loss | {""}  # "": the mean over samples (one sum, one scaling)
    assert [v.op for v in op_nodes(loss) if not v.scope] == ["sum", "mul"]


@pytest.mark.parametrize(
    ("loss", "outputs", "targets"),
    [
        (nn.bce_with_logits, [0.3, -1.2], [1, 0]),
        (nn.bce, [0.3, 0.6], [1, 0]),
        (nn.hinge, [0.3, -1.2], [1, -1]),
        (nn.cross_entropy, [[0.3, -1.2], [2.0, 0.1]], [1, 0]),
        (nn.categorical_cross_entropy, [[0.3, -1.2], [2.0, 0.1]], [[0, 1], [1, 0]]),
        (nn.mse, [[0.3, -1.2], [2.0, 0.1]], [[0, 1], [1, 0]]),
    ],
)
def test_every_loss_scopes_each_samples_terms(loss, outputs, targets):
    def lift(x):
        return [lift(v) for v in x] if isinstance(x, list) else Value(x)

    scopes = {v.scope for v in op_nodes(loss(lift(outputs), targets))}
    assert scopes == {"sample 0", "sample 1", ""}


def test_a_loss_of_one_sample_opens_no_scope():
    assert {v.scope for v in op_nodes(nn.bce_with_logits(Value(0.3), 1))} == {""}


def test_fit_computes_each_samples_output_in_its_scope():
    X, y = nn.datasets.make_moons(6, noise=0.1, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    seen = []

    def loss_fn(outputs, targets):
        seen.append([o.scope for o in outputs])
        return nn.bce_with_logits(outputs, targets)

    nn.fit(model, loss_fn, nn.SGD(model.parameters(), 0.1), nn.DataLoader(X, y, 3, seed=0), epochs=1)
    assert seen == [[f"sample {i}/layer 1/neuron 0" for i in range(3)]] * 2


# count_parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [nn.Neuron(3), nn.Layer(3, 4, "tanh"), nn.MLP(2, [16, 16, 1]), nn.MLP(5, [1]), nn.Perceptron(4)],
    ids=repr,
)
def test_count_parameters_from_the_config_matches_the_built_model(model):
    assert type(model).count_parameters(**model.config()) == len(model.parameters())


def test_count_parameters_of_a_huge_config_is_computed_without_building_it():
    assert nn.MLP.count_parameters(4000, [4000]) == 4000 * 4001


# The activation table --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_each_activation_row_applies_its_engine_op_and_gives_its_gain(name):
    activation = ACTIVATIONS[name]
    v = Value(-0.7)
    out = activation(v)
    assert (out.op if out is not v else "linear") == name
    expected_gain = {"relu": math.sqrt(2), "tanh": 5 / 3, "sigmoid": 1.0, "linear": 1.0}
    expected_gain["leaky_relu"] = math.sqrt(2 / (1 + 0.01**2))  # torch.nn.init.calculate_gain
    assert activation.gain == pytest.approx(expected_gain[name])


def test_the_sigmoid_row_splits_classes_at_one_half_the_others_at_zero():
    assert {name: a.threshold for name, a in ACTIVATIONS.items()} == {
        "relu": 0.0, "tanh": 0.0, "sigmoid": 0.5, "leaky_relu": 0.0, "linear": 0.0
    }  # fmt: skip


@pytest.mark.parametrize("copier", ["deepcopy", "pickle"])
def test_a_copied_or_pickled_model_keeps_its_numbers_labels_and_scopes(copier):
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    twin = copy.deepcopy(model) if copier == "deepcopy" else pickle.loads(pickle.dumps(model))
    assert twin.state_dict() == model.state_dict()
    assert [p.label for p in twin.parameters()] == [p.label for p in model.parameters()]
    assert not set(map(id, twin.parameters())) & set(map(id, model.parameters()))
    assert twin([0.1, 0.2]).data == model([0.1, 0.2]).data
    assert twin([0.1, 0.2]).scope == "layer 1/neuron 0"
