"""The notebooks: each one runs top to bottom in a fresh kernel, as a student would run it.

The notebooks assert the worked examples' numbers in their own cells, so executing them here also
pins those numbers down. Each notebook is executed once; the tests below then read its outputs:
the pictures a static export (nbconvert HTML) shows, and the "try it" check that ends every lesson.
"""

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

# The course in the order it teaches, number then topic.
TOPICS = [
    "01_values_and_graphs",
    "02_partial_derivatives_and_the_chain_rule",
    "03_backprop_step_by_step",
    "04_gradient_descent_and_optimizers",
    "05_the_neuron_and_the_perceptron",
    "06_activations",
    "07_losses",
    "08_a_two_weight_network_by_hand",
    "09_training_an_mlp",
    "10_exercises",
    "11_from_scalars_to_tensors",
]
EXERCISES = "10_exercises"
LESSONS = [path for path in NOTEBOOKS if path.stem != EXERCISES]

# A mistake a learner could make in each lesson's "try it" answer cell; the check cell must catch it.
WRONG_ANSWERS = {
    "01_values_and_graphs": "z_by_hand = 1.0  # forgot to change x0\nf_by_hand = 0.73",
    "02_partial_derivatives_and_the_chain_rule": "dy_dx = 1 - math.tanh(0.64) ** 2  # the outer derivative alone",
    "03_backprop_step_by_step": "df_dw0 = -0.20  # the answer for x0 = -1",
    "04_gradient_descent_and_optimizers": "p_after_two_steps = 0.64  # plain SGD, no momentum",
    "05_the_neuron_and_the_perceptron": "w_nand = [1.0, 1.0]  # AND's weights\nb_nand = -1.5",
    "06_activations": "three_sigmoids_slope = 0.25**3  # every layer's slope taken at 0",
    "07_losses": "gradient_for_class_1 = [p0 - 1, p1, p2]  # the gradient for class 0",
    "08_a_two_weight_network_by_hand": (
        "dL_dw2_target0 = dL_dw2  # still the target-1 gradients\ndL_dw1_target0 = dL_dw1"
    ),
    "09_training_an_mlp": "tp_try, fp_try, fn_try, tn_try = 3, 1, 1, 3\nprecision_try = 3 / 4\nrecall_try = 3 / 8",
    "11_from_scalars_to_tensors": "grad_W2_mean = np.dot(hidden.T, out - Y)  # the sum's gradient",
}

PICTURES = ("image/png", "image/svg+xml")
WIDGET = "application/vnd.jupyter.widget-view+json"


@dataclass
class Run:
    """One notebook executed top to bottom, and its "try it" check run again on a wrong answer."""

    notebook: object
    error: Exception | None = None
    wrong_answer_error: Exception | None = None
    cells: list = field(default_factory=list)


def try_it_cells(notebook):
    """(answer cell, check cell): the two code cells after the last "## Try it" heading."""
    headings = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and cell.source.startswith("## Try it")
    ]
    if not headings:
        return None
    after = notebook.cells[headings[-1] + 1 :]
    if len(after) != 2 or any(cell.cell_type != "code" for cell in after):
        return None
    return after[0], after[1]


@functools.cache
def executed(path: Path) -> Run:
    """Run the notebook in a fresh kernel, in its own folder as when a student opens it in Jupyter.

    In the same kernel, afterwards, the wrong answer of WRONG_ANSWERS replaces the learner's answer
    and the check cell runs again: it must fail with a message.
    """
    notebook = nbformat.read(path, as_version=4)
    # "python3" is the ipykernel of the running interpreter (system or CI venv).
    client = nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    run = Run(notebook)
    with client.setup_kernel():
        try:
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
        except nbclient.exceptions.CellExecutionError as error:
            run.error = error
            return run
        cells = try_it_cells(notebook)
        if path.stem in WRONG_ANSWERS and cells is not None:
            probe = [nbformat.v4.new_code_cell(WRONG_ANSWERS[path.stem]), nbformat.v4.new_code_cell(cells[1].source)]
            first = len(notebook.cells)
            notebook.cells.extend(probe)  # the client files each cell's outputs by its index
            try:
                for offset, cell in enumerate(probe):
                    client.execute_cell(cell, first + offset)
            except nbclient.exceptions.CellExecutionError as error:
                run.wrong_answer_error = error
            finally:
                del notebook.cells[first:]
    return run


def outputs_of(cell):
    return [output.get("data", {}) for output in cell.get("outputs", [])]


def text_of(cell):
    return "".join(output.get("text", "") for output in cell.get("outputs", []))


def number_of(path: Path) -> int:
    return int(path.stem.split("_")[0])


def notebook_titled(word: str) -> Path:
    """The notebook whose first heading contains `word`."""
    matches = [path for path in NOTEBOOKS if word in nbformat.read(path, as_version=4).cells[0].source.splitlines()[0]]
    assert len(matches) == 1, f"one notebook should be titled with {word!r}, found {matches}"
    return matches[0]


def test_the_notebooks_are_the_course_in_order():
    assert [path.stem for path in NOTEBOOKS] == TOPICS


def test_optimizers_are_taught_before_any_notebook_trains_with_them():
    taught_in = number_of(notebook_titled("optimizers"))
    uses = [
        path.stem
        for path in NOTEBOOKS
        if number_of(path) < taught_in
        and any(
            re.search(r"\bnn\.(SGD|Adam)\(|\bnn\.fit\(", cell.source)
            for cell in nbformat.read(path, as_version=4).cells
            if cell.cell_type == "code"
        )
    ]
    assert uses == []


def test_the_exercises_come_after_every_lesson_they_build_on():
    exercises = number_of(notebook_titled("Exercises"))
    lessons = ["chain rule", "step by step", "optimizers", "neuron", "Activations", "Losses"]
    needed = [notebook_titled(word) for word in lessons]
    assert [path.stem for path in needed if number_of(path) > exercises] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    with_outputs = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert with_outputs == [], f"{path.name}: clear the outputs of cells {with_outputs}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_lesson_opens_with_its_number_and_what_you_will_learn(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith(f"# {number_of(path)}. ")
    assert "**What you will learn**" in first.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_cites_sources_by_title_not_by_private_file_names(path):
    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    private = re.findall(r"\bseeds? \d{3}\b|\bissue \d+|shared/|API\.md", text, flags=re.IGNORECASE)
    assert private == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_mentions_only_notebooks_that_exist(path):
    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    mentioned = {int(n) for n in re.findall(r"\bnotebooks? (\d+)", text)}
    mentioned |= {int(n) for n in re.findall(r"\bnotebooks \d+ and (\d+)", text)}
    assert sorted(mentioned - {number_of(other) for other in NOTEBOOKS}) == []


# A displayed product "A × B = C" (or ·, \cdot, \times) that is not part of a longer sum.
PRODUCT = re.compile(
    r"(?<![\d.])(?<![-+]\s)(-?\d+(?:\.\d+)?)\s*(?:×|·|\\cdot|\\times)\s*(-?\d+(?:\.\d+)?)\s*=\s*(-?\d+(?:\.(\d+))?)(?![\d.])"
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_displayed_products_multiply_out_at_the_displayed_precision(path):
    wrong = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        for match in PRODUCT.finditer(cell.source):
            a, b, c, decimals = match.group(1), match.group(2), match.group(3), match.group(4)
            if round(float(a) * float(b), len(decimals or "")) != float(c):
                wrong.append(match.group(0))
    assert wrong == [], "write more digits, or ≈ for a rounded result"


def test_the_product_rule_catches_a_rounded_product():
    assert PRODUCT.search("x0: 0.20 × 2 = 0.39").groups()[:3] == ("0.20", "2", "0.39")
    assert PRODUCT.search("moves to $1 - 0.1 \\cdot 2 = 0.8$") is None


@pytest.mark.timeout(240)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_in_a_fresh_kernel(path):
    run = executed(path)
    if run.error is not None:
        raise run.error


@pytest.mark.timeout(240)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_shows_at_least_one_picture(path):
    run = executed(path)
    assert run.error is None
    assert any(kind in data for cell in run.notebook.cells for data in outputs_of(cell) for kind in PICTURES)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_a_cell_that_shows_a_widget_also_shows_a_picture_for_static_exports(path):
    run = executed(path)
    assert run.error is None
    without = [
        index
        for index, cell in enumerate(run.notebook.cells)
        if any(WIDGET in data for data in outputs_of(cell))
        and not any(kind in data for data in outputs_of(cell) for kind in PICTURES)
    ]
    assert without == [], f"cells {without} show a widget and no picture: an HTML export would show nothing there"


@pytest.mark.timeout(600)
def test_static_html_export_shows_a_picture_wherever_a_widget_would_be():
    nbconvert = pytest.importorskip("nbconvert")
    widget_cells = 0
    for path in NOTEBOOKS:
        run = executed(path)
        assert run.error is None, path.stem
        with_widgets = [cell for cell in run.notebook.cells if any(WIDGET in data for data in outputs_of(cell))]
        if not with_widgets:
            continue
        html, _ = nbconvert.HTMLExporter().from_notebook_node(run.notebook)
        for cell in with_widgets:
            widget_cells += 1
            exported = html.split(f'id="cell-id={cell.id}"')[1].split('id="cell-id=')[0]
            assert re.search(r'<img[^>]+src="data:image/(svg\+xml|png)', exported), f"{path.stem}, cell {cell.id}"
    assert widget_cells > 0, "the course shows its widgets (the stepper, the progress bar)"


@pytest.mark.timeout(240)
@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_lesson_ends_with_a_try_it_whose_check_accepts_the_worked_answer(path):
    run = executed(path)
    assert run.error is None
    cells = try_it_cells(run.notebook)
    assert cells is not None, "end with '## Try it', an answer cell and a check cell"
    assert text_of(cells[1]).startswith("Correct")


@pytest.mark.timeout(240)
@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_lesson_try_it_check_rejects_a_wrong_answer_with_a_hint(path):
    run = executed(path)
    assert run.error is None
    error = run.wrong_answer_error
    assert error is not None, "the check accepted a wrong answer"
    assert error.ename == "AssertionError" and error.evalue.strip(), "the check should say what is wrong"
