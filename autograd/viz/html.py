"""`export_html`: the backward pass as one self-contained web page, to open in any browser offline.

Everything is inlined (SVG diagrams, numbers, styles, a few lines of script): no network,
no CDN, so the file can be mailed to students or put on a USB stick. Identical diagrams
(a summarised large graph looks the same for many steps) are stored once.
"""

from __future__ import annotations

import html
import os
from importlib.resources import files
from pathlib import Path

from autograd.engine import Value
from autograd.steps import forward_steps, steps
from autograd.viz.dot import MAX_NODES, step_dots
from autograd.viz.render import RenderError, advice_html, inline_svg


def _diagram_html(source: str, index: int) -> str:
    try:
        svg = inline_svg(source)
    except RenderError as error:
        body = advice_html(error, source)
    else:
        # Each diagram's element ids get a prefix so that ids stay unique on the page.
        body = svg.replace(' id="', f' id="d{index}-')
    return f'<div class="diagram" data-diagram="{index}" hidden>{body}</div>'


def export_html(
    output: Value,
    path: str | os.PathLike,
    rankdir: str = "LR",
    decimals: int = 2,
    max_nodes: int = MAX_NODES,
) -> Path:
    """Write a page that steps through `output`'s backward pass with buttons and the arrow keys.

    Each step shows its formula, upstream, locals and contributions, and the graph with
    that step highlighted. Returns the path written.

    >>> export_html(f, "backprop.html")
    """
    all_steps = steps(output)
    diagram_of: dict[str, int] = {}
    sections = []
    for k, (step, source) in enumerate(zip(all_steps, step_dots(output, all_steps, rankdir, decimals, max_nodes))):
        index = diagram_of.setdefault(source, len(diagram_of))
        sections.append(
            f'<section class="step" data-diagram="{index}" hidden>'
            f"<h2>Step {k + 1} of {len(all_steps)}: {html.escape(step.op)} ({html.escape(step.symbol)})</h2>"
            f"{step.to_html(decimals)}</section>"
        )
    diagrams = [_diagram_html(source, index) for source, index in diagram_of.items()]
    page = (
        files("autograd.viz")
        .joinpath("template.html")
        .read_text(encoding="utf-8")
        .replace("<!--STEPS-->", "\n".join(sections))
        .replace("<!--DIAGRAMS-->", "\n".join(diagrams))
        .replace("<!--FORWARD-->", forward_steps(output).to_html(decimals))
        .replace("<!--BACKWARD-->", all_steps.to_html(decimals))
    )
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
