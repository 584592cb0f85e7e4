"""Backprop Lab's engine: scalar reverse-mode automatic differentiation you can watch."""

from autograd.engine import Value, add_n, dot, grad, gradcheck
from autograd.ops import OPS, Op
from autograd.steps import Step, Steps, forward_steps, steps
from autograd.viz import Diagram, draw, export_html, stepper

__all__ = ["OPS", "Op", "Value", "add_n", "dot", "grad", "gradcheck"]
__all__ += ["Diagram", "Step", "Steps", "draw", "export_html", "forward_steps", "stepper", "steps"]
