"""Exercises 7 and 8: one optimizer step, on plain numbers.

An optimizer turns a parameter's gradient into a change of the parameter. These
functions update one parameter at a time and return the new parameter and the new
optimizer state; to train, apply them to every parameter after `backward()`:

    for i, p in enumerate(params):
        p.data, velocity[i] = sgd_step(p.data, p.grad, lr=0.1, momentum=0.9, velocity=velocity[i])

They must give the same numbers as PyTorch's `torch.optim.SGD` and `torch.optim.Adam`.
"""

from __future__ import annotations

import math


def sgd_step(param: float, grad: float, lr: float, momentum: float = 0.0, velocity: float = 0.0) -> tuple[float, float]:
    """Exercise 7: one SGD step with momentum, as torch.optim.SGD.

    velocity = momentum * velocity + grad;  param = param - lr * velocity.
    The velocity starts at 0. Return (new param, new velocity).
    """
    ### BEGIN SOLUTION
    velocity = momentum * velocity + grad
    return param - lr * velocity, velocity
    ### END SOLUTION


def adam_step(
    param: float,
    grad: float,
    m: float,
    v: float,
    t: int,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> tuple[float, float, float]:
    """Exercise 8: one Adam step, as torch.optim.Adam. `t` counts steps from 1.

    m = beta1 * m + (1 - beta1) * grad          (running mean of the gradient)
    v = beta2 * v + (1 - beta2) * grad^2        (running mean of its square)
    m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)   (bias correction: m, v start at 0)
    param = param - lr * m_hat / (sqrt(v_hat) + eps)       (eps after the square root)
    Return (new param, new m, new v).
    """
    ### BEGIN SOLUTION
    beta1, beta2 = betas
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return param - lr * m_hat / (math.sqrt(v_hat) + eps), m, v
    ### END SOLUTION
