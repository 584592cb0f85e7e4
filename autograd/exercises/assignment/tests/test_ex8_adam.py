"""Exercise 8: an Adam step, the same numbers as torch.optim.Adam."""

import pytest

pytestmark = pytest.mark.exercise(8)

GRADS = [0.5, -1.2, 3.0, 0.01, -0.7]


def run(optim, **settings):
    param, m, v, path = 1.0, 0.0, 0.0, []
    for t, grad in enumerate(GRADS, start=1):
        param, m, v = optim.adam_step(param, grad, m, v, t, **settings)
        path.append(param)
    return path


@pytest.mark.points(1)
def test_first_adam_step_moves_by_about_lr(optim):
    # Bias correction makes the first step lr * g / (|g| + eps): 1 - 0.01 * 0.5 / (0.5 + 1e-8).
    param, m, v = optim.adam_step(1.0, 0.5, 0.0, 0.0, 1, lr=0.01)
    assert param == pytest.approx(0.9900000002, abs=1e-12), f"the first step goes to 0.9900000002, got {param}"
    assert m == pytest.approx(0.05), f"m = 0.9 * 0 + 0.1 * 0.5 = 0.05, got {m}"
    assert v == pytest.approx(0.00025), f"v = 0.999 * 0 + 0.001 * 0.5^2 = 0.00025, got {v}"


@pytest.mark.points(2)
def test_adam_path_matches_torch(optim):
    # torch 2.13 torch.optim.Adam([p], lr=0.01), p = 1.0 (float64), these gradients.
    expected = [0.9900000002, 0.9942934147843411, 0.9897503632705218, 0.9860112049921679, 0.9840641249581943]
    got = run(optim, lr=0.01)
    assert got == pytest.approx(expected, rel=1e-12), f"torch.optim.Adam(lr=0.01) goes {expected}, yours {got}"
