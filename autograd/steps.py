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
from decimal import Decimal

from autograd.engine import Value, grad, topological_order

DECIMALS = 2
# A product that does not multiply out at the table's precision gets up to this many more digits per factor.
EXTRA_DIGITS = 3


def fmt(x: float, decimals: int = DECIMALS) -> str:
    """A number rounded for people: fixed decimals, or scientific when fixed would hide it."""
    if x != 0.0 and (abs(x) < 0.5 * 10**-decimals or abs(x) >= 1e6):
        return f"{x:.{max(decimals - 1, 1)}e}"
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def multiplies_out(a: str, b: str, c: str) -> bool:
    """Whether the displayed `a × b = c` holds at the precision `c` is shown with.

    A student multiplies the numbers on the screen; the product, rounded to the last digit
    `c` shows, must give `c` (within half a unit of that digit, so either side of a tie counts).

    >>> multiplies_out("0.20", "2.00", "0.39"), multiplies_out("0.197", "2.00", "0.39")
    (False, True)
    """
    product = Decimal(a) * Decimal(b)
    target = Decimal(c)
    half_unit = Decimal(1).scaleb(target.as_tuple().exponent) / 2
    return abs(product - target) <= half_unit


def _digits(x: float, decimals: int, extra: int) -> str:
    """`fmt(x)` with `extra` more digits, trailing zeros beyond `decimals` dropped (2.0 stays "2.00")."""
    text = fmt(x, decimals + extra)
    if extra and "e" not in text:
        keep = len(text) - extra
        text = text[:keep] + text[keep:].rstrip("0")
    return text


@dataclass(frozen=True)
class Products:
    """A step's `upstream × local[i] = contribution[i]` as displayed, every product checkable by hand.

    Each contribution is shown at the table's precision (the worked example's -0.53, 0.39 ...);
    the upstream and each local get just enough more digits for the product to round to it
    (0.20 × 2.00 would give 0.40, so 0.1966... shows as 0.197). When no display within
    `EXTRA_DIGITS` more digits multiplies out, the relation is written "≈".
    """

    upstream: str
    local: tuple[str, ...]
    relation: tuple[str, ...]
    contributions: tuple[str, ...]

    def product(self, i: int) -> str:
        """Parent i's line of arithmetic, e.g. "0.197 × 2.00 = 0.39"."""
        return f"{self.upstream} × {self.local[i]} {self.relation[i]} {self.contributions[i]}"


def products(
    upstream: float, local: tuple[float, ...], contributions: tuple[float, ...], decimals: int = DECIMALS
) -> Products:
    """The displayed numbers of `upstream × local[i] = contributions[i]`: see `Products`."""
    shown = tuple(fmt(c, decimals) for c in contributions)
    for extra_up in range(EXTRA_DIGITS + 1):
        up = _digits(upstream, decimals, extra_up)
        factors = []
        for lo, c in zip(local, shown):
            found = (_digits(lo, decimals, e) for e in range(EXTRA_DIGITS + 1))
            factors.append(next((text for text in found if multiplies_out(up, text, c)), None))
        if None not in factors:
            return Products(up, tuple(factors), ("=",) * len(shown), shown)
    up = fmt(upstream, decimals)
    factors = [fmt(lo, decimals) for lo in local]
    relation = tuple("=" if multiplies_out(up, lo, c) else "≈" for lo, c in zip(factors, shown))
    return Products(up, tuple(factors), relation, shown)


def exact(x: float) -> str:
    """A number with every digit a float holds, for hover texts (`repr` of the float)."""
    return repr(float(x))


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

    @property
    def scope(self) -> str:
        """Where the node was made, e.g. "sample 3/layer 2/neuron 1" ("" outside any `scope`)."""
        return self.node.scope

    @property
    def rule(self) -> str:
        """The formula with the op's parameters, e.g. "d(x^n)/dx = n*x^(n-1), n = 3"."""
        params = self.node.op.params_text
        return f"{self.formula}, {params}" if params else self.formula

    def products(self, decimals: int = DECIMALS) -> Products:
        """This step's `upstream × local = contribution` as displayed (see `Products`)."""
        return products(self.upstream, self.local, self.contributions, decimals)

    def __str__(self) -> str:
        shown = self.products()
        at = ", ".join(fmt(x) for x in self.inputs)
        gives = ", ".join(f"{name(p)} gets {shown.product(i)}" for i, p in enumerate(self.node.parents))
        where = f"in {self.scope}: " if self.scope else ""
        return f"{where}{self.symbol} at {at}, upstream {shown.upstream}: {gives}   [{self.rule}]"

    def to_html(self, decimals: int = DECIMALS, formula_html: str | None = None) -> str:
        """The step as an HTML block: formula, upstream, and per parent input, local and contribution.

        `formula_html` replaces the text formula (the page and the widget pass MathML); hovering
        a number shows it with every digit.
        """
        shown = self.products(decimals)
        rows = []
        for i, (parent, x) in enumerate(zip(self.node.parents, self.inputs)):
            product = (
                f"{_num(shown.upstream, self.upstream)} × {_num(shown.local[i], self.local[i])} {shown.relation[i]} "
                f"{_num(shown.contributions[i], self.contributions[i])}"
            )
            rows.append([html.escape(name(parent, decimals)), _num(fmt(x, decimals), x), product])
        formula = formula_html if formula_html is not None else f"<code>{html.escape(self.formula)}</code>"
        params = self.node.op.params_text
        crumbs = " › ".join(self.scope.split("/"))
        where = f'<p class="scope">in {html.escape(crumbs)}</p>' if self.scope else ""
        return (
            f'<div class="step-detail">{where}<p class="formula">{formula}'
            + (f' <span class="params">({html.escape(params)})</span>' if params else "")
            + f"</p><p>{html.escape(self.op)} node <b>{html.escape(name(self.node, decimals))}</b> = "
            f"{_num(fmt(self.node.data, decimals), self.node.data)}, upstream d(output)/d(node) = "
            f"<b>{_num(shown.upstream, self.upstream)}</b></p>"
            + _html_table(["parent", "input", "upstream × local = contribution"], rows, escaped=True)
            + "</div>"
        )

    def _repr_markdown_(self) -> str:
        # Jupyter renders the $$ $$ block as mathematics; the table carries the numbers.
        shown = self.products()
        params = self.node.op.params_text
        lines = [
            f"**{self.op}** node {_md(name(self.node))} = {fmt(self.node.data)}, upstream {shown.upstream}"
            + (f" (in {_md(self.scope)})" if self.scope else ""),
            "",
            f"$${self.node.op.latex}$$" + (f" with {_md(params)}" if params else ""),
            "",
            "| parent | input | upstream × local = contribution |",
            "|---|---:|---:|",
        ]
        for i, (parent, x) in enumerate(zip(self.node.parents, self.inputs)):
            lines.append(f"| {_md(name(parent))} | {fmt(x)} | {shown.product(i)} |")
        return "\n".join(lines)


def _num(text: str, value: float) -> str:
    """A displayed number that shows all its digits on hover."""
    return f'<span class="num" title="{exact(value)}">{html.escape(text)}</span>'


def _md(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


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


def _html_table(header: list[str], rows: list[list[str]], escaped: bool = False) -> str:
    """An HTML table; `escaped` says the cells are HTML already."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    cell = (lambda c: c) if escaped else html.escape
    body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in rows)
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
        """One row per edge: the step's first parent carries the node columns, the others leave them blank.

        The upstream and local columns carry the digits that make upstream × local give the
        contribution shown; a contribution that only approximately follows reads "≈ ...".
        """
        out = []
        for k, step in enumerate(self, start=1):
            shown = step.products(decimals)
            for i, parent in enumerate(step.node.parents):
                first = i == 0
                approx = "≈ " if shown.relation[i] == "≈" else ""
                out.append(
                    [
                        str(k) if first else "",
                        name(step.node, decimals) if first else "",
                        step.symbol if first else "",
                        shown.upstream if first else "",
                        name(parent, decimals),
                        fmt(step.inputs[i], decimals),
                        shown.local[i],
                        approx + shown.contributions[i],
                        step.rule if first else "",
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
