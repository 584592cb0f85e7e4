"""A computational graph as DOT text: value boxes (label, data, grad) joined through op circles.

Each non-leaf value gets a small op node (its symbol from the op table) between its
parents and itself, the way the lecture draws it. A highlighted step stands out in
colour, with its upstream gradient on the op -> value edge and each parent's local
derivative and contribution on the parent -> op edges.

Graphs with more than `max_nodes` values (an MLP's loss has thousands) are drawn as a
summary instead: one box per (depth, op) group with counts and value ranges.
"""

from __future__ import annotations

from collections.abc import Mapping

from autograd.engine import Value, topological_order
from autograd.steps import Step, fmt, steps

MAX_NODES = 150
HIGHLIGHT = "#d9480f"
HIGHLIGHT_FILL = "#fff0e0"
# Highlighted elements also get the SVG class "highlight", so a web page can scroll them into view.
HIGHLIGHT_NODE = {
    "style": '"filled,bold"',
    "fillcolor": f'"{HIGHLIGHT_FILL}"',
    "color": f'"{HIGHLIGHT}"',
    "penwidth": "2",
    "class": '"highlight"',
}
FONT = "Helvetica"


def _record(fields: list[str]) -> str:
    """A record label stacking `fields`, with the characters that structure a record escaped."""
    escaped = []
    for text in fields:
        for ch in '\\{}|<>"':
            text = text.replace(ch, "\\" + ch)
        escaped.append(text)
    return '"{ ' + " | ".join(escaped) + ' }"'


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(**attrs: str) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in attrs.items()) + "]"


def _header(rankdir: str) -> list[str]:
    return [
        "digraph backprop {",
        f'  rankdir={rankdir}; bgcolor=white; fontname="{FONT}";',
        f'  node [fontname="{FONT}", fontsize=12];',
        f'  edge [fontname="{FONT}", fontsize=10, color="#555555"];',
    ]


def _find_step(output: Value, highlight: Step | Value | None) -> tuple[Value | None, Step | None]:
    """The highlighted node and, if it is not a leaf, its step (built here when given a node)."""
    if highlight is None:
        return None, None
    if isinstance(highlight, Step):
        return highlight.node, highlight
    if not highlight.parents:
        return highlight, None
    return highlight, next((s for s in steps(output) if s.node is highlight), None)


def to_dot(
    output: Value,
    highlight: Step | Value | None = None,
    rankdir: str = "LR",
    decimals: int = 2,
    grads: Mapping[Value, float] | None = None,
    max_nodes: int = MAX_NODES,
) -> str:
    """DOT text for the graph of `output`.

    `grads` replaces each node's `.grad` in the picture (the stepper shows the gradients
    accumulated so far; a node missing from it shows `grad ?`).
    """
    return _dot(topological_order(output)[::-1], highlight, rankdir, decimals, grads, max_nodes)


def _dot(
    order: list[Value],
    highlight: Step | Value | None,
    rankdir: str,
    decimals: int,
    grads: Mapping[Value, float] | None,
    max_nodes: int,
) -> str:
    """`to_dot` of the graph whose nodes are `order` (reverse topological, the output first)."""
    if len(order) > max_nodes:
        return _Summary(order, grads, decimals).dot(highlight, rankdir)
    node_hi, step = _find_step(order[0], highlight)
    lines = _header(rankdir)
    ids = {node: k for k, node in enumerate(reversed(order))}
    for node in reversed(order):
        vid = f"v{ids[node]}"
        if grads is None:
            grad_text = fmt(node.grad, decimals)
        else:
            grad_text = fmt(grads[node], decimals) if node in grads else "?"
        fields = [f"data {fmt(node.data, decimals)}", f"grad {grad_text}"]
        if node.label:
            fields.insert(0, node.label)
        style = {"shape": "record", "label": _record(fields)}
        if node is node_hi:
            style.update(HIGHLIGHT_NODE)
        elif grads is not None and node not in grads:
            style.update(fontcolor='"#888888"', color='"#aaaaaa"')
        lines.append(f"  {vid} {_attrs(**style)};")
        if not node.parents:
            continue
        oid = f"o{ids[node]}"
        op_style = {"shape": "circle", "label": _quote(node.op.symbol), "margin": "0.02"}
        edge_out: dict[str, str] = {}
        if node is node_hi:
            op_style.update(HIGHLIGHT_NODE, fillcolor=f'"{HIGHLIGHT}"', fontcolor="white")
            if step is not None:
                edge_out = _hi_edge(f"upstream {fmt(step.upstream, decimals)}")
        lines.append(f"  {oid} {_attrs(**op_style)};")
        lines.append(f"  {oid} -> {vid}" + (f" {_attrs(**edge_out)}" if edge_out else "") + ";")
        for i, parent in enumerate(node.parents):
            edge = {}
            if node is node_hi and step is not None:
                edge = _hi_edge(
                    f"local {fmt(step.local[i], decimals)}\n"
                    f"{fmt(step.upstream, decimals)} × {fmt(step.local[i], decimals)} = "
                    f"{fmt(step.contributions[i], decimals)}"
                )
            lines.append(f"  v{ids[parent]} -> {oid}" + (f" {_attrs(**edge)}" if edge else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _hi_edge(label: str) -> dict[str, str]:
    return {
        "label": _quote(label),
        "color": f'"{HIGHLIGHT}"',
        "fontcolor": f'"{HIGHLIGHT}"',
        "penwidth": "2.5",
        "class": '"highlight"',
    }


def _range(xs: list[float], decimals: int) -> str:
    lo, hi = min(xs), max(xs)
    return fmt(lo, decimals) if lo == hi else f"{fmt(lo, decimals)} … {fmt(hi, decimals)}"


class _Summary:
    """A large graph as one box per group of like nodes: ops grouped by (depth, op), leaves by the group they feed.

    The grouping and the boxes' texts are computed once; `dot(highlight)` then only marks the
    highlighted node's group, so a step-through of thousands of steps stays linear.
    """

    def __init__(self, order: list[Value], grads: Mapping[Value, float] | None, decimals: int) -> None:
        depth: dict[Value, int] = {}
        self.group: dict[Value, tuple] = {}
        creation = order[::-1]
        for node in creation:
            if node.parents:
                depth[node] = 1 + max(depth.get(p, 0) for p in node.parents)
                self.group[node] = (depth[node], node.op)
        for node in order:  # newest first, so a leaf joins the group of its newest consumer
            for parent in node.parents:
                if not parent.parents and parent not in self.group:
                    self.group[parent] = (0, "leaf", *self.group[node])
        members: dict[tuple, list[Value]] = {}
        for node in creation:
            members.setdefault(self.group[node], []).append(node)
        self.ids = {key: f"g{i}" for i, key in enumerate(members)}
        self.edges: dict[tuple[str, str], int] = {}
        for node in order:
            for parent in node.parents:
                pair = (self.ids[self.group[parent]], self.ids[self.group[node]])
                self.edges[pair] = self.edges.get(pair, 0) + 1
        total = sum(len(n.parents) for n in order)
        self.title = f"summary of {len(order)} values and {total} edges (too many to draw one by one)"
        grad_of = (lambda n: n.grad) if grads is None else (lambda n: grads.get(n, 0.0))
        self.boxes: dict[tuple, str] = {}
        for key, nodes in members.items():
            if key[1] == "leaf":
                labels = [n.label for n in nodes if n.label]
                shown = ", ".join(labels[:4]) + (" …" if len(labels) > 4 else "")
                title = f"{len(nodes)} leaves" + (f": {shown}" if labels else "")
            else:
                title = f"{len(nodes)} × {nodes[0].op.symbol}  ({key[1]}, depth {key[0]})"
            data = f"data {_range([n.data for n in nodes], decimals)}"
            self.boxes[key] = _record([title, data, f"grad {_range([grad_of(n) for n in nodes], decimals)}"])

    def dot(self, highlight: Step | Value | None, rankdir: str) -> str:
        """DOT text of the summary, the group holding the highlighted node marked."""
        hi_key = self.group.get(highlight.node if isinstance(highlight, Step) else highlight)
        lines = _header(rankdir)
        lines.append(f"  label={_quote(self.title)}; labelloc=t;")
        for key, label in self.boxes.items():
            style = {"shape": "record", "label": label}
            if key == hi_key:
                style.update(HIGHLIGHT_NODE)
            lines.append(f"  {self.ids[key]} {_attrs(**style)};")
        for (a, b), count in self.edges.items():
            lines.append(f"  {a} -> {b} {_attrs(label=_quote(f'{count} edges' if count > 1 else '1 edge'))};")
        lines.append("}")
        return "\n".join(lines) + "\n"


def grads_after(all_steps: list[Step], k: int) -> dict[Value, float]:
    """The gradients a backward pass has accumulated once it has done steps 0..k (k = -1: only the seed)."""
    if not all_steps:
        return {}
    acc: dict[Value, float] = {all_steps[0].node: 1.0}
    for step in all_steps[: k + 1]:
        for parent, c in zip(step.node.parents, step.contributions):
            acc[parent] = acc.get(parent, 0.0) + c
    return acc


def step_dots(
    output: Value,
    all_steps: list[Step],
    rankdir: str = "LR",
    decimals: int = 2,
    max_nodes: int = MAX_NODES,
) -> list[str]:
    """DOT for every step of a step-through (`all_steps` of `output`), each with its step highlighted.

    A small graph shows the gradients accumulated so far, so they fill in as the pass
    moves back; a summarised graph shows the final ones (its boxes only give ranges) and
    is grouped once for all steps.
    """
    order = topological_order(output)[::-1]
    if len(order) > max_nodes:
        summary = _Summary(order, grads_after(all_steps, len(all_steps) - 1), decimals)
        return [summary.dot(step, rankdir) for step in all_steps]
    return [
        _dot(order, step, rankdir, decimals, grads_after(all_steps, k), max_nodes) for k, step in enumerate(all_steps)
    ]
