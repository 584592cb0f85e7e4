"""Turn DOT text into SVG or PNG with whichever Graphviz-compatible renderer this machine has.

The search order: the command named by the environment variable `BACKPROP_LAB_DOT`
(it wins over everything), a system Graphviz `dot` on PATH, then the `graphviz-pure`
command that pip installs with Backprop Lab (on PATH, in this interpreter's scripts
folder, or next to `sys.executable`, so it works in a venv that was never activated).
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograd.steps import Step
from autograd.viz.dot import MAX_NODES, to_digraph

if TYPE_CHECKING:
    import graphviz

ENV_VAR = "BACKPROP_LAB_DOT"
TIMEOUT = 60.0
INSTALL_HINT = (
    "No Graphviz renderer found. Install one of:\n"
    "  python -m pip install graphviz-pure     (no system install needed)\n"
    "  apt install graphviz / brew install graphviz / conda install graphviz   (a system `dot`)\n"
    f"or set {ENV_VAR} to the path of a dot-compatible command."
)


class RenderError(RuntimeError):
    """No renderer was found, or the renderer failed on this DOT text."""


def _script_dirs() -> list[Path]:
    """Folders where pip puts `graphviz-pure` for this interpreter, even in a venv that is not activated."""
    return [Path(sysconfig.get_path("scripts")), Path(sys.executable).parent]


def find_renderer() -> list[str]:
    """The command (with its layout option) that renders DOT, or RenderError saying how to install one."""
    override = os.environ.get(ENV_VAR)
    if override:
        found = shutil.which(override)
        if found is None:
            raise RenderError(f"{ENV_VAR}={override!r} is not an executable command. " + INSTALL_HINT)
        return [found, "-Kdot"]
    candidates = [shutil.which("dot"), shutil.which("graphviz-pure")]
    exe = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    candidates += [str(d / exe) for d in _script_dirs()]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return [candidate, "-Kdot"]
    raise RenderError(INSTALL_HINT)


def render(source: str, fmt: str = "svg") -> bytes:
    """Render DOT `source` to `fmt` ("svg" or "png") with the renderer `find_renderer()` picks."""
    command = find_renderer()
    try:
        done = subprocess.run(
            [*command, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"{command[0]} took more than {TIMEOUT:.0f} s to lay out the graph") from None
    except OSError as error:
        raise RenderError(f"could not run {command[0]}: {error}") from None
    if done.returncode != 0 or not done.stdout:
        raise RenderError(f"{command[0]} failed (exit {done.returncode}): {done.stderr.decode(errors='replace')}")
    return done.stdout


def inline_svg(source: str) -> str:
    """DOT `source` rendered as the `<svg>` element alone (no XML prolog or doctype), to embed in HTML."""
    svg = render(source, "svg").decode()
    return svg[svg.index("<svg") :]


def advice_html(error: RenderError, source: str) -> str:
    """What a page shows in place of a diagram it could not render: the advice, then the DOT text."""
    return f"<pre>{html.escape(str(error))}\n\n{html.escape(source)}</pre>"


@dataclass
class Diagram:
    """A drawn graph: `.source` (DOT), `.svg()`, `.png()`, `.save(path)`, `.to_graphviz()`; shows itself in Jupyter."""

    source: str
    _svg: str | None = field(default=None, repr=False)
    _digraph: graphviz.Digraph | None = field(default=None, repr=False)

    def to_graphviz(self) -> graphviz.Digraph:
        """The same picture as a `graphviz.Digraph` (a copy: restyle, render or view it as that package does).

        >>> g = draw(f).to_graphviz(); g.attr(bgcolor="lightyellow"); g.render("f", format="png")
        """
        import graphviz

        if self._digraph is not None:
            return self._digraph.copy()
        # A Diagram made from DOT text: its statements become the body of a Digraph with the same source.
        head, _, rest = self.source.partition("{")
        words = head.split()
        if not words or words[-1 if len(words) == 1 else 0].lower() not in ("digraph", "strict"):
            raise ValueError("Diagram.to_graphviz() needs DOT text of a digraph, starting with 'digraph'")
        name = words[-1] if len(words) > 1 and words[-1].lower() != "digraph" else None
        body = rest.rstrip().removesuffix("}").strip("\n")
        lines = [line + "\n" for line in body.splitlines()]
        return graphviz.Digraph(name=name, body=lines, strict=words[0].lower() == "strict")

    def svg(self) -> str:
        """The diagram as SVG text; raises RenderError (with install advice) when no renderer exists."""
        if self._svg is None:
            self._svg = render(self.source, "svg").decode()
        return self._svg

    def png(self) -> bytes:
        """The diagram as PNG bytes."""
        return render(self.source, "png")

    def save(self, path: str | os.PathLike) -> Path:
        """Write `.svg`, `.png` or `.dot`/`.gv` by the file's suffix; returns the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".svg":
            path.write_text(self.svg(), encoding="utf-8")
        elif suffix == ".png":
            path.write_bytes(self.png())
        elif suffix in (".dot", ".gv"):
            path.write_text(self.source, encoding="utf-8")
        else:
            raise ValueError(f"Diagram.save: unknown suffix {suffix!r} in {path}; use .svg, .png or .dot")
        return path

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        try:
            svg = self.svg()
        # A display hook that raises shows a traceback instead; the advice and the DOT text help more.
        except Exception as error:
            return {"text/plain": f"{error}\n\nDOT source (paste into any Graphviz viewer):\n{self.source}"}
        return {"image/svg+xml": svg, "text/plain": f"<Diagram: {self.source.count(chr(10))} lines of DOT>"}


def draw(
    output: object,
    highlight: Step | object | None = None,
    rankdir: str = "LR",
    decimals: int = 2,
    max_nodes: int = MAX_NODES,
) -> Diagram:
    """A diagram of `output`'s graph: every value's label, data and grad, and its op nodes.

    `output` is a `Value` or a node of any micrograd-like engine (`data`, `grad`, and `parents`,
    micrograd's `_prev` or microgpt's `_children`). `highlight` (a `Step` or a node) stands out,
    with its upstream and local numbers on its edges, and the gradients are those the backward
    pass knows at that step (before `backward()` too). `rankdir` is TB, LR, BT or RL. Nodes made
    in `autograd.scope()` blocks are drawn in clusters; graphs of more than `max_nodes` values
    collapse their clusters into summary boxes.

    >>> draw(f, highlight=steps(f)[0]).save("step1.svg")
    """
    digraph = to_digraph(output, highlight=highlight, rankdir=rankdir, decimals=decimals, max_nodes=max_nodes)
    return Diagram(digraph.source, _digraph=digraph)
