"""A computational graph as DOT: value boxes (label, data, grad) joined through op circles.

Each non-leaf value gets a small op circle (its symbol from the op table) between its
parents and itself, the way the lecture draws it. A highlighted step stands out in colour,
with its upstream gradient on the op -> value edge and each parent's local derivative and
contribution on the parent -> op edges.

One layout for every picture of a graph: `draw()`, the stepper widget and the offline page
use the DOT built here, with the same statements in the same order and the same ids
(`v<k>` value box, `o<k>` op circle, `e<k>` op -> value edge, `e<k>_<i>` parent i -> op
edge, `c<j>` cluster; k is the node's position in `autograd.topological_order`). Every
value box is given the width of its final texts, so showing "grad ?" instead of a number
moves nothing.

Nodes made inside `autograd.scope(...)` blocks are drawn in nested clusters ("sample 3" >
"layer 2" > "neuron 1"). A graph of more than `max_nodes` values collapses its deepest
clusters into summary boxes ("neuron 1 · w·x+b → relu" with its value ranges), shallower
ones if that is not enough; what has no scope is grouped by stage and op as a last resort.

The DOT is built with the `graphviz` package, which does the quoting; it is imported when a
diagram is made, so `import autograd` stays light.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autograd.steps import Step, fmt, products
from autograd.viz.graph import Graph, Node, StepNumbers, graph_of

if TYPE_CHECKING:
    import graphviz

    from autograd.engine import Value

MAX_NODES = 150
RANKDIRS = ("TB", "LR", "BT", "RL")
HIGHLIGHT = "#d9480f"
HIGHLIGHT_FILL = "#fff0e0"
UNKNOWN = "#888888"
FONT = "Helvetica"
FONT_SIZE = 12
# Highlighted elements also get the SVG class "highlight", so a web page can scroll them into view.
HIGHLIGHT_NODE = {"style": "filled,bold", "fillcolor": HIGHLIGHT_FILL, "color": HIGHLIGHT, "penwidth": "2"}
CLUSTER_STYLE = {"style": "rounded", "color": "#9aa5b1", "fontcolor": "#52606d", "fontsize": "11"}

# Helvetica's advance widths (per 1000 of the font size) for printable ASCII, as Graphviz estimates text.
# Any other character counts as a full em, so an estimate is never narrower than the text Graphviz draws.
_HELVETICA = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278]
        + [556] * 10
        + [278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556]
        + [833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556]
        + [333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333]
        + [500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584],
    )
)
FIELD_PAD = 16  # points Graphviz adds around each record field's text
MIN_WIDTH = 0.75  # inches, Graphviz's default node width


def check_rankdir(rankdir: object) -> str:
    """`rankdir` itself if Graphviz knows it (TB, LR, BT, RL), else a ValueError saying which ones it does."""
    if rankdir not in RANKDIRS:
        raise ValueError(
            f"rankdir must be one of {', '.join(RANKDIRS)} (top-bottom, left-right, bottom-top, right-left); "
            f"got {rankdir!r}"
        )
    return rankdir


@functools.lru_cache(maxsize=4096)
def _text_width(text: str) -> float:
    """Points a line of `text` takes at FONT_SIZE, as Graphviz estimates it (never less)."""
    return sum(_HELVETICA.get(ch, 1000) for ch in text) * FONT_SIZE / 1000


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _range(xs: list[float], decimals: int) -> str:
    lo, hi = min(xs), max(xs)
    return fmt(lo, decimals) if lo == hi else f"{fmt(lo, decimals)} … {fmt(hi, decimals)}"


def _escape(text: str):
    """`text` shown as it is: backslashes doubled and never read as an HTML label (the package quotes the rest)."""
    import graphviz

    return graphviz.escape(text)


def _record(fields: list[str], braces: bool):
    """A record label of `fields`, record characters escaped; `braces` turns it (a row in LR is braced)."""
    import graphviz

    escaped = []
    for text in fields:
        text = text.replace("\\", "\\\\")
        for ch in "{}|<>":
            text = text.replace(ch, "\\" + ch)
        escaped.append(text)
    body = " | ".join(escaped)
    return graphviz.nohtml("{ " + body + " }" if braces else body)


@dataclass
class _Cluster:
    """A scope path drawn as a cluster: `items` are node positions and sub-clusters in order of appearance."""

    j: int
    path: str
    parent: _Cluster | None
    items: list = field(default_factory=list)
    members: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1 if self.path else 0

    def walk(self):
        """This cluster and every cluster inside it, outer first."""
        yield self
        for item in self.items:
            if isinstance(item, _Cluster):
                yield from item.walk()


@dataclass
class _Box:
    """A summary box: nodes drawn as one record (a collapsed cluster or a group of like nodes)."""

    id: str
    title: str
    nodes: list[int]
    outputs: list[int]


@dataclass
class _Frame:
    """What one drawing of a picture shows: each node's gradient (None: not known yet) and the highlight."""

    grads: list[float | None]
    highlight: int | None
    highlight_box: str | None
    across: bool  # value boxes are rows (rankdir LR or RL)
    final_only: bool  # summary boxes show gradients only once final (a step of the pass)
    emitted: set[str] = field(default_factory=set)


class Picture:
    """What a graph looks like, decided once: its clusters, what is summarised, and every box's width.

    `digraph(...)` then draws it with any gradients shown and any node highlighted, all with the
    same layout, so a step-through of thousands of steps stays linear.
    """

    def __init__(self, graph: Graph, decimals: int = 2, max_nodes: int | None = MAX_NODES) -> None:
        self.graph = graph
        self.decimals = decimals
        self.steps = graph.steps()
        self.step_index = {} if self.steps is None else {s.k: i for i, s in enumerate(self.steps)}
        self.final = self.grads_after(None)
        self._grad_widths: list[float] | None = None
        self.root = self._clusters()
        self.consumers: list[list[int]] = [[] for _ in graph.nodes]
        for node in graph.nodes:
            for parent in node.parents:
                self.consumers[parent].append(node.k)
        self.owner: dict[int, str] = {}  # node -> the summary box drawing it; nodes drawn one by one are absent
        self.boxes: dict[str, _Box] = {}
        self.collapsed: set[int] = set()  # clusters drawn as one box (by j)
        if max_nodes is not None and len(graph) > max_nodes:
            self._summarise(max_nodes)

    # The gradients a picture can show.
    def grads_after(self, k_step: int | None) -> list[float | None]:
        """Each node's gradient once the backward pass has done its steps up to index `k_step` (None: all).

        Without step numbers (an engine that caches no local derivatives) the nodes' own `.grad`.
        """
        if self.steps is None:
            return [node.grad for node in self.graph.nodes]
        known: list[float | None] = [None] * len(self.graph)
        known[-1] = 1.0
        last = len(self.steps) - 1 if k_step is None else k_step
        for step in self.steps[: last + 1]:
            for parent, c in zip(self.graph.nodes[step.k].parents, step.contributions):
                known[parent] = (known[parent] or 0.0) + c
        return known

    @property
    def grad_widths(self) -> list[float]:
        """Per node drawn as its own box, the widest grad text any picture shows (in points): `?`, every
        partial sum of the pass, the final one. Worked out once, on first use (0 for summarised nodes)."""
        if self._grad_widths is None:
            drawn = [k not in self.owner for k in range(len(self.graph))]
            widths = [
                max(_text_width(self._grad_text(g)) for g in (None, node.grad, final)) if shown else 0.0
                for node, final, shown in zip(self.graph.nodes, self.final, drawn)
            ]
            acc = [0.0] * len(self.graph)
            for step in self.steps or []:
                for parent, c in zip(self.graph.nodes[step.k].parents, step.contributions):
                    acc[parent] += c
                    if drawn[parent]:
                        widths[parent] = max(widths[parent], _text_width(self._grad_text(acc[parent])))
            self._grad_widths = widths
        return self._grad_widths

    # Structure.
    def _clusters(self) -> _Cluster:
        root = _Cluster(-1, "", None)
        by_path = {"": root}
        self.cluster_of: list[_Cluster] = []
        for node in self.graph.nodes:
            cluster = root
            if node.scope:
                parts = node.scope.split("/")
                for depth in range(1, len(parts) + 1):
                    path = "/".join(parts[:depth])
                    if path not in by_path:
                        by_path[path] = _Cluster(len(by_path) - 1, path, cluster)
                        cluster.items.append(by_path[path])
                    cluster = by_path[path]
            cluster.items.append(node.k)
            self.cluster_of.append(cluster)
            while cluster is not None:
                cluster.members.append(node.k)
                cluster = cluster.parent
        return root

    def _summarise(self, max_nodes: int) -> None:
        """Collapse the deepest clusters that make the picture fit; group what is left by stage and op.

        At level d the clusters d deep collapse, and if that is not enough the innermost clusters
        above d too (the parameters' "layer 1/neuron 2" beside "sample 3/layer 1/neuron 2").
        """
        clusters = list(self.root.walk())[1:]
        innermost = [c for c in clusters if not any(isinstance(i, _Cluster) for i in c.items)]
        for depth in range(max((c.depth for c in clusters), default=0), 0, -1):
            deep = {c.j for c in clusters if c.depth == depth}
            self.collapsed = deep
            if self._drawn(clusters) <= max_nodes:
                break
            self.collapsed = deep | {c.j for c in innermost if c.depth < depth}
            if self._drawn(clusters) <= max_nodes:
                break
        else:  # nothing fits: every outer cluster is one box, and the rest is grouped below
            self.collapsed = {c.j for c in clusters if c.depth == 1}
        for cluster in clusters:
            if cluster.j in self.collapsed:
                self._add_box(self.box_of(cluster))
        loose = [k for k in range(len(self.graph)) if k not in self.owner]
        if len(loose) + len(self.boxes) > max_nodes:
            self._group(loose, max_nodes)

    def _drawn(self, clusters: list[_Cluster]) -> int:
        """How many boxes the picture has with `self.collapsed` drawn as one box each (they never nest)."""
        hidden = sum(len(c.members) for c in clusters if c.j in self.collapsed)
        return len(self.graph) - hidden + len(self.collapsed)

    def box_of(self, cluster: _Cluster) -> _Box:
        """`cluster` collapsed into one summary box; its outputs are the members used outside it."""
        return self._box(f"s{cluster.j}", self._cluster_title(cluster), cluster.members)

    def _box(self, box_id: str, title: str, nodes: list[int]) -> _Box:
        inside = set(nodes)
        last = len(self.graph) - 1
        outputs = [k for k in nodes if k == last or any(c not in inside for c in self.consumers[k])] or [max(nodes)]
        return _Box(box_id, title, nodes, outputs)

    def _add_box(self, box: _Box) -> None:
        self.boxes[box.id] = box
        for k in box.nodes:
            self.owner[k] = box.id

    def _cluster_title(self, cluster: _Cluster) -> str:
        symbols: list[str] = []
        for k in cluster.members:
            symbol = self.graph.nodes[k].symbol.replace("\n", " ")
            if self.graph.nodes[k].parents and symbol not in symbols:
                symbols.append(symbol or "op")
        return f"{cluster.label} · {' → '.join(symbols)}" if symbols else cluster.label

    def _group(self, loose: list[int], max_nodes: int) -> None:
        """The last resort for what no scope tells apart: ops by (stage, op), leaves with their newest consumer.

        A node's stage is one more than its parents', except after a parent of its own op: a
        chain of additions (micrograd's neuron sums its products one `+` at a time) is one stage,
        so it is one box, not one box per link. A graph of more stages than fit (a long chain of
        alternating ops) groups them in bands of consecutive stages.
        """
        nodes = self.graph.nodes
        stage = [0] * len(nodes)
        for k in loose:
            node = nodes[k]
            if node.parents:
                stage[k] = max(
                    stage[p] + (0 if nodes[p].parents and nodes[p].symbol == node.symbol else 1) for p in node.parents
                )
        ops = {(stage[k], nodes[k].symbol) for k in loose if nodes[k].parents}
        budget = max(1, max_nodes // 6)  # op groups; each may bring a few leaf groups along
        band = 1
        if len(ops) > budget:
            symbols = len({symbol for _, symbol in ops})
            band = -(-max(stage) // max(1, budget // symbols))
        key: dict[int, tuple] = {}
        for k in loose:
            if nodes[k].parents:
                key[k] = ((stage[k] - 1) // band, nodes[k].op, nodes[k].symbol)
        for k in reversed(loose):
            if not nodes[k].parents:
                newest = max(self.consumers[k], default=k)
                key[k] = ("leaves", self.owner.get(newest) or key.get(newest, ()), nodes[k].label)
        # Leaves feeding one group split by label (inputs "x" apart from weights "w0"), unless that makes many.
        labels: dict[tuple, set[str]] = {}
        for k in loose:
            if key[k][0] == "leaves":
                labels.setdefault(key[k][:2], set()).add(key[k][2])
        for k in loose:
            if key[k][0] == "leaves" and (band > 1 or len(labels[key[k][:2]]) > 4):
                key[k] = (*key[k][:2], "")
        members: dict[tuple, list[int]] = {}
        for k in loose:
            members.setdefault(key[k], []).append(k)
        for i, (group, ks) in enumerate(members.items()):
            title = ""
            if group[0] != "leaves":
                lo, hi = min(stage[k] for k in ks), max(stage[k] for k in ks)
                where = f"stage {lo}" if lo == hi else f"stages {lo}–{hi}"
                title = f"{len(ks)} × {nodes[ks[0]].symbol.replace(chr(10), ' ') or 'op'} ({where})"
            self._add_box(self._box(f"g{i}", title, ks))

    # Texts.
    def _leaves_lines(self, ks: list[int]) -> list[str]:
        """`5 leaves: layers.1.weight[0][0]`, `… layers.1.bias[0]`: the leaves among `ks`, named by their labels."""
        leaves = [self.graph.nodes[k] for k in ks if not self.graph.nodes[k].parents]
        if not leaves:
            return []
        named = list(dict.fromkeys(n.label for n in leaves if n.label))
        unnamed = sum(1 for n in leaves if not n.label)
        head = _count(len(leaves), "leaf", "leaves")
        if not named:
            return [head]
        lines = [f"{head}: {named[0]}"]
        if len(named) == 2:
            lines[0] += f", {named[1]}"
        elif len(named) > 2:
            lines.append(f"… {named[-1]}")
        if unnamed:
            lines[-1] += f" ({unnamed} unlabelled)"
        return lines

    def _grad_text(self, grad: float | None) -> str:
        return "grad ?" if grad is None else f"grad {fmt(grad, self.decimals)}"

    def _value_fields(self, node: Node, grad: float | None) -> list[str]:
        fields = [f"data {fmt(node.data, self.decimals)}", self._grad_text(grad)]
        return [node.label, *fields] if node.label else fields

    def box_fields(self, box: _Box, grads: list[float | None], final_only: bool = False) -> list[str]:
        """The texts of a summary box; `final_only`: its gradients show once they are final, else `grad ?`."""
        shown = [grads[k] for k in box.outputs]
        if final_only and any(grads[k] != self.final[k] for k in box.outputs):
            shown = [None]
        grad = "grad ?" if None in shown else f"grad {_range(shown, self.decimals)}"
        data = f"data {_range([self.graph.nodes[k].data for k in box.outputs], self.decimals)}"
        return [line for line in (box.title, *self._leaves_lines(box.nodes)) if line] + [data, grad]

    def _width(self, widths: list[float], across: bool) -> str:
        """A box's width in inches for fields of these text widths (in points), side by side if `across`."""
        points = [w + FIELD_PAD for w in widths]
        return f"{max(MIN_WIDTH, (sum(points) if across else max(points)) / 72 + 0.01):.2f}"

    # Drawing.
    def digraph(
        self,
        grads: list[float | None] | None = None,
        highlight: int | None = None,
        step: StepNumbers | None = None,
        rankdir: str = "LR",
        final_only: bool = False,
    ) -> graphviz.Digraph:
        """The picture as a `graphviz.Digraph`: `grads` per node (None in it: not known yet, shown as ?),
        node `highlight` marked and, given its `step`, the step's numbers on its edges.

        `final_only` (a step of the pass): a summary box shows its gradients once they are final.
        """
        import graphviz

        check_rankdir(rankdir)
        grads = self.final if grads is None else grads
        across = rankdir in ("LR", "RL")  # records flip with the rank direction: a row there needs braces
        g = graphviz.Digraph(
            "backprop",
            graph_attr={"rankdir": rankdir, "bgcolor": "white", "fontname": FONT, "id": "bp-graph"},
            node_attr={"fontname": FONT, "fontsize": str(FONT_SIZE)},
            edge_attr={"fontname": FONT, "fontsize": "10", "color": "#555555"},
        )
        if self.boxes:
            edges = sum(len(n.parents) for n in self.graph.nodes)
            g.attr(
                label=_escape(f"summary of {len(self.graph)} values and {edges} edges (too many to draw one by one)"),
                labelloc="t",
            )
        hi_box = self.owner.get(highlight) if highlight is not None else None
        self._emit(g, self.root, _Frame(grads, highlight, hi_box, across, final_only))
        self._edges(g, highlight, step)
        return g

    def _emit(self, g, cluster: _Cluster, frame: _Frame) -> None:
        """The statements of `cluster`'s items, in order: its nodes, summary boxes and nested clusters."""
        for item in cluster.items:
            if isinstance(item, _Cluster):
                if item.j in self.collapsed:
                    self._summary_box(g, self.boxes[f"s{item.j}"], frame)
                    continue
                with g.subgraph(name=f"cluster_{item.j}") as sub:
                    sub.attr(id=f"c{item.j}", label=_escape(item.label), **{"class": "bp-cluster"}, **CLUSTER_STYLE)
                    self._emit(sub, item, frame)
            elif item in self.owner:
                box_id = self.owner[item]
                if box_id.startswith("g") and box_id not in frame.emitted:  # a group: drawn where it first appears
                    frame.emitted.add(box_id)
                    self._summary_box(g, self.boxes[box_id], frame)
            else:
                self._value(g, self.graph.nodes[item], frame)

    def _value(self, g, node: Node, frame: _Frame) -> None:
        grad, highlighted = frame.grads[node.k], node.k == frame.highlight
        fields = self._value_fields(node, grad)
        widths = [_text_width(text) for text in fields[:-1]] + [self.grad_widths[node.k]]
        style = {"shape": "record", "width": self._width(widths, False)}
        if highlighted:
            style.update(HIGHLIGHT_NODE, **{"class": "bp-value highlight"})
        elif grad is None:
            style.update(fontcolor=UNKNOWN, color="#aaaaaa")
        # Label, data and grad stacked (a column in either direction): boxes stay narrow, graphs fit the width.
        g.node(f"v{node.k}", label=_record(fields, not frame.across), id=f"v{node.k}", **{"class": "bp-value"} | style)
        if not node.parents:
            return
        op_style = {"shape": "circle", "margin": "0.02", "class": "bp-op"}
        if highlighted:
            op_style.update(HIGHLIGHT_NODE, fillcolor=HIGHLIGHT, fontcolor="white", **{"class": "bp-op highlight"})
        g.node(f"o{node.k}", label=_escape(node.symbol), id=f"o{node.k}", **op_style)

    def _summary_box(self, g, box: _Box, frame: _Frame) -> None:
        highlighted = box.id == frame.highlight_box
        fields = self.box_fields(box, frame.grads, frame.final_only)
        texts = [*fields, *self.box_fields(box, self.final), "grad ?"]
        width = self._width([_text_width(text) for text in texts], False)
        style = {"shape": "record", "width": width, "class": "bp-summary", "style": "rounded"}
        if highlighted:
            style.update(HIGHLIGHT_NODE, **{"class": "bp-summary highlight"})
            style["style"] = "rounded,filled,bold"
        elif fields[-1] == "grad ?":
            style.update(fontcolor=UNKNOWN, color="#aaaaaa")
        g.node(box.id, label=_record(fields, not frame.across), id=box.id, **style)

    def _edges(self, g, highlight: int | None, step: StepNumbers | None) -> None:
        merged: dict[tuple[str, str], int] = {}
        d = self.decimals
        for node in self.graph.nodes:
            if not node.parents:
                continue
            head_box = self.owner.get(node.k)
            if head_box is None:
                if node.k == highlight and step is not None:
                    shown_up = products(step.upstream, step.local, step.contributions, d).upstream
                    g.edge(f"o{node.k}", f"v{node.k}", id=f"e{node.k}", **_hi_edge(f"upstream {shown_up}"))
                else:
                    g.body.append(_plain_edge(f"o{node.k}", f"v{node.k}", f"e{node.k}"))
            shown = None
            if node.k == highlight and step is not None:
                shown = products(step.upstream, step.local, step.contributions, d)
            for i, parent in enumerate(node.parents):
                tail = self.owner.get(parent, f"v{parent}")
                if head_box is None:
                    if tail.startswith("v") and shown is not None:
                        label = f"local {shown.local[i]}\n{shown.product(i)}"
                        g.edge(tail, f"o{node.k}", id=f"e{node.k}_{i}", **_hi_edge(label))
                    elif tail.startswith("v"):
                        g.body.append(_plain_edge(tail, f"o{node.k}", f"e{node.k}_{i}"))
                    else:
                        merged[(tail, f"o{node.k}")] = merged.get((tail, f"o{node.k}"), 0) + 1
                elif tail != head_box:
                    merged[(tail, head_box)] = merged.get((tail, head_box), 0) + 1
        for (tail, head), count in merged.items():
            g.edge(tail, head, id=f"{tail}-{head}", tooltip=_count(count, "edge", "edges"), **{"class": "bp-edge"})


def _plain_edge(tail: str, head: str, edge_id: str) -> str:
    """The line `g.edge(tail, head, id=edge_id, class="bp-edge")` writes, without its quoting machinery.

    The names and ids are ours (`v3`, `o4`, `e4_0`) and need no quoting; a graph's thousands of
    edges are drawn in a third of the time.
    """
    return f'\t{tail} -> {head} [class="bp-edge" id={edge_id}]\n'


def _hi_edge(label: str) -> dict[str, str]:
    return {
        "label": _escape(label),
        "color": HIGHLIGHT,
        "fontcolor": HIGHLIGHT,
        "penwidth": "2.5",
        "class": "bp-edge highlight",
    }


def _highlight(picture: Picture, highlight: Step | object | None) -> tuple[int | None, StepNumbers | None]:
    """The highlighted node's position and, if it is not a leaf, its step numbers."""
    if highlight is None:
        return None, None
    target = picture.graph.find(highlight.node if isinstance(highlight, Step) else highlight)
    if target is None:
        raise ValueError(f"highlight {highlight!r} is not a node of this graph (nor a step of it)")
    i = picture.step_index.get(target.k)
    return target.k, None if i is None else picture.steps[i]


def picture_digraph(
    picture: Picture, highlight: Step | object | None = None, rankdir: str = "LR", grads: list | None = None
) -> graphviz.Digraph:
    """`picture` drawn as `draw()` draws it.

    Without a highlight every node shows its own `.grad`; with one, the gradients the backward
    pass knows at that step (a leaf: once the pass is done), so a picture drawn before
    `backward()` agrees with the step's upstream.
    """
    k, step = _highlight(picture, highlight)
    if grads is None:
        if k is None or picture.steps is None:
            grads = [node.grad for node in picture.graph.nodes]
        else:
            grads = picture.grads_after(picture.step_index.get(k))
    return picture.digraph(grads, k, step, rankdir, final_only=k is not None and picture.steps is not None)


def to_digraph(
    output: object,
    highlight: Step | object | None = None,
    rankdir: str = "LR",
    decimals: int = 2,
    grads: Mapping[Value, float] | None = None,
    max_nodes: int = MAX_NODES,
) -> graphviz.Digraph:
    """The graph of `output` (our `Value` or any micrograd-like node) as a `graphviz.Digraph`.

    `grads` replaces each node's gradient in the picture (a node missing from it shows `grad ?`).
    """
    check_rankdir(rankdir)
    picture = Picture(graph_of(output), decimals, max_nodes)
    shown = None
    if grads is not None:
        shown = [grads.get(node.source) for node in picture.graph.nodes]
    return picture_digraph(picture, highlight, rankdir, shown)


def to_dot(
    output: object,
    highlight: Step | object | None = None,
    rankdir: str = "LR",
    decimals: int = 2,
    grads: Mapping[Value, float] | None = None,
    max_nodes: int = MAX_NODES,
) -> str:
    """DOT text for the graph of `output` (see `to_digraph`)."""
    return to_digraph(output, highlight, rankdir, decimals, grads, max_nodes).source


def interactive_dot(output: object, rankdir: str = "LR", decimals: int = 2, max_nodes: int | None = None) -> str:
    """The DOT a step-through lays out once: every node with its FINAL data and grad, and stable ids.

    The same statements, ids and box widths as `draw(output)`, so the page, the widget and
    `draw()` show one layout; stepping only restyles it. `max_nodes=None` never summarises.
    """
    check_rankdir(rankdir)
    picture = Picture(graph_of(output), decimals, max_nodes)
    return picture.digraph(None, None, None, rankdir).source


def clusters(output: object, decimals: int = 2) -> list[dict]:
    """Each cluster of `output`'s graph, outer first, as JSON-able dicts for a page that folds them.

    `id` is the cluster's DOT/SVG id (`c<j>`), `path` its scope path, `label` its last part,
    `parent` the id of the cluster around it (None at the top), `members` the positions k of
    every node inside it, and `summary` the texts of its collapsed box (final gradients).
    """
    picture = Picture(graph_of(output), decimals, None)
    result = []
    for cluster in list(picture.root.walk())[1:]:
        box = picture.box_of(cluster)
        result.append(
            {
                "id": f"c{cluster.j}",
                "path": cluster.path,
                "label": cluster.label,
                "parent": None if cluster.parent is picture.root else f"c{cluster.parent.j}",
                "members": list(cluster.members),
                "summary": picture.box_fields(box, picture.final),
            }
        )
    return result


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

    Every frame has the layout of `interactive_dot`: the gradients fill in as the pass moves
    back ("grad ?" until a node's is known), and the picture is analysed once for all steps.
    """
    check_rankdir(rankdir)
    picture = Picture(graph_of(output), decimals, max_nodes)
    frames = []
    known = picture.grads_after(-1)  # the seed alone; each step then adds its contributions, as backward does
    for step, numbers in zip(all_steps, picture.steps):
        for parent, c in zip(picture.graph.nodes[numbers.k].parents, numbers.contributions):
            known[parent] = (known[parent] or 0.0) + c
        k = picture.graph.find(step.node).k
        frames.append(picture.digraph(list(known), k, numbers, rankdir, final_only=True).source)
    return frames
