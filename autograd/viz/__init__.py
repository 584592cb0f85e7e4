"""Pictures of the graph: `draw` (DOT -> SVG/PNG), `stepper` (Jupyter widget), `export_html` (offline page).

anywidget is imported only when `stepper` is called, so `import autograd` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograd.viz.html import export_html
from autograd.viz.render import Diagram, RenderError, draw

if TYPE_CHECKING:
    from autograd.engine import Value
    from autograd.viz.widget import Stepper


def stepper(output: Value, rankdir: str = "LR", decimals: int = 2, phase: str = "backward") -> Stepper:
    """A Jupyter widget stepping through `output`'s forward and backward passes on one still picture.

    The same browser code as `export_html`'s page: prev/next, play, ← → and space, a viewport
    that follows the current node; `phase` ("forward" or "backward") is where it starts.
    """
    from autograd.viz.widget import Stepper

    return Stepper(output, rankdir=rankdir, decimals=decimals, phase=phase)


__all__ = ["Diagram", "RenderError", "draw", "export_html", "stepper"]
