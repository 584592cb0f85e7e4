"""`Stepper`: a Jupyter widget that walks through the backward pass one node at a time.

A slider and prev/next buttons pick the step; the widget shows that step's formula
and numbers (`detail`, an HTML widget) and the graph with the step highlighted and
the gradients accumulated so far (`diagram`, an HTML widget holding inline SVG).
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from autograd.engine import Value
from autograd.steps import steps
from autograd.viz.dot import MAX_NODES, step_dots
from autograd.viz.render import RenderError, advice_html, inline_svg


class Stepper(widgets.VBox):
    """Step through `output`'s backward pass: `slider.value` is the step number, 1 = the output's node."""

    def __init__(self, output: Value, rankdir: str = "LR", decimals: int = 2, max_nodes: int = MAX_NODES) -> None:
        self.output = output
        self.steps = steps(output)
        self._decimals = decimals
        self._sources = step_dots(output, self.steps, rankdir, decimals, max_nodes)
        self._svgs: dict[int, str] = {}
        n = len(self.steps)
        self.slider = widgets.IntSlider(
            value=1 if n else 0, min=1 if n else 0, max=n, description="step", disabled=n < 2, continuous_update=False
        )
        self.prev_button = widgets.Button(description="◀ prev", tooltip="previous step")
        self.next_button = widgets.Button(description="next ▶", tooltip="next step")
        self.detail = widgets.HTML()
        self.diagram = widgets.HTML()
        self.prev_button.on_click(lambda _: self._move(-1))
        self.next_button.on_click(lambda _: self._move(+1))
        self.slider.observe(lambda _: self._show(), names="value")
        controls = widgets.HBox([self.prev_button, self.slider, self.next_button])
        super().__init__([controls, self.detail, self.diagram])
        self._show()

    def _move(self, delta: int) -> None:
        self.slider.value = min(max(self.slider.value + delta, self.slider.min), self.slider.max)

    def _show(self) -> None:
        if not self.steps:
            self.detail.value = "<p>This value is a leaf: it has no backward steps.</p>"
            return
        k = self.slider.value
        step = self.steps[k - 1]
        self.detail.value = f"<h4>Step {k} of {len(self.steps)}: {html.escape(step.op)}</h4>" + step.to_html(
            self._decimals
        )
        self.prev_button.disabled = k == self.slider.min
        self.next_button.disabled = k == self.slider.max
        self.diagram.value = self._svg(k)

    def _svg(self, k: int) -> str:
        if k not in self._svgs:
            source = self._sources[k - 1]
            try:
                self._svgs[k] = inline_svg(source)
            except RenderError as error:
                return advice_html(error, source)
        return self._svgs[k]
