"""Backprop Lab's engine: scalar reverse-mode automatic differentiation you can watch."""

from autograd.engine import Value, add_n, dot, grad, gradcheck
from autograd.ops import OPS, Op

__all__ = ["OPS", "Op", "Value", "add_n", "dot", "grad", "gradcheck"]
