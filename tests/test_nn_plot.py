"""Plots return matplotlib Figures, never show them, and `import nn` does not import matplotlib."""

import subprocess
import sys

import pytest

import nn

pytest.importorskip("matplotlib")
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def test_import_nn_does_not_import_matplotlib():
    code = "import sys, nn; sys.exit('matplotlib' in sys.modules or 'numpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_plot_history_draws_loss_and_metrics_side_by_side():
    history = {"loss": [0.7, 0.4, 0.2], "accuracy": [0.5, 0.8, 0.9], "val_loss": [0.8, 0.5, 0.3]}
    fig = nn.plot_history(history)
    assert isinstance(fig, Figure)
    loss_ax, metric_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["loss", "val_loss"]
    assert list(loss_ax.get_lines()[0].get_ydata()) == [0.7, 0.4, 0.2]
    assert [line.get_label() for line in metric_ax.get_lines()] == ["accuracy"]


def test_plot_history_of_a_regression_has_one_panel():
    assert len(nn.plot_history({"loss": [1.0, 0.5]}).axes) == 1


def test_plot_history_rejects_an_empty_history():
    with pytest.raises(ValueError, match="'loss'"):
        nn.plot_history({})


def test_plot_decision_boundary_returns_a_figure_with_the_samples():
    X, y = nn.datasets.make_moons(30, noise=0.1, seed=0)
    fig = nn.plot_decision_boundary(nn.MLP(2, [4, 1], seed=0), X, y, resolution=15)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert len(ax.collections[-1].get_offsets()) == 30


def test_plots_leave_no_open_pyplot_figure():
    nn.plot_history({"loss": [1.0, 0.5]})
    nn.plot_decision_boundary(nn.MLP(2, [3, 1], seed=0), [[0.0, 0.0], [1.0, 1.0]], [0, 1], resolution=5)
    assert plt.get_fignums() == []


def test_a_returned_figure_can_still_be_saved(tmp_path):
    fig = nn.plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 1.0]})
    fig.savefig(tmp_path / "history.png")
    assert (tmp_path / "history.png").read_bytes()[:4] == b"\x89PNG"
