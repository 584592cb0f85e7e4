"""The workloads, each written once over a `Contender` and returning plain numbers.

Each function builds a fresh graph, so repeated calls measure the same work. Timings use
`time.perf_counter` with the garbage collector left as the user has it (on, by default).
"""

from __future__ import annotations

import gc
import math
import random
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.contenders import Contender, generic_mlp

ALPHA, LR = 1e-4, 0.05  # micrograd's demo's L2 strength; a fixed learning rate


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, like scikit-learn's make_moons, from a seeded pure-Python RNG."""
    rng = random.Random(seed)
    outer, inner = n // 2, n - n // 2
    X, y = [], []
    for i in range(outer):
        angle = math.pi * i / max(outer - 1, 1)
        X.append([math.cos(angle) + rng.gauss(0, noise), math.sin(angle) + rng.gauss(0, noise)])
        y.append(0)
    for i in range(inner):
        angle = math.pi * i / max(inner - 1, 1)
        X.append([1 - math.cos(angle) + rng.gauss(0, noise), 0.5 - math.sin(angle) + rng.gauss(0, noise)])
        y.append(1)
    return X, y


def moons_step_runner(contender: Contender, n_points: int, seed: int = 0) -> Callable[[], float]:
    """A closure doing one training step of MLP 2-16-16-1 on `n_points` moons; it returns the loss.

    The step is micrograd's README demo: max-margin (hinge) loss with L2 regularisation,
    backward, then SGD. Every call continues training the same model on the same data.
    """
    X, labels = make_moons(n_points, noise=0.1, seed=seed)
    targets = [2.0 * label - 1.0 for label in labels]
    if contender.nn is not None:
        return _nn_moons_step_runner(contender.nn, X, targets, seed)
    model, params = generic_mlp(contender, 2, [16, 16, 1], seed)

    def step() -> float:
        inputs = [[contender.leaf(v) for v in row] for row in X]
        scores = [model(x) for x in inputs]
        losses = [(1 + -t * score).relu() for t, score in zip(targets, scores)]
        data_loss = contender.total(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * contender.total([p * p for p in params])
        loss = data_loss + reg_loss
        contender.backward(loss)
        contender.sgd(params, LR)
        return float(loss.data)  # a 0-d torch tensor's .data converts too

    return step


def _nn_moons_step_runner(nn: Any, X: list[list[float]], targets: list[float], seed: int) -> Callable[[], float]:
    """The same training step written with Backprop Lab's `nn`, the way its users write it."""
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=seed)
    params = model.parameters()
    optimizer = nn.SGD(params, lr=LR)

    def step() -> float:
        scores = [model(x) for x in X]
        loss = nn.hinge(scores, targets) + nn.l2_penalty(params, ALPHA)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    return step


class GcClock:
    """Seconds the garbage collector spends collecting while the clock is attached (via `gc.callbacks`)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def _forward_backward(contender: Contender, forward: Callable[[], Any]) -> dict[str, float]:
    """Seconds for `forward()` to build a graph, for the backward pass from its output, and for the collector."""
    with GcClock() as clock:
        start = time.perf_counter()
        out = forward()
        built = time.perf_counter()
        contender.backward(out)
        done = time.perf_counter()
    return {"forward_s": built - start, "backward_s": done - built, "gc_s": clock.seconds}


def chain(contender: Contender, n: int, constants: bool = False) -> dict[str, float]:
    """Forward and backward of a chain n nodes deep: y = y + x (or y = y + 1.0 with `constants`).

    With `constants` every step also makes a leaf for the number 1.0, as `y + 1.0` does in every
    scalar engine: two nodes per step, timed per step.
    """
    x = contender.leaf(0.5)

    def forward() -> Any:
        y = x
        if constants:
            for _ in range(n):
                y = y + 1.0
        else:
            for _ in range(n):
                y = y + x
        return y

    result = _forward_backward(contender, forward)
    expected = 1.0 if constants else n + 1.0
    if not math.isclose(contender.grad_of(x), expected):
        raise AssertionError(f"{contender.name}: chain gradient {contender.grad_of(x)}, expected {expected}")
    return result


def wide(contender: Contender, n: int) -> dict[str, float]:
    """Forward and backward of a wide, shallow graph: the sum of n products a_i * b_i."""
    a = [contender.leaf(0.5 + i / n) for i in range(n)]
    b = [contender.leaf(2.0) for _ in range(n)]
    result = _forward_backward(contender, lambda: contender.total([ai * bi for ai, bi in zip(a, b)]))
    if not math.isclose(contender.grad_of(a[0]), 2.0):
        raise AssertionError(f"{contender.name}: wide gradient {contender.grad_of(a[0])}, expected 2.0")
    return result


def graph_memory(contender: Contender, n: int) -> dict[str, float]:
    """Bytes per node of a chain y = y + x held in memory, and the peak during its forward (tracemalloc)."""
    x = contender.leaf(0.5)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        y = x
        for _ in range(n):
            y = y + x
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del y
    return {"bytes_per_node": (held - before) / n, "peak_bytes_per_node": (peak - before) / n}


def best_of(measure: Callable[[], Any], repeat: int, budget_s: float, key: Callable[[Any], float]) -> tuple[Any, int]:
    """Run `measure` once to warm up, then up to `repeat` times; keep the fastest by `key`.

    Slow engines stop early once `budget_s` seconds of measured runs have passed (at least one run).
    """
    measure()
    best, runs, spent = None, 0, 0.0
    while runs < repeat and (runs == 0 or spent < budget_s):
        start = time.perf_counter()
        result = measure()
        spent += time.perf_counter() - start
        runs += 1
        if best is None or key(result) < key(best):
            best = result
    return best, runs


def per_node_ns(result: dict[str, float], n: int) -> dict[str, float]:
    """Forward, backward and total nanoseconds per node, and how much of the total the collector took."""
    forward, backward, collector = (result[key] * 1e9 / n for key in ("forward_s", "backward_s", "gc_s"))
    return {"forward_ns": forward, "backward_ns": backward, "total_ns": forward + backward, "gc_ns": collector}


def deep_chain(contender: Contender, n: int) -> dict[str, float]:
    """Seconds for the forward and backward of y = y + 1.0 repeated n times, and the collector's share."""
    result = chain(contender, n, constants=True)
    return {"seconds": result["forward_s"] + result["backward_s"], "gc_seconds": result["gc_s"]}


def sizes_for(smoke: bool) -> dict[str, int]:
    """Problem sizes: the issue's, or tiny ones for the CI smoke run."""
    if smoke:
        return {"moons_points": 8, "chain": 2_000, "wide": 2_000, "memory": 1_000, "deep_chain": 10_000}
    return {"moons_points": 100, "chain": 200_000, "wide": 100_000, "memory": 100_000, "deep_chain": 1_000_000}
