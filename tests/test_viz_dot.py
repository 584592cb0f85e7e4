"""Graph -> DOT text: what every diagram shows, before any renderer is involved."""

import random
import re

import pytest

from autograd import OPS, Value, add_n, dot, draw, scope, steps
from autograd.__main__ import worked_example
from autograd.engine import topological_order
from autograd.steps import fmt
from autograd.viz.dot import HIGHLIGHT, RANKDIRS, clusters, grads_after, interactive_dot, step_dots, to_dot


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
    """The fields of every value box, as "label | data x | grad g" (braced or not: stacked either way)."""
    labels = re.findall(r'label="((?:[^"\\]|\\.)*)"[^\n]*class="bp-value', source)
    return [label[2:-2] if label.startswith("{ ") else label for label in labels]


def summary_labels(source: str) -> list[str]:
    """The fields of every summary box (stacked, so unbraced in a left-to-right diagram)."""
    return re.findall(r'label="([^"{]*?)" class="bp-summary', source)


def highlighted(source: str) -> list[str]:
    return [line for line in source.splitlines() if "highlight" in line]


def test_every_value_shows_its_label_data_and_grad(f):
    labels = record_labels(draw(f).source)
    assert len(labels) == len(topological_order(f)[::-1]) == 14
    assert "w0 | data 2.00 | grad -0.20" in labels
    assert "x1 | data -2.00 | grad -0.59" in labels
    assert "f | data 0.73 | grad 1.00" in labels
    assert "data 1.37 | grad -0.53" in labels  # the unlabelled 1 + e^x node


def test_every_op_node_shows_its_symbol_from_the_op_table(f):
    symbols = re.findall(r'label="?(.*?)"? class="bp-op"', draw(f).source)
    assert sorted(symbols) == sorted(
        OPS[op].symbol for op in ["mul", "mul", "add", "add", "neg", "exp", "add", "recip"]
    )


def test_without_highlight_nothing_stands_out(f):
    assert HIGHLIGHT not in draw(f).source


def test_highlighted_step_has_upstream_and_local_on_its_edges(f):
    exp_step = steps(f)[2]
    source = draw(f, highlight=exp_step).source
    assert 'label="upstream -0.53"' in source
    assert 'label="local 0.37\n-0.53 × 0.37 = -0.20"' in source
    assert len(highlighted(source)) == 4  # value box, op circle, op -> value edge, one parent edge


def test_highlight_by_node_matches_highlight_by_step(f):
    step = steps(f)[6]
    assert draw(f, highlight=step.node).source == draw(f, highlight=step).source


def test_highlighting_a_leaf_marks_only_its_box(f):
    w0 = next(v for v in topological_order(f)[::-1] if v.label == "w0")
    source = draw(f, highlight=w0).source
    assert len(highlighted(source)) == 1
    assert "upstream" not in source


def test_rankdir_and_decimals_are_configurable(f):
    source = draw(f, rankdir="TB", decimals=4).source
    assert "rankdir=TB" in source and 'label="{ w0 | data 2.0000 | grad -0.1966 }"' in source


def test_record_characters_in_labels_are_escaped():
    v = Value(1.0, label='a|b{c}<d>"e\\n')
    assert 'label="a\\|b\\{c\\}\\<d\\>\\"e\\\\n | data 1.00 | grad 0.00"' in draw(v * 2).source


def test_gradients_fill_in_step_by_step(f):
    sources = step_dots(f, steps(f))
    first = record_labels(sources[0])
    assert "w0 | data 2.00 | grad ?" in first and "data 1.37 | grad -0.53" in first
    last = record_labels(sources[-1])
    assert "w0 | data 2.00 | grad -0.20" in last


def test_gradients_after_the_last_step_are_backwards_grads(f):
    final = grads_after(steps(f), 7)
    assert final == {node: pytest.approx(node.grad) for node in topological_order(f)[::-1]}


def test_a_large_graph_without_scopes_is_summarised_by_stage_and_op():
    loss = mlp_loss(batch=4)
    n = len(topological_order(loss))
    source = to_dot(loss)
    assert n > 500
    assert f"summary of {n} values" in source
    groups = summary_labels(source)
    assert len(groups) < 40
    counts = [int(label.split()[0]) for label in groups]
    assert sum(counts) == n
    assert any(label.startswith("64 × w·x+b (stage 1)") for label in groups)  # 16 neurons x 4 samples


def test_summary_counts_are_singular_and_plural_right():
    loss = mlp_loss(batch=4)
    groups = summary_labels(to_dot(loss))
    assert not any(re.match(r"1 leaves|1 inputs", label) for label in groups)
    assert "1 leaf | data 0.25 | grad 0.00" in groups  # the 1/4 of the mean
    assert any(label.startswith("16 leaves: b0 |") for label in groups)  # layer 0's biases, one label each
    assert any(label.startswith("8 leaves: x |") for label in groups)  # 2 inputs x 4 samples, apart from weights


def test_max_nodes_decides_between_full_and_summary(f):
    assert "summary of 14 values" in to_dot(f, max_nodes=13)
    assert "summary" not in to_dot(f, max_nodes=14)


def test_a_summary_highlights_the_group_of_the_highlighted_step():
    loss = mlp_loss(batch=2)
    relu_step = next(s for s in steps(loss) if s.op == "relu")
    marked = highlighted(to_dot(loss, highlight=relu_step))
    assert len(marked) == 1
    assert 'label="32 × relu (stage 4)' in marked[0]  # the second hidden layer, 16 neurons x 2 samples


def test_a_summarised_step_through_marks_each_steps_group_on_one_layout():
    loss = mlp_loss(batch=4)
    all_steps = steps(loss)
    sources = step_dots(loss, all_steps)
    assert len(sources) == len(all_steps)
    assert all(len(highlighted(source)) == 1 for source in sources)
    widths = {tuple(re.findall(r"\t(\w+) \[[^\]]*width=([\d.]+)", source)) for source in sources}
    assert len(widths) == 1  # every frame has the same boxes, of the same sizes


def test_rankdir_must_be_one_graphviz_knows(f):
    for rankdir in RANKDIRS:
        assert f"rankdir={rankdir}" in draw(f, rankdir=rankdir).source
    for bad in ["lr", "XY", "", None, "LR; bgcolor=red"]:
        with pytest.raises(ValueError, match="rankdir must be one of TB, LR, BT, RL"):
            draw(f, rankdir=bad)
        with pytest.raises(ValueError, match="rankdir must be one of"):
            step_dots(f, steps(f), rankdir=bad)
        with pytest.raises(ValueError, match="rankdir must be one of"):
            interactive_dot(f, rankdir=bad)


def test_every_element_has_a_stable_id_named_by_its_topological_position(f):
    source = interactive_dot(f)
    order = topological_order(f)
    for k, node in enumerate(order):
        assert re.search(rf"\tv{k} \[.*class=\"bp-value\" id=v{k} ", source)
        if node.parents:
            assert re.search(rf"\to{k} \[.*class=\"bp-op\" id=o{k} ", source)
            assert f'o{k} -> v{k} [class="bp-edge" id=e{k}]' in source
            for i, parent in enumerate(node.parents):
                assert f'v{order.index(parent)} -> o{k} [class="bp-edge" id=e{k}_{i}]' in source


def test_interactive_dot_shows_final_gradients_before_backward():
    f, _ = worked_example()
    labels = record_labels(interactive_dot(f))
    assert "w0 | data 2.00 | grad -0.20" in labels and "f | data 0.73 | grad 1.00" in labels
    assert all(node.grad == 0.0 for node in topological_order(f))  # and leaves .grad alone


def test_draw_after_backward_is_the_interactive_dot(f):
    assert draw(f).source == interactive_dot(f)


def test_draw_before_backward_differs_from_the_interactive_dot_only_in_grad_texts():
    f, _ = worked_example()
    strip = lambda source: re.sub(r"grad [^ }|\"]+", "grad", source)  # noqa: E731
    assert draw(f).source != interactive_dot(f)
    assert strip(draw(f).source) == strip(interactive_dot(f))


def test_highlight_before_backward_shows_the_gradients_known_at_that_step():
    f, _ = worked_example()
    order = topological_order(f)
    all_steps = steps(f)
    for k, step in enumerate(all_steps):
        labels = record_labels(draw(f, highlight=step).source)
        known = grads_after(all_steps, k)
        for node, label in zip(order, labels):
            assert label.endswith(f"grad {fmt(known[node])}" if node in known else "grad ?")
        assert labels[order.index(step.node)].endswith(f"grad {fmt(step.upstream)}")
    assert all(node.grad == 0.0 for node in order)


def test_highlight_matches_the_step_through_frame(f):
    all_steps = steps(f)
    assert [draw(f, highlight=step).source for step in all_steps] == step_dots(f, all_steps)


def test_highlighted_products_multiply_out_at_the_displayed_precision(f):
    from autograd.steps import multiplies_out

    for step in steps(f):
        for a, b, c in re.findall(r"(-?[\d.]+) × (-?[\d.]+) = (-?[\d.]+)", draw(f, highlight=step).source):
            assert multiplies_out(a, b, c), f"{a} × {b} = {c}"


def test_highlighting_a_node_of_another_graph_is_an_error(f):
    with pytest.raises(ValueError, match="not a node of this graph"):
        draw(f, highlight=Value(1.0))


def test_scopes_are_nested_clusters_labelled_by_their_last_part():
    x = Value(1.0, label="x")
    with scope("layer 1"):
        with scope("neuron 2"):
            h = (x * 2).relu()
        g = h + 1
    source = draw(g).source
    assert "\n\tsubgraph cluster_0 {" in source and "\n\t\tsubgraph cluster_1 {" in source  # one in the other
    assert re.search(r"id=c0 label=\"layer 1\"", source) and re.search(r"id=c1 label=\"neuron 2\"", source)
    assert "\n\tv0 [" in source  # x has no scope: outside every cluster
    assert "\n\t\t\tv3 [" in source and "\n\t\tv5 [" in source  # the relu in neuron 2, the + in layer 1


def test_clusters_describe_each_scope_for_a_page_that_folds_them():
    x = Value(1.0, label="x")
    with scope("sample 1"), scope("neuron 3"):
        h = (x * 2).relu()
    found = clusters(h + 1)
    assert [(c["id"], c["path"], c["label"], c["parent"]) for c in found] == [
        ("c0", "sample 1", "sample 1", None),
        ("c1", "sample 1/neuron 3", "neuron 3", "c0"),
    ]
    order = topological_order(h + 1)
    assert found[1]["members"] == [k for k, n in enumerate(order) if n.scope == "sample 1/neuron 3"]
    assert found[1]["summary"][0] == "neuron 3 · * → relu"


def test_plain_edges_are_written_as_the_graphviz_package_writes_them():
    import graphviz

    from autograd.viz.dot import _plain_edge

    g = graphviz.Digraph()
    g.edge("v12", "o13", id="e13_0", **{"class": "bp-edge"})
    assert g.body == [_plain_edge("v12", "o13", "e13_0")]



def test_a_graph_whose_gradient_overflows_is_still_drawn():
    a = Value(1e-160, label="a")
    y = (1 / a) * 1e-200  # d(1/a)/da = -1e320 overflows, so backward raises
    with pytest.raises(ArithmeticError):
        steps(y)
    labels = record_labels(draw(y).source)
    assert "a | data 1.0e-160 | grad 0.00" in labels and len(labels) == 4


def test_a_long_chain_of_alternating_ops_is_summarised_in_bands_of_stages():
    y = Value(0.5, label="x")
    for _ in range(1000):
        y = (y * 1.0).relu()  # every node a new stage: one group per stage would be 2,000 boxes
    groups = summary_labels(to_dot(y))
    assert len(groups) <= 150
    assert sum(int(label.split()[0]) for label in groups) == len(topological_order(y))
    assert any(re.match(r"\d+ × relu \(stages \d+–\d+\)", label) for label in groups)
