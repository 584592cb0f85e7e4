"""`python -m autograd`: the sigmoid-circuit worked example, staged forward and backward.

Prints the forward table (the order values are computed) and the backward table (one
row per edge: upstream × local = contribution), then writes `backprop.svg` (the graph
with every gradient) and `backprop.html` (the offline step-through page).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograd.engine import Value
from autograd.steps import forward_steps, steps
from autograd.viz import RenderError, draw, export_html

EXAMPLE = "f = 1 / (1 + e^-(w0*x0 + w1*x1 + w2)) with w0=2, x0=-1, w1=-3, x1=-2, w2=-3"


def worked_example() -> tuple[Value, tuple[Value, ...]]:
    """The staged sigmoid circuit of the classic backprop lecture and its five inputs."""
    leaves = w0, x0, w1, x1, w2 = tuple(
        Value(v, label=n) for v, n in [(2, "w0"), (-1, "x0"), (-3, "w1"), (-2, "x1"), (-3, "w2")]
    )
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    f.label = "f"
    return f, leaves


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit status (1 when no diagram renderer is available)."""
    parser = argparse.ArgumentParser(
        prog="python -m autograd",
        description=f"Watch backprop on the worked example {EXAMPLE}: print the staged forward and backward "
        "tables, then write backprop.svg (the graph with data and grad on every node) and backprop.html "
        "(a self-contained page that steps through the forward and the backward pass: buttons, play, ← → and space).",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=Path("."),
        help="folder for backprop.svg and backprop.html (default: the current folder; created if missing)",
    )
    args = parser.parse_args(argv)

    f, leaves = worked_example()
    print(EXAMPLE)
    print("\nForward pass, in the order the values are computed:\n")
    print(forward_steps(f))
    print("\nBackward pass, output first: each parent gets upstream × local:\n")
    print(steps(f))
    f.backward()
    print(f"\nf = {f.data:.4f}; gradients: " + ", ".join(f"df/d{v.label} = {v.grad:.2f}" for v in leaves))
    return _write_files(f, args.out)


def _write_files(f: Value, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    html_path = export_html(f, out / "backprop.html")
    try:
        svg_path = draw(f).save(out / "backprop.svg")
    except RenderError as error:
        print(f"\nwrote {html_path} (without diagrams); no backprop.svg:\n{error}", file=sys.stderr)
        return 1
    print(f"\nwrote {svg_path} and {html_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
