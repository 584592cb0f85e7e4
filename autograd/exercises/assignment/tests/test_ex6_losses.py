"""Exercise 6: mean squared error and cross-entropy on the mini-engine's Values.

Gradients are computed over your graph by Backprop Lab's op table and compared with
the closed forms: d MSE/d p_i = 2 (p_i - t_i) / n; d CE/d z_i = softmax(z)_i - [i = target].
Predictions, targets and logits are drawn at random for each run.
"""

import math

import pytest

pytestmark = pytest.mark.exercise(6)


def draw(rng):
    n = rng.randrange(2, 6)
    return [rng.uniform(-3, 3) for _ in range(n)], [rng.uniform(-3, 3) for _ in range(n)]


@pytest.mark.points(1)
def test_mse_is_the_mean_of_squared_errors(losses, rng):
    predictions, targets = draw(rng)
    loss = losses.mse([losses.Value(p) for p in predictions], targets)
    expected = sum((p - t) ** 2 for p, t in zip(predictions, targets)) / len(predictions)
    assert loss.data == pytest.approx(expected), (
        f"MSE of predictions {predictions} and targets {targets} is {expected:.6f}, got {loss.data}"
    )


@pytest.mark.points(1)
def test_mse_gradient_is_two_errors_over_n(losses, reference, rng):
    raw, targets = draw(rng)
    predictions = [losses.Value(p) for p in raw]
    gradients = reference.gradients(losses.mse(predictions, targets))
    for p, t, node in zip(raw, targets, predictions):
        expected = 2 * (p - t) / len(raw)
        got = gradients.get(id(node), 0.0)
        assert got == pytest.approx(expected), f"d MSE/d p for p={p}, t={t} is 2(p-t)/n = {expected:.6f}, got {got}"


@pytest.mark.points(1)
def test_cross_entropy_is_minus_log_of_the_right_class_probability(losses, rng):
    # Probability 0.9 for the right class costs -log(0.9) = 0.105, 0.1 costs -log(0.1) = 2.303; here p is random.
    p = rng.uniform(0.05, 0.95)
    logits = [losses.Value(math.log(p)), losses.Value(math.log(1 - p))]
    right = losses.cross_entropy(logits, 0)
    wrong = losses.cross_entropy(logits, 1)
    assert right.data == pytest.approx(-math.log(p)), f"-log({p:.4f}) = {-math.log(p):.6f}, got {right.data}"
    q = 1 - p
    assert wrong.data == pytest.approx(-math.log(q)), f"-log({q:.4f}) = {-math.log(q):.6f}, got {wrong.data}"


@pytest.mark.points(1)
def test_cross_entropy_gradient_is_softmax_minus_one_hot(losses, reference, rng):
    raw = [rng.uniform(-3, 3) for _ in range(rng.randrange(2, 6))]
    target = rng.randrange(len(raw))
    logits = [losses.Value(z) for z in raw]
    gradients = reference.gradients(losses.cross_entropy(logits, target))
    total = sum(math.exp(z) for z in raw)
    for i, (z, node) in enumerate(zip(raw, logits)):
        expected = math.exp(z) / total - (i == target)
        got = gradients.get(id(node), 0.0)
        assert got == pytest.approx(expected), (
            f"logits {raw}, target {target}: d CE/d z{i} is softmax - one_hot = {expected:.6f}, got {got}"
        )
