"""Backprop Lab's engine: scalar reverse-mode automatic differentiation you can watch."""

from autograd.engine import Value, add_n, constant, dot, grad, gradcheck, scope, topological_order
from autograd.ops import OPS, Op
from autograd.steps import Step, Steps, forward_steps, steps
from autograd.trace import Traced, trace
from autograd.viz import Diagram, draw, export_html, stepper

__all__ = ["OPS", "Op", "Value", "add_n", "constant", "dot", "grad", "gradcheck", "scope", "topological_order"]
__all__ += ["Diagram", "Step", "Steps", "Traced", "draw", "export_html", "forward_steps", "stepper", "steps", "trace"]
