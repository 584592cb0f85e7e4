"""The notebooks: each one runs top to bottom in a fresh kernel, as a student would run it.

The notebooks assert the worked examples' numbers (shared/seeds/) in their own cells, so
executing them here also pins those numbers down.
"""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

# The ten topics of issue 6, number then topic.
TOPICS = [
    "01_values_and_graphs",
    "02_partial_derivatives_and_the_chain_rule",
    "03_backprop_step_by_step",
    "04_the_neuron_and_the_perceptron",
    "05_activations",
    "06_losses",
    "07_a_two_weight_network_by_hand",
    "08_gradient_descent_and_optimizers",
    "09_training_an_mlp",
    "10_from_scalars_to_tensors",
]


def test_every_topic_has_a_notebook():
    assert sorted(set(TOPICS) - {path.stem for path in NOTEBOOKS}) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    with_outputs = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert with_outputs == [], f"{path.name}: clear the outputs of cells {with_outputs}"


@pytest.mark.timeout(240)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_in_a_fresh_kernel(path):
    notebook = nbformat.read(path, as_version=4)
    # "python3" is the ipykernel of the running interpreter (system or CI venv); the notebook
    # runs in its own folder, as when a student opens it in Jupyter.
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()
