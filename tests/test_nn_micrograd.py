"""micrograd's nn spelling on ours: Neuron(nin, nonlin=...), .nonlin, the global random, and its demo loop.

The demo is micrograd's `demo.ipynb` training loop (max-margin loss, L2 regularisation,
SGD with a decaying learning rate), written as micrograd writes it with only the import changed.
"""

import random

import pytest

import nn
from autograd import Value


@pytest.mark.parametrize(
    ("make", "activation"),
    [
        (lambda: nn.Neuron(2), "relu"),
        (lambda: nn.Neuron(2, nonlin=True), "relu"),
        (lambda: nn.Neuron(2, nonlin=False), "linear"),
        (lambda: nn.Neuron(2, True), "relu"),
        (lambda: nn.Neuron(2, False), "linear"),
        (lambda: nn.Neuron(2, "tanh"), "tanh"),
        (lambda: nn.Neuron(2, activation="tanh", nonlin=True), "tanh"),
        (lambda: nn.Neuron(2, activation="linear", nonlin=False), "linear"),
        (lambda: nn.Layer(2, 3, nonlin=False), "linear"),
        (lambda: nn.Layer(2, 3, False), "linear"),
        (lambda: nn.Layer(2, 3, nonlin=True), "relu"),
    ],
)
def test_nonlin_and_activation_name_the_same_choice(make, activation):
    module = make()
    assert module.activation == activation
    assert module.nonlin is (activation != "linear")


def test_a_linear_neuron_of_micrograd_spelling_outputs_w_dot_x_plus_b():
    neuron = nn.Neuron(2, nonlin=False)
    neuron.load_state_dict({"weight": [2.0, -3.0], "bias": 1.0})
    assert neuron([0.0, 1.0]).data == -2.0  # a relu neuron would give 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"activation": "tanh", "nonlin": False}, "disagree"),
        ({"activation": "linear", "nonlin": True}, "disagree"),
        ({"activation": "relu", "nonlin": False}, "disagree"),
    ],
)
def test_nonlin_that_contradicts_the_activation_is_a_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.Neuron(2, **kwargs)
    with pytest.raises(ValueError, match=message):
        nn.Layer(2, 2, **kwargs)


def test_nonlin_given_twice_or_not_a_bool_is_a_type_error():
    with pytest.raises(TypeError, match="twice"):
        nn.Neuron(2, False, nonlin=False)
    with pytest.raises(TypeError, match="True or False"):
        nn.Neuron(2, nonlin="yes")


def test_micrograd_names_w_b_nonlin_layers_neurons_read_the_parameters():
    model = nn.MLP(2, [3, 1], seed=0)
    neuron = model.layers[0].neurons[1]
    assert neuron.w is neuron.weight and neuron.b is neuron.bias
    assert model.parameters()[3:6] == [*neuron.w, neuron.b]
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, False]


def test_micrograd_mlp_default_is_relu_hidden_layers_and_a_linear_last_layer():
    model = nn.MLP(2, [16, 16, 1])
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]


def test_without_a_seed_random_seed_reproduces_the_model():
    random.seed(0)
    first = nn.MLP(2, [4, 4, 1]).state_dict()
    random.seed(0)
    assert nn.MLP(2, [4, 4, 1]).state_dict() == first
    random.seed(1)
    assert nn.MLP(2, [4, 4, 1]).state_dict() != first


def test_without_a_seed_weights_come_from_the_global_generator():
    random.seed(3)
    nn.Neuron(5)
    after_model = random.random()
    random.seed(3)
    for _ in range(5):
        random.random()  # the neuron draws one number per weight
    assert random.random() == after_model


def test_an_explicit_seed_neither_reads_nor_moves_the_global_generator():
    random.seed(1)
    first = nn.MLP(2, [4, 1], seed=7).state_dict()
    state = random.getstate()
    random.seed(2)
    second = nn.MLP(2, [4, 1], seed=7).state_dict()
    assert first == second
    random.setstate(state)
    nn.MLP(2, [4, 1], seed=7)
    assert random.getstate() == state


def test_layer_and_neuron_without_seed_use_the_global_generator_too():
    random.seed(5)
    layer = nn.Layer(3, 2).state_dict()
    random.seed(5)
    assert nn.Layer(3, 2).state_dict() == layer


def test_micrograd_demo_training_loop_runs_and_separates_the_moons():
    X, y = nn.datasets.make_moons(60, noise=0.1, seed=0)
    y = [2 * label - 1 for label in y]  # micrograd's demo uses labels -1 / +1
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]  # svm "max-margin" loss
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())  # L2 regularization
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return data_loss + reg_loss, sum(accuracy) / len(accuracy)

    first = None
    for k in range(30):
        total_loss, acc = loss()
        first = total_loss.data if first is None else first
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    assert total_loss.data < first / 2
    assert acc >= 0.85
