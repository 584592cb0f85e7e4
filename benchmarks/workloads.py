"""The workloads, each written once with operators and run on any `Engine`, returning plain numbers.

Timings use `time.perf_counter` (or `timeit` for single operators) with the garbage collector left
on, as users run it; `GcClock` measures the collector's share. Each graph workload builds a fresh
graph per run, so repeated runs measure the same work, and checks its result, so a fast wrong
answer cannot pass for a fast right one.

- `operator_ns`: one operator (`a + b`, `a.exp()`, ...) in a loop, ns per op;
  `op_graph_backward`: backward alone over a graph of those operators, ns per op;
- `mixed`: Python `sum` of products feeding relu, `**2`, log and exp, forward and backward;
- `chain`: `v = v*k + c` repeated, two nodes per step, forward and backward;
- `moons_step_runner`: micrograd's MLP (`benchmarks.mlp`) training on the moons, one step a call;
- `microgpt_loop`: microgpt's training loop (`benchmarks.microgpt`) with the engine's `Value`;
- `graph_memory`: bytes per node the chain's graph holds;
- `traced_*` and `nn_*`: the same work through `autograd.trace` and through Backprop Lab's `nn`.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import math
import random
import time
import timeit
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks import microgpt
from benchmarks.engines import Engine, Unavailable
from benchmarks.mlp import ALPHA, LR, MLP, make_moons, moons_loss

# Each operator micro-benchmark: the statement timed on leaves a = 0.7, b = 1.3, and the op it needs.
OPERATORS: dict[str, tuple[str, str | None]] = {
    "a+b": ("a + b", None),
    "a*b": ("a * b", None),
    "a+1.0": ("a + 1.0", None),
    "a**2": ("a ** 2", None),
    "exp": ("a.exp()", "exp"),
    "log": ("a.log()", "log"),
    "relu": ("a.relu()", "relu"),
    "tanh": ("a.tanh()", "tanh"),
}
OPS_PER_TERM = 9  # ops in one `_op_graph_term` plus its add into the sum
CHAIN_K, CHAIN_C = 1.0 - 1e-5, 0.5


class GcClock:
    """Seconds the garbage collector spends collecting while the clock is attached (via `gc.callbacks`)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


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


def _forward_backward(engine: Engine, forward: Callable[[], Any]) -> dict[str, float]:
    """Seconds for `forward()` to build a graph, for the backward pass from its output, and for the collector."""
    with GcClock() as clock:
        start = time.perf_counter()
        out = forward()
        built = time.perf_counter()
        engine.backward(out)
        done = time.perf_counter()
    return {"forward_s": built - start, "backward_s": done - built, "gc_s": clock.seconds}


def per_op_ns(result: dict[str, float], ops: int) -> dict[str, float]:
    """Forward, backward and total nanoseconds per op, and how much of the total the collector took."""
    forward, backward, collector = (result[key] * 1e9 / ops for key in ("forward_s", "backward_s", "gc_s"))
    return {"forward_ns": forward, "backward_ns": backward, "total_ns": forward + backward, "gc_ns": collector}


def _close(got: float, expected: float, what: str, engine: Engine, rel: float = 1e-9) -> None:
    if not math.isclose(got, expected, rel_tol=rel, abs_tol=1e-12):
        raise AssertionError(f"{engine.name}: {what} is {got}, expected {expected}")


# Single operators.


def operator_ns(engine: Engine, name: str, repeat: int, min_seconds: float) -> float:
    """ns per `OPERATORS[name]` (best of `repeat` timeit loops of at least `min_seconds` each, collector on)."""
    statement, op = OPERATORS[name]
    if op is not None:
        engine.require(op)
    scope = {"a": engine.leaf(0.7), "b": engine.leaf(1.3), "gc": gc}
    timer = timeit.Timer(statement, setup="gc.enable()", globals=scope)
    number = 1
    while timer.timeit(number) < min_seconds:
        number *= 4
    return min(timer.repeat(repeat, number)) / number * 1e9


def _op_graph_term(a: Any, b: Any) -> Any:
    """The operators that every engine has (micrograd 0.1.0: + * ** relu), in one expression of 8 ops."""
    p = a * b
    return (p + 1.0).relu() + (a + b) ** 2 + p * a


def op_graph(engine: Engine, terms: int, seed: int = 0) -> tuple[Any, list[Any]]:
    """`sum` of `terms` expressions of the micro-benchmarks' operators: the graph and its leaves."""
    rng = random.Random(seed)
    leaves = [engine.leaf(rng.uniform(-1, 1)) for _ in range(2 * terms)]
    return sum(_op_graph_term(a, b) for a, b in zip(leaves[::2], leaves[1::2])), leaves


def op_graph_gradients(a: float, b: float) -> tuple[float, float]:
    """d/da and d/db of one `_op_graph_term`, by hand: the closed form the engines must match."""
    relu = 1.0 if a * b + 1.0 > 0 else 0.0
    return relu * b + 2 * (a + b) + 2 * a * b, relu * a + 2 * (a + b) + a * a


def op_graph_backward(engine: Engine, terms: int, repeat: int, budget: float) -> float:
    """ns per op of backward alone over a fresh `op_graph` (best of `repeat`), its gradients checked."""

    def run() -> float:
        out, leaves = op_graph(engine, terms)
        start = time.perf_counter()
        engine.backward(out)
        seconds = time.perf_counter() - start
        a, b = leaves[0], leaves[1]
        expected = op_graph_gradients(engine.data_of(a), engine.data_of(b))
        _close(engine.grad_of(a), expected[0], "d/da of the operator graph", engine)
        _close(engine.grad_of(b), expected[1], "d/db of the operator graph", engine)
        return seconds

    best, _ = best_of(run, repeat, budget, key=float)
    return best * 1e9 / (terms * OPS_PER_TERM)


# The mixed operator workload.


def mixed_expression(xs: Sequence[Any], ws: Sequence[Sequence[Any]]) -> Any:
    """For each row of `ws`: s = sum(w*x), then relu(s) + log(s**2 + 1) + exp(s/2); the sum over rows."""
    return sum(_mixed_row(sum(w * x for w, x in zip(row, xs))) for row in ws)


def _mixed_row(s: Any) -> Any:
    return s.relu() + (s**2 + 1.0).log() + (s * 0.5).exp()


def mixed_ops(inputs: int, rows: int) -> int:
    """Ops in `mixed_expression`: per row, `inputs` muls and adds, 8 ops on the sum and 1 add into the total."""
    return rows * (2 * inputs + 9)


def mixed_numbers(inputs: int, rows: int, seed: int = 0) -> tuple[list[float], list[list[float]]]:
    """Seeded inputs and weights for `mixed_expression`, scaled so that exp(s/2) stays moderate."""
    rng = random.Random(seed)
    xs = [rng.uniform(-1, 1) for _ in range(inputs)]
    scale = 2.0 / math.sqrt(inputs)
    return xs, [[rng.uniform(-scale, scale) for _ in range(inputs)] for _ in range(rows)]


def mixed_leaves(engine: Engine, inputs: int, rows: int) -> tuple[list[Any], list[list[Any]]]:
    """The mixed workload's inputs and weights as `engine`'s leaves (`Unavailable` if it lacks an op)."""
    engine.require("exp", "log", "relu")
    xs, ws = mixed_numbers(inputs, rows)
    return [engine.leaf(x) for x in xs], [[engine.leaf(w) for w in row] for row in ws]


def mixed(engine: Engine, inputs: int, rows: int) -> dict[str, float]:
    """Seconds for the forward and the backward of the mixed workload, and for the collector."""
    xs, ws = mixed_leaves(engine, inputs, rows)
    return _forward_backward(engine, lambda: mixed_expression(xs, ws))


# The chain.


def chain(engine: Engine, steps: int) -> dict[str, float]:
    """Forward and backward of v = v*k + c repeated `steps` times (2 nodes a step), the gradient checked.

    d(v_n)/dc = 1 + k + ... + k^(n-1) = (1 - k^n) / (1 - k): the closed form every engine must match.
    """
    v0, k, c = engine.leaf(0.5), engine.leaf(CHAIN_K), engine.leaf(CHAIN_C)

    def forward() -> Any:
        v = v0
        for _ in range(steps):
            v = v * k + c
        return v

    result = _forward_backward(engine, forward)
    _close(engine.grad_of(c), (1 - CHAIN_K**steps) / (1 - CHAIN_K), "d(chain)/dc", engine)
    return result


def graph_memory(engine: Engine, steps: int) -> float:
    """Bytes per node held by the graph of `chain` (tracemalloc), measured on its forward alone."""
    v0, k, c = engine.leaf(0.5), engine.leaf(CHAIN_K), engine.leaf(CHAIN_C)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        v = v0
        for _ in range(steps):
            v = v * k + c
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del v
    return (held - before) / (2 * steps)


# The moons training step.


def moons_data(points: int, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """`points` moons and their targets as -1.0 / +1.0 (the max-margin loss's labels)."""
    X, labels = make_moons(points, noise=0.1, seed=seed)
    return X, [2.0 * label - 1.0 for label in labels]


def moons_step_runner(engine: Engine, points: int, seed: int = 0) -> tuple[Callable[[], float], list[Any]]:
    """One training step of micrograd's MLP 2-16-16-1 on `points` moons per call (it returns the loss).

    The step is micrograd's demo: wrap the points as the engine's scalars, max-margin loss with L2,
    zero the gradients, backward, SGD. Each call continues training the same model on the same data.
    """
    X, targets = moons_data(points, seed)
    model = MLP(2, [16, 16, 1], engine.leaf, seed)
    params = model.parameters()

    def step() -> float:
        inputs = [[engine.constant(v) for v in row] for row in X]
        loss = moons_loss(model, inputs, targets)
        engine.zero_grad(params)
        engine.backward(loss)
        engine.sgd(params, LR)
        return engine.data_of(loss)

    return step, params


def initial_parameters(seed: int = 0) -> list[float]:
    """The numbers every engine's MLP 2-16-16-1 starts from (micrograd's layout: weights, then bias, per neuron)."""
    return MLP(2, [16, 16, 1], float, seed).parameters()


def _autograd_trace() -> Callable[..., Any]:
    autograd = importlib.import_module("autograd")
    if not hasattr(autograd, "trace"):
        raise Unavailable("autograd.trace is not available in this version")
    return autograd.trace


def traced_moons_step_runner(points: int, seed: int = 0) -> tuple[Callable[[], float], list[float], float]:
    """The moons step replayed by `autograd.trace`: (step, the parameters it updates, seconds the trace took).

    The loss of the parameters is traced once; each step reruns forward and backward on the current
    parameters and applies SGD to the numbers.
    """
    trace = _autograd_trace()
    from autograd import Value

    X, targets = moons_data(points, seed)
    model = MLP(2, [16, 16, 1], Value, seed)
    params = [p.data for p in model.parameters()]

    def loss_of(*values: Any) -> Any:
        model.load(values)
        return moons_loss(model, X, targets)

    start = time.perf_counter()
    traced = trace(loss_of, params)
    trace_seconds = time.perf_counter() - start

    def step() -> float:
        out, grads = traced(*params)
        params[:] = [p - LR * g for p, g in zip(params, grads)]
        return float(getattr(out, "data", out))

    return step, params, trace_seconds


def traced_mixed_runner(inputs: int, rows: int) -> tuple[Callable[[], tuple[Any, Any]], float]:
    """The mixed workload replayed by `autograd.trace`: (one forward+backward replay, seconds the trace took)."""
    trace = _autograd_trace()
    xs, ws = mixed_numbers(inputs, rows)
    numbers = xs + [w for row in ws for w in row]

    def fn(*values: Any) -> Any:
        weights = values[inputs:]
        return mixed_expression(values[:inputs], [weights[r * inputs : (r + 1) * inputs] for r in range(rows)])

    start = time.perf_counter()
    traced = trace(fn, numbers)
    trace_seconds = time.perf_counter() - start
    return lambda: traced(*numbers), trace_seconds


def nn_model(points: int, seed: int = 0) -> tuple[Any, Any, list[list[float]], list[float]]:
    """Backprop Lab's `nn` package and an `nn.MLP(2, [16, 16, 1])` starting from `initial_parameters`.

    A neuron of `nn.MLP` is one fused `dot` node; with the same numbers as micrograd's MLP, the loss
    is the same, so the two paths compute the same step.
    """
    nn = importlib.import_module("nn")
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=seed)
    for p, x in zip(model.parameters(), initial_parameters(seed)):
        p.data = x
    X, targets = moons_data(points, seed)
    return nn, model, X, targets


def nn_moons_step_runner(points: int, seed: int = 0) -> Callable[[], float]:
    """The moons step written with `nn` by hand (MLP, hinge, l2_penalty, SGD), one step per call."""
    nn, model, X, targets = nn_model(points, seed)
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


def nn_traced_moons_step_runner(points: int, seed: int = 0) -> tuple[Callable[[], float], float]:
    """`nn_moons_step_runner`'s step traced once by `autograd.trace` and replayed: (step, seconds the trace took).

    The same fused `nn.MLP` code as the eager step, so the two rows compare the same work.
    """
    trace = _autograd_trace()
    nn, model, X, targets = nn_model(points, seed)
    params = model.parameters()

    def loss_of(*_parameters: Any) -> Any:  # the parameters are the inputs: fn reads them from the model
        return nn.hinge([model(x) for x in X], targets) + nn.l2_penalty(params, ALPHA)

    start = time.perf_counter()
    traced = trace(loss_of, params)
    trace_seconds = time.perf_counter() - start
    numbers = [p.data for p in params]

    def step() -> float:
        out, grads = traced(*numbers)
        numbers[:] = [p - LR * g for p, g in zip(numbers, grads)]
        return float(out)

    return step, trace_seconds


def nn_fit_runner(points: int, epochs: int, compile: bool, seed: int = 0) -> Callable[[], float]:
    """`nn.fit` for `epochs` epochs of one full batch (one step each), optionally `compile=True`; returns the loss."""
    nn, model, X, targets = nn_model(points, seed)
    options: dict[str, Any] = {"progress": False, "metrics": ()}
    if compile:
        if "compile" not in inspect.signature(nn.fit).parameters:
            raise Unavailable("nn.fit has no compile= option in this version")
        options["compile"] = True
    params = model.parameters()
    optimizer = nn.SGD(params, lr=LR)
    loader = nn.DataLoader(X, targets, batch_size=len(X), shuffle=False)

    def loss_fn(outputs: list, batch_targets: list) -> Any:
        return nn.hinge(outputs, batch_targets) + nn.l2_penalty(params, ALPHA)

    return lambda: nn.fit(model, loss_fn, optimizer, loader, epochs, **options)["loss"][-1]


# microgpt's training loop.


def microgpt_loop(engine: Engine, config: dict[str, int]) -> dict[str, Any]:
    """Seconds (and the collector's share) for microgpt's loop with the engine's `Value`, and its losses."""
    engine.require("log", "microgpt loop")
    if engine.value_class is None:
        raise Unavailable(f"{engine.name} has no Value class for microgpt's loop")
    with GcClock() as clock:
        start = time.perf_counter()
        losses = microgpt.train(engine.value_class, **config)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "gc_seconds": clock.seconds, "losses": losses}
