"""Optimizers: SGD with momentum and Adam, with the update rules of `torch.optim`.

After `loss.backward()` each parameter's `.grad` holds d(loss)/d(p); `step()` moves
`p.data` against it. `zero_grad()` clears the gradients before the next backward
pass (they accumulate otherwise, as in PyTorch).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value


class Optimizer:
    """What every optimizer shares: the parameter list, `zero_grad` and the learning rate."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty parameter list; pass model.parameters()")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"optimizers update Values, got {type(p).__name__}; pass model.parameters()")
        if not lr >= 0.0:
            raise ValueError(f"learning rate must be >= 0, got {lr}")
        self.lr = float(lr)

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its `.grad`."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum as in `torch.optim.SGD`.

    Without momentum: p -= lr * g. With momentum m: v = m*v + g (v starts at g on the
    first step), then p -= lr * v, so past gradients keep the parameter rolling.
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)
        self.velocity: list[float] | None = None

    def step(self) -> None:
        lr, m = self.lr, self.momentum
        if m == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            return
        if self.velocity is None:
            self.velocity = [p.grad for p in self.params]
        else:
            self.velocity = [m * v + p.grad for v, p in zip(self.velocity, self.params)]
        for v, p in zip(self.velocity, self.params):
            p.data -= lr * v

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum}, params={len(self.params)})"


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), the same arithmetic as `torch.optim.Adam`.

    m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;  at step t,
    p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    (bias-corrected moments; `eps` added after the square root).
    On the first step every parameter moves by about lr, whatever its gradient's size.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        b1, b2 = betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"betas must each be in [0, 1), got {betas}")
        if not eps >= 0.0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        self.betas = (float(b1), float(b2))
        self.eps = float(eps)
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        b1, b2 = self.betas
        self.t += 1
        step_size = self.lr / (1.0 - b1**self.t)
        sqrt_correction2 = math.sqrt(1.0 - b2**self.t)
        m, v, eps = self.m, self.v, self.eps
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / sqrt_correction2 + eps)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps}, params={len(self.params)})"
