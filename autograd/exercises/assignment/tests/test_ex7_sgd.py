"""Exercise 7: an SGD step with momentum, the same numbers as torch.optim.SGD.

The expected path comes from `nn.SGD`, whose numbers are torch.optim.SGD's (PyTorch's
update: v = momentum * v + g; p -= lr * v), for gradients drawn at random for each run.
"""

import pytest

import nn
from autograd import Value

pytestmark = pytest.mark.exercise(7)


def torch_path(start, grads, lr, momentum):
    param = Value(start)
    optimizer = nn.SGD([param], lr=lr, momentum=momentum)
    path = []
    for grad in grads:
        param.grad = grad
        optimizer.step()
        path.append(param.data)
    return path


@pytest.mark.points(1)
def test_plain_sgd_step_moves_against_the_gradient(optim, rng):
    param, grad, lr = rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(0.01, 0.5)
    new, velocity = optim.sgd_step(param, grad, lr)
    assert new == pytest.approx(param - lr * grad), f"{param} - {lr} * {grad} = {param - lr * grad}, got {new}"
    assert velocity == pytest.approx(grad), f"with momentum 0 the velocity is the gradient, {grad}, got {velocity}"


@pytest.mark.points(2)
def test_momentum_path_matches_torch(optim, rng):
    start, lr, momentum = rng.uniform(-2, 2), rng.uniform(0.01, 0.3), rng.uniform(0.5, 0.95)
    grads = [rng.uniform(-3, 3) for _ in range(5)]
    param, velocity, got = start, 0.0, []
    for grad in grads:
        param, velocity = optim.sgd_step(param, grad, lr, momentum=momentum, velocity=velocity)
        got.append(param)
    expected = torch_path(start, grads, lr, momentum)
    assert got == pytest.approx(expected), (
        f"from {start} with gradients {grads}, SGD(lr={lr}, momentum={momentum}) goes {expected}, yours {got}"
    )
