"""The chain rule, one line per node: `steps()` for the backward pass, `forward_steps()` for the forward.

A `Step` is what backward does at one node: it takes the node's upstream gradient
d(output)/d(node), multiplies it by each local derivative d(node)/d(parent) cached
in the forward pass, and hands each parent its contribution. The numbers are
recomputed here from the cached locals, never read from `.grad`, so the steps are
the same before and after `backward()` and do not disturb it.

>>> print(steps(f))        # the staged backward table
>>> print(forward_steps(f))  # the order the values were computed
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from autograd.engine import Value, grad, topological_order

DECIMALS = 2


def fmt(x: float, decimals: int = DECIMALS) -> str:
    """A number rounded for people: fixed decimals, or scientific when fixed would hide it."""
    if x != 0.0 and (abs(x) < 0.5 * 10**-decimals or abs(x) >= 1e6):
        return f"{x:.{max(decimals - 1, 1)}e}"
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def name(node: Value, decimals: int = DECIMALS) -> str:
    """How a node is called in tables: its label, its number if it is a constant, else its op in brackets."""
    if node.label:
        return node.label
    if not node.parents:
        return f"{node.data:.0f}" if node.data.is_integer() and abs(node.data) < 1e6 else fmt(node.data, decimals)
    return f"({node.op.symbol})"


@dataclass(frozen=True, eq=False)
class Step:
    """What the backward pass does at one node.

    `upstream` is d(output)/d(node); `local[i]` is d(node)/d(parents[i]);
    `contributions[i] = upstream * local[i]` is what parent i receives from this node.
    """

    node: Value
    op: str
    inputs: tuple[float, ...]
    upstream: float
    local: tuple[float, ...]
    contributions: tuple[float, ...]
    formula: str

    @property
    def symbol(self) -> str:
        """The op as a diagram shows it: +, *, 1/x, e^x, ..."""
        return self.node.op.symbol

    def __str__(self) -> str:
        at = ", ".join(fmt(x) for x in self.inputs)
        local = ", ".join(fmt(x) for x in self.local)
        gives = ", ".join(f"{name(p)} gets {fmt(c)}" for p, c in zip(self.node.parents, self.contributions))
        return f"{self.symbol} at {at}: upstream {fmt(self.upstream)} × local {local} → {gives}   [{self.formula}]"

    def to_html(self, decimals: int = DECIMALS) -> str:
        """The step as an HTML block: formula, upstream, and per parent input, local and contribution."""
        up = fmt(self.upstream, decimals)
        rows = [
            [name(p, decimals), fmt(x, decimals), fmt(lo, decimals), f"{up} × {fmt(lo, decimals)}", fmt(c, decimals)]
            for p, x, lo, c in zip(self.node.parents, self.inputs, self.local, self.contributions)
        ]
        return (
            f'<div class="step-detail"><p class="formula"><code>{html.escape(self.formula)}</code></p>'
            f"<p>{html.escape(self.op)} node <b>{html.escape(name(self.node, decimals))}</b> = "
            f"{fmt(self.node.data, decimals)}, upstream d(output)/d(node) = <b>{up}</b></p>"
            + _html_table(["parent", "input", "local", "upstream × local", "contribution"], rows)
            + "</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


@dataclass(frozen=True, eq=False)
class ForwardStep:
    """One value computed in the forward pass: `output = op(*inputs)`."""

    node: Value
    op: str
    inputs: tuple[float, ...]
    output: float

    @property
    def symbol(self) -> str:
        """The op as a diagram shows it."""
        return self.node.op.symbol

    def __str__(self) -> str:
        return f"{self.symbol} of {_arguments(self.node, DECIMALS)} = {fmt(self.output)}"


def _arguments(node: Value, decimals: int) -> str:
    """A node's parents with their values, `w0=2.00, x0=-1.00`; a constant is just its number."""
    return ", ".join(
        f"{name(p, decimals)}={fmt(p.data, decimals)}" if p.parents or p.label else name(p) for p in node.parents
    )


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="backprop-steps"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class _Table(list):
    """A list of steps that prints as a table: aligned text for `print`, HTML in Jupyter."""

    HEADER: list[str] = []  # and each subclass defines rows(decimals)

    def to_text(self, decimals: int = DECIMALS) -> str:
        """The table as aligned plain text."""
        return _text_table(self.HEADER, self.rows(decimals))

    def to_html(self, decimals: int = DECIMALS) -> str:
        """The table as an HTML `<table>`."""
        return _html_table(self.HEADER, self.rows(decimals))

    def __str__(self) -> str:
        return self.to_text()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.to_html()


class Steps(_Table):
    """The backward pass as a list of `Step`s that prints as a table (text, and HTML in Jupyter)."""

    HEADER = ["#", "node", "op", "upstream", "parent", "input", "local", "contribution", "formula"]

    def rows(self, decimals: int = DECIMALS) -> list[list[str]]:
        """One row per edge: the step's first parent carries the node columns, the others leave them blank."""
        out = []
        for k, step in enumerate(self, start=1):
            for i, parent in enumerate(step.node.parents):
                first = i == 0
                out.append(
                    [
                        str(k) if first else "",
                        name(step.node, decimals) if first else "",
                        step.symbol if first else "",
                        fmt(step.upstream, decimals) if first else "",
                        name(parent, decimals),
                        fmt(step.inputs[i], decimals),
                        fmt(step.local[i], decimals),
                        fmt(step.contributions[i], decimals),
                        step.formula if first else "",
                    ]
                )
        return out


class ForwardSteps(_Table):
    """The forward pass as a list of `ForwardStep`s that prints as a table."""

    HEADER = ["#", "node", "op", "inputs", "value"]

    def rows(self, decimals: int = DECIMALS) -> list[list[str]]:
        """One row per computed value, in the order the forward pass computed them."""
        return [
            [
                str(k),
                name(s.node, decimals),
                s.symbol,
                _arguments(s.node, decimals),
                fmt(s.output, decimals),
            ]
            for k, s in enumerate(self, start=1)
        ]


def steps(output: Value) -> Steps:
    """One `Step` per non-leaf node, in the order backward visits them (output first).

    >>> for step in steps(f): print(step)
    1/x at 1.37: upstream 1.00 × local -0.53 → (+) gets -0.53   [d(1/x)/dx = -1/x^2]
    """
    order = topological_order(output)[::-1]
    upstream = dict(zip(order, grad(output, order)))
    result = Steps()
    for node in order:
        if not node.parents:
            continue
        up = upstream[node]
        local = tuple(float(x) for x in node.local)
        result.append(
            Step(
                node=node,
                op=node.op,
                inputs=tuple(p.data for p in node.parents),
                upstream=up,
                local=local,
                contributions=tuple(up * x for x in local),
                formula=node.op.formula,
            )
        )
    return result


def forward_steps(output: Value) -> ForwardSteps:
    """One `ForwardStep` per non-leaf node, in the order the forward pass computed them."""
    order = topological_order(output)
    return ForwardSteps(ForwardStep(n, n.op, tuple(p.data for p in n.parents), n.data) for n in order if n.parents)
