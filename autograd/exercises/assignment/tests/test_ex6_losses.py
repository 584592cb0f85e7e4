"""Exercise 6: mean squared error and cross-entropy on the mini-engine's Values.

Gradients are computed over your graph by Backprop Lab's op table and compared with
the closed forms: d MSE/d p_i = 2 (p_i - t_i) / n; d CE/d z_i = softmax(z)_i - [i = target].
"""

import math

import pytest

pytestmark = pytest.mark.exercise(6)

PREDICTIONS, TARGETS = [1.0, 2.0, 4.0], [1.5, 2.0, 3.0]


@pytest.mark.points(1)
def test_mse_is_the_mean_of_squared_errors(losses):
    loss = losses.mse([losses.Value(p) for p in PREDICTIONS], TARGETS)
    # (0.5^2 + 0^2 + 1^2) / 3 = 1.25 / 3
    assert loss.data == pytest.approx(1.25 / 3), f"MSE is (0.25 + 0 + 1) / 3 = 0.416667, got {loss.data}"


@pytest.mark.points(1)
def test_mse_gradient_is_two_errors_over_n(losses, reference):
    predictions = [losses.Value(p) for p in PREDICTIONS]
    gradients = reference.gradients(losses.mse(predictions, TARGETS))
    for p, t, node in zip(PREDICTIONS, TARGETS, predictions):
        expected = 2 * (p - t) / 3
        got = gradients.get(id(node), 0.0)
        assert got == pytest.approx(expected), f"d MSE/d p for p={p}, t={t} is 2(p-t)/n = {expected:.6f}, got {got}"


@pytest.mark.points(1)
def test_cross_entropy_is_minus_log_of_the_right_class_probability(losses):
    # Seed 002: probability 0.9 for the right class costs -log(0.9) = 0.105, 0.1 costs -log(0.1) = 2.303.
    logits = [losses.Value(math.log(0.9)), losses.Value(math.log(0.1))]
    right = losses.cross_entropy(logits, 0)
    wrong = losses.cross_entropy(logits, 1)
    assert right.data == pytest.approx(0.1053605), f"-log(0.9) = 0.105361, got {right.data}"
    assert wrong.data == pytest.approx(2.3025851), f"-log(0.1) = 2.302585, got {wrong.data}"


@pytest.mark.points(1)
def test_cross_entropy_gradient_is_softmax_minus_one_hot(losses, reference):
    raw = [2.0, -1.0, 0.5]
    logits = [losses.Value(z) for z in raw]
    gradients = reference.gradients(losses.cross_entropy(logits, 2))
    total = sum(math.exp(z) for z in raw)
    for i, (z, node) in enumerate(zip(raw, logits)):
        expected = math.exp(z) / total - (i == 2)
        got = gradients.get(id(node), 0.0)
        assert got == pytest.approx(expected), f"d CE/d z{i} is softmax - one_hot = {expected:.6f}, got {got}"
