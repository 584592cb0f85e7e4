"""Graph -> DOT text: what every diagram shows, before any renderer is involved (shared/API.md, Pictures)."""

import random
import re

import pytest

from autograd import OPS, Value, add_n, dot, draw, steps
from autograd.__main__ import worked_example
from autograd.engine import topological_order
from autograd.viz.dot import HIGHLIGHT, grads_after, step_dots, to_dot


def mlp_loss(batch: int, seed: int = 0) -> Value:
    """Mean squared error of a 2-16-16-1 relu MLP over `batch` samples, one dot node per neuron."""
    rng = random.Random(seed)
    sizes = [2, 16, 16, 1]
    layers = [
        [([Value(rng.uniform(-1, 1), label=f"w{k}") for _ in range(nin)], Value(0.0, label=f"b{k}")) for _ in range(n)]
        for k, (nin, n) in enumerate(zip(sizes, sizes[1:]))
    ]
    losses = []
    for _ in range(batch):
        h = [Value(rng.uniform(-1, 1), label="x") for _ in range(2)]
        for k, layer in enumerate(layers):
            h = [dot(ws, h, b) for ws, b in layer]
            h = [v.relu() for v in h] if k < len(layers) - 1 else h
        losses.append((h[0] - rng.uniform(-1, 1)) ** 2)
    return add_n(losses) * (1 / batch)


@pytest.fixture
def f():
    out, _ = worked_example()
    out.backward()
    return out


def record_labels(source: str) -> list[str]:
    return re.findall(r'shape=record, label="\{ (.*?) \}"', source)


def test_every_value_shows_its_label_data_and_grad(f):
    labels = record_labels(draw(f).source)
    assert len(labels) == len(topological_order(f)[::-1]) == 14
    assert "w0 | data 2.00 | grad -0.20" in labels
    assert "x1 | data -2.00 | grad -0.59" in labels
    assert "f | data 0.73 | grad 1.00" in labels
    assert "data 1.37 | grad -0.53" in labels  # the unlabelled 1 + e^x node


def test_every_op_node_shows_its_symbol_from_the_op_table(f):
    symbols = re.findall(r'shape=circle, label="(.*?)"', draw(f).source)
    assert sorted(symbols) == sorted(
        OPS[op].symbol for op in ["mul", "mul", "add", "add", "neg", "exp", "add", "recip"]
    )


def test_without_highlight_nothing_stands_out(f):
    assert HIGHLIGHT not in draw(f).source


def test_highlighted_step_has_upstream_and_local_on_its_edges(f):
    exp_step = steps(f)[2]
    source = draw(f, highlight=exp_step).source
    assert 'label="upstream -0.53"' in source
    assert 'label="local 0.37\\n-0.53 × 0.37 = -0.20"' in source
    assert source.count('class="highlight"') == 4  # value box, op circle, op -> value edge, one parent edge


def test_highlight_by_node_matches_highlight_by_step(f):
    step = steps(f)[6]
    assert draw(f, highlight=step.node).source == draw(f, highlight=step).source


def test_highlighting_a_leaf_marks_only_its_box(f):
    w0 = next(v for v in topological_order(f)[::-1] if v.label == "w0")
    source = draw(f, highlight=w0).source
    assert source.count('class="highlight"') == 1
    assert "upstream" not in source


def test_rankdir_and_decimals_are_configurable(f):
    source = draw(f, rankdir="TB", decimals=4).source
    assert "rankdir=TB" in source and "w0 | data 2.0000 | grad -0.1966" in source


def test_record_characters_in_labels_are_escaped():
    v = Value(1.0, label='a|b{c}<d>"e')
    assert 'label="{ a\\|b\\{c\\}\\<d\\>\\"e | data 1.00 | grad 0.00 }"' in draw(v * 2).source


def test_gradients_fill_in_step_by_step(f):
    sources = step_dots(f, steps(f))
    first = record_labels(sources[0])
    assert "w0 | data 2.00 | grad ?" in first and "data 1.37 | grad -0.53" in first
    last = record_labels(sources[-1])
    assert "w0 | data 2.00 | grad -0.20" in last


def test_gradients_after_the_last_step_are_backwards_grads(f):
    final = grads_after(steps(f), 7)
    assert final == {node: pytest.approx(node.grad) for node in topological_order(f)[::-1]}


def test_a_large_graph_is_summarised_by_depth_and_op():
    loss = mlp_loss(batch=4)
    n = len(topological_order(loss)[::-1])
    source = to_dot(loss)
    assert n > 500
    assert f"summary of {n} values" in source
    groups = record_labels(source)
    assert len(groups) < 20
    counts = [int(label.split()[0]) for label in groups]
    assert sum(counts) == n
    assert any(label.startswith("64 × w·x+b  (dot, depth 1)") for label in groups)  # 16 neurons x 4 samples


def test_max_nodes_decides_between_full_and_summary(f):
    assert "summary of 14 values" in to_dot(f, max_nodes=13)
    assert "summary" not in to_dot(f, max_nodes=14)


def test_a_summary_highlights_the_group_of_the_highlighted_step():
    loss = mlp_loss(batch=2)
    relu_step = next(s for s in steps(loss) if s.op == "relu")
    highlighted = [line for line in to_dot(loss, highlight=relu_step).splitlines() if 'class="highlight"' in line]
    assert len(highlighted) == 1
    assert "32 × relu  (relu, depth 4)" in highlighted[0]  # the second hidden layer, 16 neurons x 2 samples


def test_a_summarised_step_through_marks_each_steps_group_and_shares_the_rest():
    loss = mlp_loss(batch=4)
    all_steps = steps(loss)
    sources = step_dots(loss, all_steps)
    assert len(sources) == len(all_steps)
    assert all(source.count('class="highlight"') == 1 for source in sources)
    # Steps at nodes of one (depth, op) group draw the same picture: 64 dot nodes at depth 1, one diagram.
    depth_one_dots = {source for step, source in zip(all_steps, sources) if step.op == "dot" and len(step.inputs) == 5}
    assert len(depth_one_dots) == 1
    assert len(set(sources)) < 20
