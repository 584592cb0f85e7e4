"""Pictures of the graph: `draw` (DOT -> SVG/PNG), `stepper` (Jupyter widget), `export_html` (offline page).

ipywidgets is imported only when `stepper` is called, so `import autograd` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograd.viz.html import export_html
from autograd.viz.render import Diagram, RenderError, draw

if TYPE_CHECKING:
    from autograd.engine import Value
    from autograd.viz.widget import Stepper


def stepper(output: Value) -> Stepper:
    """An ipywidgets widget (slider, prev/next) stepping through `output`'s backward pass."""
    from autograd.viz.widget import Stepper

    return Stepper(output)


__all__ = ["Diagram", "RenderError", "draw", "export_html", "stepper"]
