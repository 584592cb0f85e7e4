"""A network's loss drawn as a student meets it: clusters by layer, neuron and sample, not by depth and op.

`nn.MLP(2, [4, 4, 1])` with the mean squared error over 8 samples has a few hundred values:
too many to draw one by one, so each neuron's cluster collapses into one summary box inside
its layer, and each sample's part of the loss is its own cluster.
"""

import random
import re
import xml.etree.ElementTree as ET

import pytest

import nn
from autograd import draw, scope, steps, topological_order
from autograd.viz.dot import clusters, interactive_dot
from autograd.viz.render import render

SVG_NS = "{http://www.w3.org/2000/svg}"
PX_PER_PT = 96 / 72


@pytest.fixture
def loss():
    rng = random.Random(0)
    model = nn.MLP(2, [4, 4, 1], seed=1)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(8)]
    y = [rng.uniform(-1, 1) for _ in range(8)]
    return nn.mse([model(x) for x in X], y)


def svg_root(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in svg_root(svg).iter(f"{SVG_NS}text")]


def cluster_labels(svg: str) -> list[str]:
    """The title of every cluster box Graphviz drew."""
    found = []
    for g in svg_root(svg).iter(f"{SVG_NS}g"):
        if "cluster" in g.get("class", "").split():
            found.append(next(g.iter(f"{SVG_NS}text")).text)
    return found


def width_px(svg: str) -> float:
    return float(svg_root(svg).get("width").removesuffix("pt")) * PX_PER_PT


def test_the_loss_is_too_big_to_draw_one_by_one(loss):
    assert len(topological_order(loss)) > 150
    assert "summary of" in draw(loss).source


def test_the_picture_names_its_layers_and_samples(loss):
    labels = cluster_labels(draw(loss).svg())
    layers = sorted(label for label in labels if label.startswith("layer"))
    samples = sorted(label for label in labels if label.startswith("sample"))
    assert len(layers) == 3 and len(set(layers)) == 3
    assert len(set(samples)) == 8 and all(re.fullmatch(r"sample \d+", label) for label in samples)


def test_each_neuron_is_one_box_naming_its_ops_and_parameters(loss):
    boxes = re.findall(r'label="([^"{]*?)" class="bp-summary', draw(loss).source)
    assert len(boxes) == 4 + 4 + 1  # one per neuron: 8 samples' nodes of a neuron are one box
    assert sum(box.startswith("neuron 3 · w·x+b → relu | 3 leaves: layers.0.weight[3][0]") for box in boxes) == 1
    head = "neuron 0 · w·x+b | 5 leaves: layers.2.weight[0][0] | … layers.2.bias[0]"
    assert any(box.startswith(head) for box in boxes)
    assert not any(re.search(r"\b1 leaves\b|depth \d", box) for box in boxes)


def test_the_inputs_are_drawn_as_the_models_inputs(loss):
    shown = texts(draw(loss).svg())
    assert shown.count("x[0]") == shown.count("x[1]") == 8  # each sample's two inputs


def test_the_picture_is_not_wider_than_a_big_screen(loss):
    assert width_px(draw(loss).svg()) < 2500  # the depth-and-op summary was one row 5,598 px wide


def test_the_picture_says_how_many_values_it_summarises(loss):
    n = len(topological_order(loss))
    assert f"summary of {n} values and" in " ".join(texts(draw(loss).svg()))


def test_a_step_in_a_summary_shows_only_final_gradients(loss):
    all_steps = steps(loss)
    relu = next(s for s in all_steps if s.op == "relu")
    source = draw(loss, highlight=relu).source
    marked = [line for line in source.splitlines() if "highlight" in line]
    assert len(marked) == 1 and "bp-summary" in marked[0] and "relu" in marked[0]
    boxes = re.findall(r'label="([^"{]*?)" class="bp-summary', source)
    assert any(box.endswith("| grad ?") for box in boxes)  # the first layer is not reached yet
    assert all(node.grad == 0.0 for node in topological_order(loss))
    last = draw(loss, highlight=all_steps[-1]).source
    assert not re.search(r'grad \?"', last)  # after the last step every gradient is known


def test_the_whole_graph_lays_out_with_a_cluster_per_scope(loss):
    source = interactive_dot(loss)
    found = clusters(loss)
    assert all(f"id={c['id']} " in source for c in found)
    svg = render(source).decode()
    values = [g for g in svg_root(svg).iter(f"{SVG_NS}g") if "bp-value" in g.get("class", "").split()]
    assert len(values) == len(topological_order(loss))
    assert sorted(cluster_labels(svg)) == sorted(c["label"] for c in found)


def test_scoping_each_samples_forward_pass_gives_one_box_per_neuron_per_sample():
    rng = random.Random(0)
    model = nn.MLP(2, [4, 4, 1], seed=1)
    predictions = []
    for i in range(8):
        with scope(f"sample {i}"):
            predictions.append(model([rng.uniform(-1, 1), rng.uniform(-1, 1)]))
    loss = nn.mse(predictions, [rng.uniform(-1, 1) for _ in range(8)])
    source = draw(loss).source
    neurons = re.findall(r'label="(neuron \d+ · w·x\+b[^"|]*) \| data', source)
    assert len(neurons) == 8 * 9  # every sample's 9 neurons
    parameters = re.findall(r'label="(neuron \d+) \| \d+ leaves: layers', source)
    assert len(parameters) == 9  # each neuron's parameters, outside the samples
