"""`Stepper`: the Jupyter widget that steps through the forward and the backward pass.

An anywidget, so it runs wherever Jupyter widgets run (JupyterLab, Notebook 7, VS Code,
Colab) with no extension to build; its browser code is the same file the offline page
inlines (`static/stepper.js`, see `frontend`). The graph is rendered once in Python;
`phase` and `step` are synced with the browser, so Python can drive the widget too:

>>> w = stepper(f)
>>> w.step = 3                 # the browser follows
>>> w.phase = "forward"
"""

from __future__ import annotations

import anywidget
import traitlets

from autograd.engine import Value
from autograd.steps import DECIMALS, ForwardStep, Step, forward_steps, steps
from autograd.viz.dot import MAX_NODES
from autograd.viz.frontend import payload, script, style

PHASES = ("forward", "backward")


class Stepper(anywidget.AnyWidget):
    """Step through `output`'s forward and backward passes: `phase` and `step` (1 = the first step) pick one."""

    _esm = script()
    _css = style()
    data = traitlets.Dict().tag(sync=True)
    phase = traitlets.Unicode("backward").tag(sync=True)
    step = traitlets.Int(1).tag(sync=True)

    def __init__(
        self,
        output: Value,
        rankdir: str = "LR",
        decimals: int = DECIMALS,
        max_nodes: int = MAX_NODES,
        phase: str = "backward",
    ) -> None:
        if phase not in PHASES:
            raise ValueError(f"Stepper: phase must be 'forward' or 'backward', got {phase!r}")
        self.output = output
        self.rankdir = rankdir
        self.decimals = decimals
        self.max_nodes = max_nodes
        self.steps = steps(output)
        self.forward_steps = forward_steps(output)
        super().__init__(data=payload(output, rankdir, decimals, max_nodes), phase=phase, step=1)

    @traitlets.validate("phase")
    def _known_phase(self, proposal: dict) -> str:
        if proposal["value"] not in PHASES:
            raise traitlets.TraitError(f"phase must be 'forward' or 'backward', got {proposal['value']!r}")
        return proposal["value"]

    @traitlets.validate("step")
    def _step_in_range(self, proposal: dict) -> int:
        n = len(self.data[self.phase]) if self.data else 0
        return min(max(proposal["value"], 1), max(n, 1))

    @property
    def current(self) -> Step | ForwardStep | None:
        """The step shown now (None for a leaf, which has no steps)."""
        shown = self.steps if self.phase == "backward" else self.forward_steps
        return shown[self.step - 1] if shown else None

    @property
    def detail(self) -> str:
        """The HTML the widget shows for the current step (formula as MathML, numbers, scope)."""
        entries = self.data[self.phase]
        return entries[self.step - 1]["html"] if entries else f"<p>{self.data['leaf_text']}</p>"

    @property
    def svg(self) -> str:
        """The graph as rendered once: every node's element carries `data-node`."""
        return self.data["svg"]

    def next(self) -> None:
        """One step on; after the forward pass's last step comes the backward pass's first."""
        if self.step < len(self.data[self.phase]):
            self.step += 1
        elif self.phase == "forward" and self.steps:
            self.phase, self.step = "backward", 1

    def prev(self) -> None:
        """One step back; before the backward pass's first step comes the forward pass's last."""
        if self.step > 1:
            self.step -= 1
        elif self.phase == "backward" and self.forward_steps:
            self.phase = "forward"
            self.step = len(self.forward_steps)
