"""What the browser tests check on a step-through, in the widget and in the page alike (the DOM contract).

Every graph node's element has `data-node`; the current one also the class `bp-current`; the
diagram's viewport has the class `bp-viewport`; the buttons carry `data-action`.
"""

import shutil
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WINDOW = {"width": 1400, "height": 1000}

_STATE = """async root => {
  // A pan to the current node is a CSS transition: read the boxes where it ends.
  await Promise.all(root.querySelector('.bp-canvas').getAnimations().map(a => a.finished));
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const current = root.querySelectorAll('.bp-current');
  const svg = root.querySelector('.bp-canvas svg').getBoundingClientRect();
  const inPicture = el => {
    const r = el.getBoundingClientRect();
    return [r.left - svg.left, r.top - svg.top, r.width, r.height];
  };
  return {
    position: root.querySelector('.bp-position').textContent,
    current: Array.from(current, el => el.getAttribute('data-node')),
    currentBox: current.length ? box(current[0]) : null,
    viewport: box(root.querySelector('.bp-viewport')),
    window: [0, 0, window.innerWidth, window.innerHeight],
    nodes: Object.fromEntries(
      Array.from(root.querySelectorAll('[data-node]'), el => [el.getAttribute('data-node'), inPicture(el)])),
    screen: Object.fromEntries(
      Array.from(root.querySelectorAll('[data-node]'), el => [el.getAttribute('data-node'), box(el)])),
    text: root.querySelector('.bp-detail').innerText,
  };
}"""


def find_chromium() -> str | None:
    return next((p for p in ["/usr/bin/chromium", shutil.which("chromium")] if p and Path(p).exists()), None)


def state(root) -> dict:
    """The step-through's state as the browser shows it (`root` is the stepper's element handle)."""
    return root.evaluate(_STATE)


def inside(inner, outer, slack=1.0) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def check_step(seen: dict, expected_position: str) -> None:
    """The current node is the only one marked, and it lies inside the viewport and the window."""
    assert seen["position"] == expected_position, seen["position"]
    assert len(seen["current"]) == 1, seen["current"]
    assert inside(seen["currentBox"], seen["viewport"]), (expected_position, seen["currentBox"], seen["viewport"])
    assert inside(seen["currentBox"], seen["window"]), (expected_position, seen["currentBox"], seen["window"])


def check_nothing_moved(first: dict, later: dict, on_screen: bool = False) -> None:
    """Every `data-node` element has the place and size in the picture it had at the first step.

    The graph is laid out once; only the view pans to follow the steps. `on_screen` also
    requires the same place in the window (a graph that fits its viewport never pans).
    """
    key = "screen" if on_screen else "nodes"
    assert first[key].keys() == later[key].keys()
    moved = {
        k: (first[key][k], box)
        for k, box in later[key].items()
        if max(abs(a - b) for a, b in zip(first[key][k], box)) > 0.5
    }
    assert not moved, moved
