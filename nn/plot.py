"""Pictures of training: loss and metric curves from a history, and a 2-D decision boundary.

matplotlib is imported inside the functions (install it with the `plot` extra), so
`import nn` stays light. Each function returns the Figure and never calls `plt.show()`:
in Jupyter the returned figure is shown once; elsewhere use `fig.savefig("file.png")`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nn.data import linspace
from nn.module import Module
from nn.train import predict


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError('nn plots need matplotlib: pip install "backprop-lab[plot]"') from None
    return plt


def _detached(plt: Any, fig: Any) -> Any:
    # Closed in pyplot so Jupyter shows only the returned figure, once; savefig still works.
    plt.close(fig)
    return fig


def plot_history(history: dict[str, list[float]]) -> Any:
    """Loss per epoch on the left; the metrics (accuracy, ...) per epoch on the right, if any.

    A `val_` entry is drawn dashed next to its training curve.
    """
    plt = _pyplot()
    if not history.get("loss"):
        raise ValueError("plot_history needs a history with a non-empty 'loss' list, as nn.fit returns")
    metric_names = [k for k in history if k != "loss" and not k.startswith("val_")]
    fig, axes = plt.subplots(1, 2 if metric_names else 1, figsize=(10 if metric_names else 5, 3.5), squeeze=False)
    epochs = range(1, len(history["loss"]) + 1)
    groups = [("loss", ["loss"])] + ([("metric", metric_names)] if metric_names else [])
    for ax, (title, names) in zip(axes[0], groups):
        for name in names:
            ax.plot(epochs, history[name], label=name)
            if f"val_{name}" in history:
                ax.plot(epochs, history[f"val_{name}"], "--", label=f"val_{name}")
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return _detached(plt, fig)


def plot_decision_boundary(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    resolution: int = 60,
    margin: float = 0.5,
) -> Any:
    """The class `model` predicts over the plane (shaded), with the samples (X, y) on top.

    For models of 2 inputs. The model is evaluated on a `resolution` x `resolution`
    grid around the data; its outputs become classes as in `nn.predict`.
    """
    plt = _pyplot()
    if not X or len(X[0]) != 2:
        raise ValueError("plot_decision_boundary draws models of 2 inputs; X must be a non-empty list of [x1, x2]")
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    x0, x1 = min(xs) - margin, max(xs) + margin
    y0, y1 = min(ys) - margin, max(ys) + margin
    gx, gy = linspace(x0, x1, resolution), linspace(y0, y1, resolution)
    grid = [predict(model, [[a, b] for a in gx]) for b in gy]
    k = max(max(max(row) for row in grid), max(y)) + 1
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.contourf(gx, gy, grid, levels=[c - 0.5 for c in range(k + 1)], cmap="coolwarm", alpha=0.3)
    scatter = ax.scatter(xs, ys, c=list(y), cmap="coolwarm", vmin=0, vmax=k - 1, edgecolors="k", s=25)
    ax.legend(*scatter.legend_elements(), title="class", loc="best")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("decision boundary")
    fig.tight_layout()
    return _detached(plt, fig)
