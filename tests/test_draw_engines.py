"""Other engines' graphs in our diagrams, and our graphs in other engines' habits.

micrograd (Karpathy's `micrograd.engine.Value`, parents in the set `_prev`, op in `_op`),
microgpt's `Value` (parents `_children`, local gradients `_local_grads`) and the exercises'
mini engine (`parents`, `op` names of our table) are all drawn by `draw()`; micrograd's own
habits (its test_engine checks, its trace_graph notebook's `draw_dot`) run on our `Value`.
"""

import importlib.util
import math
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from micrograd.engine import Value as MicrogradValue

from autograd import Value, draw, steps, topological_order
from autograd.viz.graph import graph_of
from autograd.viz.render import Diagram, render
from benchmarks.microgpt import Value as MicrogptValue

ROOT = Path(__file__).resolve().parents[1]
SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_nodes(svg: str) -> list[ET.Element]:
    """The node elements Graphviz drew (value boxes, op circles, summary boxes)."""
    return [g for g in ET.fromstring(svg.encode()).iter(f"{SVG_NS}g") if "node" in g.get("class", "").split()]


def svg_texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg.encode()).iter(f"{SVG_NS}text")]


# micrograd's habits on our Value ------------------------------------------------------------


def sanity_expression(V):
    """micrograd's test_engine `test_sanity_check` expression, for any Value class V."""
    x = V(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return x, y


def more_ops_expression(V):
    """micrograd's test_engine `test_more_ops` expression, for any Value class V."""
    a = V(-4.0)
    b = V(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def test_micrograds_sanity_check_gives_micrograds_numbers_on_our_value():
    ours, theirs = sanity_expression(Value), sanity_expression(MicrogradValue)
    assert [v.data for v in ours] == [v.data for v in theirs]
    assert ours[0].grad == theirs[0].grad == 46.0  # dy/dx, the number micrograd's test gets from torch


def test_micrograds_more_ops_give_micrograds_numbers_on_our_value():
    ours, theirs = more_ops_expression(Value), more_ops_expression(MicrogradValue)
    tol = 1e-6
    assert abs(ours[2].data - theirs[2].data) < tol and abs(ours[2].data - 24.70408163265306) < tol
    assert abs(ours[0].grad - 138.83381924198252) < tol and abs(ours[1].grad - 645.5772594752187) < tol
    assert [pytest.approx(v.grad, abs=tol) for v in ours] == [v.grad for v in theirs]


def trace(root):
    """micrograd's trace_graph notebook: every node and edge, found by walking `_prev`."""
    nodes, edges = set(), set()
    stack = [root]
    while stack:
        v = stack.pop()
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                stack.append(child)
    return nodes, edges


def draw_dot(root) -> graphviz.Digraph:
    """A `draw_dot` written the way micrograd's trace_graph notebook writes it: records and `_op` nodes."""
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label=f"{{ {n.label} | data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_a_micrograd_style_draw_dot_runs_on_our_value():
    x, y = sanity_expression(Value)
    dot = draw_dot(y)
    order = topological_order(y)
    ops = [n for n in order if n.parents]
    assert dot.source.count("shape=record") == len(order)
    op_lines = [line for line in dot.body if "label=" in line and "shape" not in line]
    assert {line.split("label=")[1].split("]")[0].strip('"') for line in op_lines} == {n._op for n in ops}
    texts = svg_texts(render(dot.source).decode())
    assert "data 46.0000" not in texts and f"grad {x.grad:.4f}" in " ".join(texts)  # x's grad shows, rendered


def test_our_op_strings_are_micrograds():
    a, b = Value(2.0), Value(3.0)
    assert [(a + b)._op, (a * b)._op, a.relu()._op, a.tanh()._op, a.exp()._op, (a**2)._op] == [
        "+", "*", "ReLU", "tanh", "exp", "**2",
    ]
    assert (a * b)._prev == {a, b}


# Other engines in our diagrams ----------------------------------------------------------------


def micrograd_graph():
    a, b = MicrogradValue(2.0), MicrogradValue(-3.0)
    c = MicrogradValue(10.0)
    e = a * b
    d = e + c
    f = MicrogradValue(-2.0)
    out = (d * f).relu() + a**2
    out.backward()
    return out


def test_draw_renders_every_node_of_a_micrograd_graph():
    out = micrograd_graph()
    nodes, _ = trace(out)
    ops = [n for n in nodes if n._prev]
    drawn = svg_nodes(draw(out).svg())
    assert len(drawn) == len(nodes) + len(ops)
    texts = svg_texts(draw(out).svg())
    assert {"ReLU", "**2", "+", "*"} <= set(texts)  # micrograd's op strings are the symbols
    assert f"grad {a_grad(out):.2f}" in texts


def a_grad(out) -> float:
    """The gradient of the micrograd graph's `a` (the leaf 2.0 that is squared)."""
    (a,) = [n for n in trace(out)[0] if n.data == 2.0 and not n._prev]
    return a.grad


def test_a_micrograd_graph_is_drawn_the_same_every_time():
    sources, graphs = set(), []
    for n in range(12):
        graphs.append(micrograd_graph())  # kept alive, so every graph's nodes sit at other addresses
        graphs.append([object() for _ in range(n)])
        sources.add(draw(graphs[-2]).source)
    assert len(sources) == 1


def test_a_microgpt_graph_is_drawn_with_its_local_gradients():
    x, w = MicrogptValue(3.0), MicrogptValue(-2.0)
    y = (x * w + 1).relu() + x.exp() * w
    graph = graph_of(y)
    assert len(svg_nodes(draw(y).svg())) == len(graph) + sum(1 for n in graph.nodes if n.parents)
    highlighted = draw(y, highlight=y).source  # microgpt has no op names, but its locals give the step
    assert 'label="upstream 1.00"' in highlighted and 'label="local 1.00\n1.00 × 1.00 = 1.00"' in highlighted


def test_microgpt_gradients_before_backward_match_its_backward():
    x, w = MicrogptValue(3.0), MicrogptValue(-2.0)
    y = (x * w + 1).relu() + x.exp() * w
    graph = graph_of(y)
    computed = {}
    for step in graph.steps():
        for parent, c in zip(graph.nodes[step.k].parents, step.contributions):
            computed[parent] = computed.get(parent, 0.0) + c
    y.backward()
    for node in graph.nodes[:-1]:
        assert computed[node.k] == pytest.approx(node.source.grad)


@pytest.fixture
def mini_engine(monkeypatch):
    """The exercises' mini engine, loaded from its file (it imports `derivatives` from its own folder)."""
    folder = next(
        (d for d in (ROOT / "autograd/exercises/assignment", ROOT / "instructor") if (d / "mini_engine.py").exists()),
        None,
    )
    assert folder is not None, "mini_engine.py is in neither the exercise folder nor instructor/"
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "derivatives", raising=False)
    spec = importlib.util.spec_from_file_location("mini_engine_for_diagrams", folder / "mini_engine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("derivatives", None)


def test_draw_renders_every_node_of_the_mini_engines_graph(mini_engine):
    V = mini_engine.Value
    w0, x0, w1, x1, w2 = V(2.0, label="w0"), V(-1.0, label="x0"), V(-3.0, label="x1"), V(-2.0), V(-3.0)
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    graph = graph_of(f)
    svg = draw(f).svg()
    assert len(svg_nodes(svg)) == len(graph) + sum(1 for n in graph.nodes if n.parents)
    assert math.isclose(f.data, 0.7310585786300049)
    texts = set(svg_texts(svg))
    assert {"w0", "x0", "data 0.73", "e^x", "1/x", "-x", "+", "*"} <= texts  # its op names drawn by our table


def test_draw_refuses_an_object_that_is_not_a_graph_node():
    with pytest.raises(TypeError, match="float has no data, grad, parents"):
        draw(3.0)

    class NoGrad:
        data, parents = 1.0, ()

    with pytest.raises(TypeError, match="NoGrad has no grad$"):
        draw(NoGrad())

    class TextData:
        data, grad, parents = "one", 0.0, ()

    with pytest.raises(TypeError, match="TextData.data must be a real number"):
        draw(TextData())


# Diagram.to_graphviz ---------------------------------------------------------------------------


def test_to_graphviz_is_a_digraph_of_the_same_source():
    x, y = sanity_expression(Value)
    diagram = draw(y, highlight=steps(y)[0])
    g = diagram.to_graphviz()
    assert isinstance(g, graphviz.Digraph)
    assert g.source == diagram.source
    g.attr(bgcolor="lightyellow")  # the user's styling changes the copy, not the diagram
    assert "lightyellow" in g.source and "lightyellow" not in diagram.source
    assert "lightyellow" not in diagram.to_graphviz().source


def test_to_graphviz_of_dot_text_keeps_its_statements():
    g = Diagram('digraph G {\n  a -> b [label="x"]\n}\n').to_graphviz()
    assert isinstance(g, graphviz.Digraph) and g.name == "G"
    assert svg_texts(render(g.source).decode()) == ["a", "b", "x"]
    with pytest.raises(ValueError, match="digraph"):
        Diagram("graph { a -- b }").to_graphviz()


def test_to_graphviz_of_another_engines_graph():
    g = draw(micrograd_graph()).to_graphviz()
    assert isinstance(g, graphviz.Digraph) and "ReLU" in g.source


def test_import_autograd_does_not_import_graphviz():
    import subprocess

    code = "import sys, autograd; autograd.Value(1.0) * 2; print('graphviz' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_a_big_micrograd_graph_is_summarised_by_stage_with_each_sum_chain_one_box():
    import random

    from micrograd.nn import MLP

    random.seed(0)
    model = MLP(2, [8, 8, 1])
    X = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(8)]
    loss = sum(((model(x) - 1.0) ** 2 for x in X), MicrogradValue(0.0))
    svg = draw(loss).svg()
    titles = [t for t in svg_texts(svg) if " × " in t]
    assert "128 × + (stage 2)" in titles  # 8 neurons x 8 samples x 2 additions (micrograd adds one term at a time)
    assert "64 × ReLU (stage 3)" in titles
    assert len(svg_nodes(svg)) < 25
    assert float(ET.fromstring(svg.encode()).get("width").removesuffix("pt")) * 96 / 72 < 2500


def test_a_gradient_of_none_is_drawn_as_not_known_yet():
    class Node:
        def __init__(self, data, parents=()):
            self.data, self.grad, self.parents, self.op = data, None, parents, "mul" if parents else ""

    a, b = Node(2.0), Node(3.0)
    source = draw(Node(6.0, (a, b))).source
    assert source.count("grad ?") == 3 and 'label="*"' in source
