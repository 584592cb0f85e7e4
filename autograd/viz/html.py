"""`export_html`: the forward and backward passes as one self-contained web page, to open in any browser offline.

Everything is inlined (the SVG rendered once, the steps as JSON, the same browser code and
styles as the Jupyter widget): no network, no CDN, so the file can be mailed to students or
put on a USB stick.
"""

from __future__ import annotations

import json
import os
import re
from importlib.resources import files
from pathlib import Path

from autograd.engine import Value
from autograd.steps import DECIMALS, forward_steps, steps
from autograd.viz.dot import MAX_NODES
from autograd.viz.frontend import payload, script, style


def _json_in_html(data: object) -> str:
    """JSON safe inside a `<script>` element: no `</script>` or `<!--` can end it early."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def export_html(
    output: Value,
    path: str | os.PathLike,
    rankdir: str = "LR",
    decimals: int = DECIMALS,
    max_nodes: int = MAX_NODES,
) -> Path:
    """Write a page that steps through `output`'s forward and backward passes; returns the path written.

    The page has the widget's controls (forward/backward, prev/next, play at a chosen speed,
    the ← → and space keys) and its viewport (drag, zoom, fit), the formula of each step as
    mathematics, and both passes as tables.

    >>> export_html(f, "backprop.html")
    """
    parts = {
        "/*STYLE*/": style(),
        "<!--FORWARD-->": forward_steps(output).to_html(decimals),
        "<!--BACKWARD-->": steps(output).to_html(decimals),
        "<!--DATA-->": _json_in_html(payload(output, rankdir, decimals, max_nodes)),
        # The widget's module as it is: an inline module script may export, and the page calls mountPage.
        "/*SCRIPT*/": script(),
    }
    template = files("autograd.viz").joinpath("template.html").read_text(encoding="utf-8")
    # One pass over the template, so no inserted text is searched for the other markers.
    page = re.sub("|".join(re.escape(marker) for marker in parts), lambda m: parts[m[0]], template)
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
