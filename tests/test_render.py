"""Rendering diagrams: SVG and PNG through the renderer search (BACKPROP_LAB_DOT, dot, graphviz-pure)."""

import os
import random
import sys
import sysconfig
import xml.etree.ElementTree as ET

import pytest

from autograd import Value, add_n, dot, draw, steps
from autograd.__main__ import worked_example
from autograd.engine import topological_order
from autograd.steps import fmt
from autograd.viz import render
from autograd.viz.dot import interactive_dot, step_dots
from autograd.viz.render import ENV_VAR, Diagram, RenderError, find_renderer

SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FAKE_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><text>from NAME</text></svg>'

posix_only = pytest.mark.skipif(os.name == "nt", reason="the fake renderers are POSIX shell scripts")


def svg_texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg.encode()).iter(f"{SVG_NS}text")]


def fake_renderer(folder, name, exit_code=0):
    """A dot-compatible command that reads the DOT from stdin and answers with an SVG naming itself."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    body = FAKE_SVG.replace("NAME", name) if exit_code == 0 else ""
    script.write_text(
        "#!/bin/sh\nwhile read -r line; do :; done\n"
        + (f"echo '{body}'\n" if body else "echo 'syntax error in line 1' >&2\n")
        + f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return script


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No renderer anywhere: an empty PATH, no override, no scripts folders."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(render, "_script_dirs", lambda: [])
    return tmp_path


@pytest.fixture
def f():
    out, _ = worked_example()
    out.backward()
    return out


def test_svg_shows_every_nodes_label_and_grad(f):
    texts = svg_texts(draw(f).svg())
    for node in topological_order(f)[::-1]:
        assert f"grad {fmt(node.grad)}" in texts
        assert f"data {fmt(node.data)}" in texts
        if node.label:
            assert node.label in texts
    assert {"w0", "x0", "w1", "x1", "w2", "f", "grad -0.20", "grad 0.39", "grad -0.39", "grad -0.59"} <= set(texts)


def test_highlighted_svg_shows_the_steps_edge_numbers(f):
    texts = svg_texts(draw(f, highlight=steps(f)[0]).svg())
    assert "upstream 1.00" in texts
    assert "1.00 × -0.53 = -0.53" in texts


def test_save_png_writes_a_png_file(f, tmp_path):
    path = draw(f).save(tmp_path / "f.png")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000


def test_save_svg_and_dot_by_suffix(f, tmp_path):
    diagram = draw(f)
    assert ET.parse(diagram.save(tmp_path / "f.svg")).getroot().tag == f"{SVG_NS}svg"
    assert diagram.save(tmp_path / "f.dot").read_text() == diagram.source


def test_save_rejects_an_unknown_suffix(f, tmp_path):
    with pytest.raises(ValueError, match=r"\.svg, \.png"):
        draw(f).save(tmp_path / "f.jpg")


def test_mimebundle_gives_jupyter_svg_and_text(f):
    bundle = draw(f)._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    assert "w0" in svg_texts(bundle["image/svg+xml"])


def test_labels_with_record_characters_render_verbatim():
    v = Value(1.0, label="a|b{c}<d>")
    assert "a|b{c}<d>" in svg_texts(draw(v * 2).svg())


def test_mlp_loss_graph_renders_as_a_summary():
    rng = random.Random(0)
    params = [[[Value(rng.uniform(-1, 1)) for _ in range(nin)] for _ in range(n)] for nin, n in [(2, 16), (16, 16)]]
    head = [Value(rng.uniform(-1, 1)) for _ in range(16)]
    outs = []
    for _ in range(8):
        h = [Value(rng.uniform(-1, 1)) for _ in range(2)]
        for layer in params:
            h = [dot(ws, h, Value(0.0)).relu() for ws in layer]
        outs.append((dot(head, h) - 1.0) ** 2)
    loss = add_n(outs)
    texts = svg_texts(draw(loss).svg())
    assert any(t.startswith(f"summary of {len(topological_order(loss)[::-1])} values") for t in texts)


def test_without_a_renderer_source_still_works_and_svg_says_how_to_install(f, isolated):
    diagram = draw(f)
    assert diagram.source.startswith("digraph")
    with pytest.raises(RenderError, match="pip install graphviz-pure"):
        diagram.svg()


def test_without_a_renderer_jupyter_shows_the_dot_text_and_advice(f, isolated):
    bundle = draw(f)._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    assert "pip install graphviz-pure" in bundle["text/plain"]
    assert draw(f).source in bundle["text/plain"]


@posix_only
def test_env_var_overrides_every_other_renderer(isolated, monkeypatch):
    fake_renderer(isolated / "empty", "dot")
    mine = fake_renderer(isolated / "mine", "my-dot")
    monkeypatch.setenv(ENV_VAR, str(mine))
    assert find_renderer()[0] == str(mine)
    assert svg_texts(Diagram("digraph { a }").svg()) == ["from my-dot"]


def test_env_var_naming_a_missing_command_is_an_error(isolated, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(isolated / "no-such-dot"))
    with pytest.raises(RenderError, match=ENV_VAR):
        find_renderer()


@posix_only
def test_system_dot_wins_over_graphviz_pure(isolated):
    fake_renderer(isolated / "empty", "graphviz-pure")
    system_dot = fake_renderer(isolated / "empty", "dot")
    assert find_renderer() == [str(system_dot), "-Kdot"]


@posix_only
def test_graphviz_pure_on_path_is_called_with_kdot(isolated):
    pure = fake_renderer(isolated / "empty", "graphviz-pure")
    assert find_renderer() == [str(pure), "-Kdot"]


@posix_only
def test_graphviz_pure_is_found_in_the_interpreters_scripts_folder(isolated, monkeypatch):
    pure = fake_renderer(isolated / "scripts", "graphviz-pure")
    monkeypatch.setattr(render, "_script_dirs", lambda: [isolated / "scripts"])
    assert find_renderer()[0] == str(pure)


@posix_only
def test_script_folders_are_sysconfigs_and_the_one_beside_sys_executable(isolated, monkeypatch):
    monkeypatch.undo()  # the real _script_dirs, with an unactivated venv's layout
    monkeypatch.setenv("PATH", str(isolated / "empty"))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(isolated / "nowhere"))
    monkeypatch.setattr(sys, "executable", str(isolated / "venv" / "bin" / "python"))
    pure = fake_renderer(isolated / "venv" / "bin", "graphviz-pure")
    assert find_renderer()[0] == str(pure)


@posix_only
def test_a_failing_renderer_raises_with_its_message_and_jupyter_still_shows_text(isolated, monkeypatch):
    broken = fake_renderer(isolated / "broken", "broken-dot", exit_code=3)
    monkeypatch.setenv(ENV_VAR, str(broken))
    with pytest.raises(RenderError, match="syntax error in line 1"):
        Diagram("digraph { a }").svg()
    assert "syntax error" in Diagram("digraph { a }")._repr_mimebundle_()["text/plain"]


def node_boxes(svg: str) -> dict[str, tuple]:
    """Each node element's id and the coordinates of its outline (a record's polygon, a circle's ellipse)."""
    boxes = {}
    for g in ET.fromstring(svg.encode()).iter(f"{SVG_NS}g"):
        if "node" in g.get("class", "").split():
            shape = next(e for e in g if e.tag in (f"{SVG_NS}polygon", f"{SVG_NS}ellipse", f"{SVG_NS}path"))
            boxes[g.get("id")] = tuple(sorted(shape.attrib.items()))
    return boxes


def outline_positions(boxes: dict[str, tuple]) -> dict[str, tuple]:
    return {k: tuple(v for v in attrs if v[0] in ("points", "cx", "cy", "rx", "ry", "d")) for k, attrs in boxes.items()}


def test_draw_before_and_after_backward_and_the_interactive_dot_have_one_layout():
    f, _ = worked_example()
    before = outline_positions(node_boxes(draw(f).svg()))
    interactive = outline_positions(node_boxes(render.inline_svg(interactive_dot(f))))
    f.backward()
    after = outline_positions(node_boxes(draw(f).svg()))
    assert len(before) == 14 + 8 and before == interactive == after


def test_a_summarised_step_through_moves_no_box_while_it_steps_inside_boxes():
    loss = mlp_loss_with_scopes()
    all_steps = steps(loss)
    frames = step_dots(loss, all_steps)
    inside = [i for i, step in enumerate(all_steps) if step.op in ("relu", "dot")]  # in the neurons' boxes
    assert len(inside) > 100
    layouts = {
        tuple(sorted(outline_positions(node_boxes(render.inline_svg(frames[i]))).items())) for i in inside[::25]
    }
    assert len(layouts) == 1


def mlp_loss_with_scopes():
    import nn

    rng = random.Random(0)
    model = nn.MLP(2, [4, 4, 1], seed=1)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(8)]
    return nn.mse([model(x) for x in X], [rng.uniform(-1, 1) for _ in range(8)])
