"""Exercise 7: an SGD step with momentum, the same numbers as torch.optim.SGD."""

import pytest

pytestmark = pytest.mark.exercise(7)

GRADS = [0.5, -1.2, 3.0, 0.01, -0.7]


def run(optim, lr, momentum):
    param, velocity, path = 1.0, 0.0, []
    for grad in GRADS:
        param, velocity = optim.sgd_step(param, grad, lr, momentum=momentum, velocity=velocity)
        path.append(param)
    return path


@pytest.mark.points(1)
def test_plain_sgd_step_moves_against_the_gradient(optim):
    param, velocity = optim.sgd_step(1.0, 0.5, 0.1)
    assert param == pytest.approx(0.95), f"1.0 - 0.1 * 0.5 = 0.95, got {param}"
    assert velocity == pytest.approx(0.5), f"with momentum 0 the velocity is the gradient, 0.5, got {velocity}"


@pytest.mark.points(2)
def test_momentum_path_matches_torch(optim):
    # torch 2.13 torch.optim.SGD([p], lr=0.1, momentum=0.9), p = 1.0 (float64), these gradients.
    expected = [0.95, 1.025, 0.7925, 0.58225, 0.463025]
    got = run(optim, 0.1, 0.9)
    assert got == pytest.approx(expected), f"torch.optim.SGD(lr=0.1, momentum=0.9) goes {expected}, yours {got}"
