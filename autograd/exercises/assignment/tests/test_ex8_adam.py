"""Exercise 8: an Adam step, the same numbers as torch.optim.Adam.

The expected path comes from `nn.Adam`, whose numbers are torch.optim.Adam's (bias
correction, eps after the square root), for gradients drawn at random for each run.
"""

import pytest

import nn
from autograd import Value

pytestmark = pytest.mark.exercise(8)


def torch_path(start, grads, **settings):
    param = Value(start)
    optimizer = nn.Adam([param], **settings)
    path = []
    for grad in grads:
        param.grad = grad
        optimizer.step()
        path.append(param.data)
    return path


def adam_path(optim, start, grads, **settings):
    param, m, v, path = start, 0.0, 0.0, []
    for t, grad in enumerate(grads, start=1):
        param, m, v = optim.adam_step(param, grad, m, v, t, **settings)
        path.append(param)
    return path


@pytest.mark.points(1)
def test_first_adam_step_moves_by_about_lr(optim, rng):
    # Bias correction makes the first step lr * g / (|g| + eps).
    param, grad, lr = rng.uniform(-2, 2), rng.choice((-1, 1)) * rng.uniform(0.1, 2), rng.uniform(0.001, 0.1)
    new, m, v = optim.adam_step(param, grad, 0.0, 0.0, 1, lr=lr)
    expected = param - lr * grad / (abs(grad) + 1e-8)
    assert new == pytest.approx(expected, abs=1e-12), f"the first step from {param} goes to {expected}, got {new}"
    assert m == pytest.approx(0.1 * grad), f"m = 0.9 * 0 + 0.1 * {grad} = {0.1 * grad}, got {m}"
    assert v == pytest.approx(0.001 * grad**2), f"v = 0.999 * 0 + 0.001 * {grad}^2 = {0.001 * grad**2}, got {v}"


@pytest.mark.points(2)
def test_adam_path_matches_torch(optim, rng):
    start, lr = rng.uniform(-2, 2), rng.uniform(0.001, 0.1)
    grads = [rng.uniform(-3, 3) for _ in range(5)]
    expected = torch_path(start, grads, lr=lr)
    got = adam_path(optim, start, grads, lr=lr)
    assert got == pytest.approx(expected, rel=1e-12), (
        f"from {start} with gradients {grads}, Adam(lr={lr}) goes {expected}, yours {got}"
    )
