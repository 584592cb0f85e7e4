"""SGD (with momentum) and Adam: first steps against hand-derived numbers, and against torch.optim."""

import pytest

import nn
from autograd import Value


def run(optimizer_factory, grads, start=1.0):
    """Apply one optimizer step per gradient in `grads` to a parameter starting at `start`."""
    p = Value(start)
    optimizer = optimizer_factory([p])
    trajectory = []
    for g in grads:
        optimizer.zero_grad()
        p.grad = g
        optimizer.step()
        trajectory.append(p.data)
    return trajectory


def test_sgd_step_is_p_minus_lr_times_grad():
    assert run(lambda ps: nn.SGD(ps, lr=0.1), [0.5]) == [pytest.approx(1.0 - 0.1 * 0.5)]


def test_sgd_momentum_accumulates_velocity_like_torch():
    # v1 = g = 1 -> p = 0.9; v2 = 0.9*1 + 1 = 1.9 -> 0.71; v3 = 0.9*1.9 + 1 = 2.71 -> 0.439.
    assert run(lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9), [1.0, 1.0, 1.0]) == pytest.approx([0.9, 0.71, 0.439])


def test_adam_moves_every_step_by_lr_for_a_constant_gradient():
    # Step 1: m = 0.1*g, v = 0.001*g^2; bias-corrected m_hat = g, sqrt(v_hat) = |g|: p -= lr * g/|g|.
    # Step 2: m = 0.19*g, v = 0.001999*g^2, the corrections 0.19 and 0.001999 cancel again.
    assert run(lambda ps: nn.Adam(ps, lr=0.1), [0.5, 0.5]) == pytest.approx([0.9, 0.8])


def test_adam_second_step_after_a_sign_flip():
    # g1 = 1, g2 = -1: m2 = 0.9*0.1 - 0.1 = -0.01, m_hat = -0.01/0.19; v2 = 0.999*0.001 + 0.001 = 0.001999,
    # v_hat = 0.001999/(1 - 0.999^2) = 1, so p2 = p1 - 0.1 * (-0.01/0.19) / (1 + 1e-8).
    p1 = 1.0 - 0.1 * 1.0 / (1.0 + 1e-8)
    p2 = p1 + 0.1 * (0.01 / 0.19) / (1.0 + 1e-8)
    assert run(lambda ps: nn.Adam(ps, lr=0.1), [1.0, -1.0]) == pytest.approx([p1, p2], rel=1e-12)


def test_adam_adds_eps_after_the_square_root():
    # A gradient of 1e-8 with eps 1e-8: step 1 moves lr * 1e-8 / (1e-8 + 1e-8) = lr / 2.
    assert run(lambda ps: nn.Adam(ps, lr=0.1, eps=1e-8), [1e-8]) == [pytest.approx(1.0 - 0.05)]


def test_optimizer_zero_grad_clears_the_parameters():
    params = [Value(1.0), Value(2.0)]
    for p in params:
        p.grad = 3.0
    nn.SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_optimizers_reject_an_empty_parameter_list():
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.Adam([])


def test_sgd_minimises_a_quadratic():
    x = Value(5.0)
    optimizer = nn.SGD([x], lr=0.1, momentum=0.5)
    for _ in range(100):
        optimizer.zero_grad()
        ((x - 2.0) ** 2).backward()
        optimizer.step()
    assert x.data == pytest.approx(2.0, abs=1e-6)


GRADS = [0.5, -1.2, 3.0, 0.01, -0.4, 2.2]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda ps: nn.SGD(ps, lr=0.05, momentum=0.9), lambda torch, ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
        (lambda ps: nn.Adam(ps, lr=0.01), lambda torch, ps: torch.optim.Adam(ps, lr=0.01)),
        (
            lambda ps: nn.Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-6),
            lambda torch, ps: torch.optim.Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-6),
        ),
    ],
)
def test_optimizers_give_torch_optim_numbers(ours, theirs):
    torch = pytest.importorskip("torch")
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    optimizer = theirs(torch, [p])
    expected = []
    for g in GRADS:
        p.grad = torch.tensor([g], dtype=torch.float64)
        optimizer.step()
        expected.append(p.item())
    assert run(ours, GRADS) == pytest.approx(expected, rel=1e-12, abs=1e-15)
