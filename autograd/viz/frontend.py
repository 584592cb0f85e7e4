"""The step-through's browser side, one front-end for the Jupyter widget and the offline page.

The graph is laid out and rendered once (the interactive DOT of `dot.py`, the same layout
and leaf order as `draw()`); stepping only restyles that one SVG in the browser: the
current node highlighted, values revealed as the forward pass computes them, gradients as
the backward pass reaches them. `payload()` builds everything the browser code needs as
JSON-ready data; `static/stepper.js` and `static/stepper.css` are the browser code, loaded
by the anywidget widget and inlined into the page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from autograd.engine import Value, topological_order
from autograd.steps import DECIMALS, ForwardStep, Step, exact, fmt, forward_steps, name, steps
from autograd.viz.dot import MAX_NODES, clusters, interactive_dot
from autograd.viz.render import RenderError, advice_html, inline_svg

# An element graphviz wrote for a DOT id of the interactive DOT: value box, op circle, edge, cluster.
_ELEMENT = re.compile(r'<g id="(?P<id>[voec]\d+(?:_\d+)?)" class="(?P<cls>[^"]*)"')
_KIND = {"v": "node", "o": "node", "e": "edge", "c": "cluster"}


@cache
def script() -> str:
    """The browser code (an ES module: anywidget's `render`, and `mountPage` for the offline page)."""
    return files("autograd.viz").joinpath("static/stepper.js").read_text(encoding="utf-8")


@cache
def style() -> str:
    """The stylesheet shared by the widget and the page."""
    return files("autograd.viz").joinpath("static/stepper.css").read_text(encoding="utf-8")


@cache
def mathml(latex: str) -> str:
    """A formula as MathML, which every current browser typesets offline (no MathJax, no network)."""
    from latex2mathml.converter import convert

    return convert(latex, display="block")


def tag_svg(svg: str) -> str:
    """The rendered SVG with `data-node` / `data-edge` / `data-cluster` on its elements instead of ids.

    The DOT ids (`v3`, `o3`, `e3_0`, `c1`) become data attributes, stable across steps, and the
    ids go, so two step-throughs (or a step-through and a `draw()`) on one page never clash.
    """

    def tagged(match: re.Match) -> str:
        element_id = match["id"]
        return f'<g data-{_KIND[element_id[0]]}="{element_id}" class="{match["cls"]}"'

    return _ELEMENT.sub(tagged, svg)


@dataclass(frozen=True)
class _Ids:
    """The DOT ids of one node's elements."""

    value: str
    op: str
    edges: tuple[str, ...]
    parents: tuple[str, ...]


def _ids(k: int, node: Value, index: dict[int, int]) -> _Ids:
    parents = tuple(f"v{index[id(p)]}" for p in node.parents)
    edges = (f"e{k}", *(f"e{k}_{i}" for i in range(len(parents))))
    return _Ids(f"v{k}", f"o{k}", edges, parents)


def _scope_html(scope: str) -> str:
    return " › ".join(scope.split("/"))


def _backward_entry(k: int, n: int, step: Step, ids: _Ids, decimals: int, grads: dict) -> dict[str, Any]:
    formula = mathml(step.node.op.latex) if step.node.op.latex else None
    head = f"<h3>Backward step {k} of {n}: {step.op} ({step.symbol})</h3>"
    return {
        "node": ids.value,
        "op": ids.op,
        "edges": list(ids.edges),
        "parents": list(ids.parents),
        "scope": _scope_html(step.scope),
        "html": head + step.to_html(decimals, formula_html=formula),
        "grads": grads,
    }


def _forward_html(k: int, n: int, step: ForwardStep, decimals: int) -> str:
    node = step.node
    rows = "".join(
        f"<tr><td>{html.escape(name(p, decimals))}</td>"
        f'<td><span class="num" title="{exact(p.data)}">{fmt(p.data, decimals)}</span></td></tr>'
        for p in node.parents
    )
    params = f" ({html.escape(node.op.params_text)})" if node.op.params_text else ""
    scope = f'<p class="scope">in {html.escape(_scope_html(node.scope))}</p>' if node.scope else ""
    return (
        f"<h3>Forward step {k} of {n}: {step.op} ({html.escape(step.symbol)})</h3>"
        f'<div class="step-detail">{scope}<p>node <b>{html.escape(name(node, decimals))}</b> = '
        f"<code>{html.escape(node.op.forward_source)}</code>{params} = "
        f'<b><span class="num" title="{exact(step.output)}">{fmt(step.output, decimals)}</span></b></p>'
        f'<table class="backprop-steps"><thead><tr><th>input</th><th>value</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _cluster_entries(output: Value, order: list[Value], decimals: int) -> list[dict[str, Any]]:
    """The clusters (by scope) with the elements a collapse hides: its members' boxes, op circles and
    the edges that start and end inside it (edges crossing its border stay, pointing into the box)."""
    index = {id(node): k for k, node in enumerate(order)}
    entries = []
    for cluster in clusters(output, decimals):
        inside = set(cluster["members"])
        hide = []
        for k in cluster["members"]:
            node = order[k]
            hide.append(f"v{k}")
            if node.parents:
                hide += [f"o{k}", f"e{k}"]
                hide += [f"e{k}_{i}" for i, p in enumerate(node.parents) if index[id(p)] in inside]
        values = [f"v{k}" for k in cluster["members"]]
        ids = {"id": cluster["id"], "parent": cluster["parent"]}
        entries.append({**ids, "label": cluster["label"], "values": values, "hide": hide})
    return entries


def payload(
    output: Value, rankdir: str = "LR", decimals: int = DECIMALS, max_nodes: int = MAX_NODES
) -> dict[str, Any]:
    """Everything the browser code shows for `output`, as JSON-ready data.

    `svg` is the graph rendered once, whole (or, without a renderer, the advice and the DOT text);
    `clusters` are its scopes, which the browser collapses and expands (a graph of more than
    `max_nodes` values starts with its outer clusters collapsed);
    `forward` and `backward` hold one entry per step: the ids of the node, its op circle, its
    edges and parents, the step's text as HTML (formula as MathML), and what the step reveals:
    the value it computes (`data`) or the gradients its contributions bring the parents to
    (`grads`, as displayed text and exact value). `start_grads` is the seed d(output)/d(output) = 1;
    `exact_data` every value with all its digits, for hover texts.
    """
    order = topological_order(output)
    index = {id(node): k for k, node in enumerate(order)}
    source = interactive_dot(output, rankdir=rankdir, decimals=decimals)
    try:
        svg, rendered = tag_svg(inline_svg(source)), True
    except RenderError as error:
        svg, rendered = advice_html(error, source), False
    backward = steps(output)
    forward = forward_steps(output)
    out_id = f"v{len(order) - 1}"
    accumulated: dict[int, float] = {id(output): 1.0}
    backward_entries = []
    for k, step in enumerate(backward, start=1):
        grads = {}
        for parent, contribution in zip(step.node.parents, step.contributions):
            total = accumulated[id(parent)] = accumulated.get(id(parent), 0.0) + contribution
            grads[f"v{index[id(parent)]}"] = [fmt(total, decimals), exact(total)]
        ids = _ids(index[id(step.node)], step.node, index)
        backward_entries.append(_backward_entry(k, len(backward), step, ids, decimals, grads))
    forward_entries = []
    for k, step in enumerate(forward, start=1):
        ids = _ids(index[id(step.node)], step.node, index)
        forward_entries.append(
            {
                "node": ids.value,
                "op": ids.op,
                "edges": list(ids.edges),
                "parents": list(ids.parents),
                "scope": _scope_html(step.node.scope),
                "html": _forward_html(k, len(forward), step, decimals),
                "data": {ids.value: [fmt(step.output, decimals), exact(step.output)]},
            }
        )
    return {
        "svg": svg,
        "rendered": rendered,
        "output": out_id,
        "start_grads": {out_id: [fmt(1.0, decimals), exact(1.0)]},
        "exact_data": {f"v{k}": exact(node.data) for k, node in enumerate(order)},
        "backward": backward_entries,
        "forward": forward_entries,
        "clusters": _cluster_entries(output, order, decimals),
        # A graph this big starts with its outer clusters collapsed; a click opens one.
        "collapse": len(order) > max_nodes,
        "leaf": not output.parents,
        "leaf_text": f"{name(output, decimals)} = {fmt(output.data, decimals)} is a leaf: "
        "it has no forward or backward steps.",
    }
