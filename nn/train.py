"""The training loop: `fit` runs epochs of mini-batch gradient descent; `evaluate` and `predict`.

One optimisation step on a mini-batch (xb, yb) is what PyTorch users write by hand:

    outputs = [model(x) for x in xb]       # one output per sample
    loss = loss_fn(outputs, yb)            # a Value: the batch mean
    optimizer.zero_grad(); loss.backward(); optimizer.step()

`fit` computes sample i's output inside `autograd.scope("sample i")` (`nn.outputs` does the
same for any batch), so each node knows which sample it belongs to: "sample 5/layer 1/neuron 3".

So `loss_fn(outputs, targets)` receives the list of the model's outputs for the batch
(Values, or lists of Values for several outputs) and the list of targets, and returns
one `Value`. Every loss in `nn` already has that form: `loss_fn=nn.bce_with_logits`.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from autograd import Value, scope, trace
from autograd.trace import GraphChanged
from nn import metrics as _metrics
from nn.activations import ACTIVATIONS
from nn.checks import as_count, as_number
from nn.data import DataLoader
from nn.module import Module
from nn.optim import Optimizer

LossFn = Callable[[list, list], Value]
Metric = Callable[[list, list], float]
History = dict[str, list[float]]

METRICS: dict[str, Metric] = {
    "accuracy": _metrics.accuracy,
    "precision": _metrics.precision,
    "recall": _metrics.recall,
    "f1": _metrics.f1,
}


def _threshold(model: Module) -> float:
    """Where a single output splits the classes: 0.5 for a sigmoid output, else 0 (a raw score)."""
    activation = getattr(model, "output_activation", getattr(model, "activation", "linear"))
    return ACTIVATIONS[activation].threshold if activation in ACTIVATIONS else 0.0


def outputs(model: Module, xb: Sequence) -> list:
    """`[model(x) for x in xb]`, sample i's nodes made inside `autograd.scope("sample i")`.

    What `nn.fit` computes for each batch; a diagram of the batch's loss then shows one
    cluster per sample.

    >>> loss = nn.mse(nn.outputs(model, X), y)   # nodes scoped "sample 0/layer 0/neuron 0", ...
    """
    results = []
    for i, x in enumerate(xb):
        with scope(f"sample {i}"):
            results.append(model(x))
    return results


def to_label(output: Any, threshold: float = 0.0) -> int:
    """The class a model output stands for: 1 if a single output > threshold, else 0; argmax of a list."""
    if isinstance(output, (int, float)):
        return int(output > threshold)
    if isinstance(output, Value):
        return int(output.data > threshold)
    scores = [as_number(o) for o in output]
    return max(range(len(scores)), key=scores.__getitem__)


def predict(model: Module, X: Iterable[Sequence]) -> list[int]:
    """The predicted class of each sample: `to_label(model(x))`.

    A single output is read as a raw score (positive -> class 1), or as a probability
    (> 0.5 -> class 1) when the model's last activation is sigmoid; several outputs give
    the argmax.
    """
    threshold = _threshold(model)
    return [to_label(model(x), threshold) for x in X]


def _classes(targets: Sequence) -> list:
    """Targets as class labels for the metrics: a one-hot (or probability) list becomes its argmax."""
    return [to_label(t) if isinstance(t, (list, tuple)) else t for t in targets]


def _metric_functions(metrics: Sequence[str] | Mapping[str, Metric]) -> dict[str, Metric]:
    if isinstance(metrics, Mapping):
        return dict(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {list(METRICS)} or pass a dict of functions")
    return {name: METRICS[name] for name in metrics}


def evaluate(
    model: Module,
    loss_fn: LossFn,
    loader: Iterable[tuple[list, list]],
    metrics: Sequence[str] | Mapping[str, Metric] = ("accuracy",),
) -> dict[str, float]:
    """The mean loss and the metrics of `model` over every batch of `loader`, without training."""
    return _epoch(model, loss_fn, loader, _metric_functions(metrics))


def _epoch(
    model: Module,
    loss_fn: LossFn,
    loader: Iterable[tuple[list, list]],
    functions: dict[str, Metric],
    on_batch: Callable[[Value], None] | None = None,
    forward: Callable[[Module, Sequence], list] = outputs,
) -> dict[str, float]:
    """One pass over `loader`: the mean loss and each metric; `on_batch(loss)` runs after each batch's loss,
    `forward(model, xb)` gives the batch's outputs."""
    threshold = _threshold(model)
    total, count, y_true, y_pred = 0.0, 0, [], []
    for xb, yb in loader:
        batch_outputs = forward(model, xb)
        loss = loss_fn(batch_outputs, yb)
        if on_batch is not None:
            on_batch(loss)
        total += loss.data * len(xb)
        count += len(xb)
        if functions:
            y_true += _classes(yb)
            y_pred += [to_label(o, threshold) for o in batch_outputs]
    return {"loss": total / count, **{name: fn(y_true, y_pred) for name, fn in functions.items()}}


class _Compiled:
    """`fit(compile=True)`: the model's forward and backward for one sample, traced once (`autograd.trace`)
    and replayed for every sample without building Values. The loss still runs on Values, on one leaf per
    output, so it may branch on the numbers (as `bce_with_logits` does); its gradients seed the replays.
    A sample for which the model's own Python builds another graph gets a trace of its own; a model that
    needed `MOST_TRACES` of them (its graph keeps changing) trains eagerly from then on.
    """

    MOST_TRACES = 8

    def __init__(self, model: Module) -> None:
        self.model = model
        self.parameters = model.parameters()
        self.traced: dict[int, list] = {}  # the size of a sample -> the traces for it, the latest first
        self.traces = 0
        self.leaves: list | None = None  # None: this batch ran eagerly
        self.backwards: list[Callable] = []

    def outputs(self, model: Module, xb: Sequence) -> list:
        if self.traces >= self.MOST_TRACES:
            self.leaves = None
            return outputs(model, xb)
        numbers = [p.data for p in self.parameters]
        results = []
        self.backwards = []
        for x in xb:
            out, backward = self._forward(x, numbers)
            results.append(out)
            self.backwards.append(backward)
        self.leaves = [[Value(o) for o in out] if isinstance(out, list) else Value(out) for out in results]
        return self.leaves

    def _forward(self, x: Sequence, numbers: list[float]) -> tuple:
        traces = self.traced.setdefault(len(x), [])
        for traced in traces:
            try:
                return traced.forward(x, numbers)
            except GraphChanged:
                continue
        self.traces += 1
        traces.insert(0, trace(lambda sample, _: self.model(sample), [list(x), self.parameters]))
        return traces[0].forward(x, numbers)

    def step(self, loss: Value, optimizer: Optimizer) -> None:
        """zero_grad, backward through the loss to the outputs and then each sample's replay, step."""
        optimizer.zero_grad()
        loss.backward()  # the loss's own parameters (an L2 penalty) get their part here
        if self.leaves is not None:
            # The samples in the order backward() reaches them, the last first.
            total = [0.0] * len(self.parameters)
            for out, backward in zip(reversed(self.leaves), reversed(self.backwards)):
                seed = [v.grad for v in out] if isinstance(out, list) else out.grad
                total = list(map(operator.add, total, backward(seed)[1]))
            for p, g in zip(self.parameters, total):
                p.grad += g
        optimizer.step()


def _interactive() -> bool:
    """True in a terminal or a Jupyter notebook, where a progress bar is worth drawing."""
    if sys.stderr is not None and sys.stderr.isatty():
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def fit(
    model: Module,
    loss_fn: LossFn,
    optimizer: Optimizer,
    loader: DataLoader,
    epochs: int,
    progress: bool = True,
    *,
    metrics: Sequence[str] | Mapping[str, Metric] = ("accuracy",),
    validation: DataLoader | None = None,
    callback: Callable[[int, dict[str, float]], bool | None] | None = None,
    compile: bool = False,
) -> History:
    """Train `model` for `epochs` passes over `loader`; return the history of each epoch.

    Per batch: outputs = [model(x) for x in xb]; loss = loss_fn(outputs, yb);
    zero_grad, backward, optimizer.step(). The history maps "loss" (the mean batch loss of
    each epoch) and each metric (computed on the epoch's outputs, labels from
    `nn.to_label`; one-hot targets count as their argmax) to a list with one number per epoch; with `validation`, also
    "val_loss" and "val_<metric>" from `nn.evaluate` after each epoch.

    `metrics` are names ("accuracy", "precision", "recall", "f1") or a dict of
    `fn(y_true, y_pred)`; pass `()` for regression. `callback(epoch, logs)` runs after
    each epoch (epoch counts from 1; logs is that epoch's numbers); returning True stops
    training early. `progress` shows a tqdm bar in a terminal or notebook only.

    `compile=True` traces the model's forward and backward for one sample once (`autograd.trace`) and
    replays it for every sample: the same numbers, several times faster. The loss runs as usual; a
    model whose Python branches on the numbers gets a trace per graph it builds (at most 8, then eager).

    >>> history = nn.fit(model, nn.bce_with_logits, nn.Adam(model.parameters(), lr=0.05), loader, epochs=50)
    >>> history["loss"][-1], history["accuracy"][-1]
    """
    as_count("epochs", epochs, minimum=0)
    functions = _metric_functions(metrics)
    history: History = {"loss": [], **{name: [] for name in functions}}
    bar = None
    if progress and _interactive():
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * len(loader), unit="batch", desc="training")

    compiled = _Compiled(model) if compile else None

    def train_step(loss: Value) -> None:
        if compiled is None:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        else:
            compiled.step(loss, optimizer)
        if bar is not None:
            bar.update()

    try:
        for epoch in range(1, epochs + 1):
            logs = _epoch(model, loss_fn, loader, functions, train_step, compiled.outputs if compiled else outputs)
            if validation is not None:
                logs.update({f"val_{k}": v for k, v in _epoch(model, loss_fn, validation, functions).items()})
            for name, value in logs.items():
                history.setdefault(name, []).append(value)
            if bar is not None:
                bar.set_postfix({"epoch": epoch, **{k: round(v, 4) for k, v in logs.items()}})
            if callback is not None and callback(epoch, logs):
                break
    finally:
        if bar is not None:
            bar.close()
    return history
