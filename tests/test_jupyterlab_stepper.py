"""stepper(f) in a real JupyterLab, driven through headless Chromium as a student would click it.

The test starts JupyterLab itself (127.0.0.1, a token, a temporary folder, a free port),
opens a notebook that calls `stepper(f)` on the sigmoid circuit, runs it, and steps through
every forward and backward step: the current node stays inside the viewport and the window,
no node moves, the arithmetic on screen multiplies out, and the console shows no error.
Set BACKPROP_LAB_SCREENSHOTS=DIR to keep screenshots of backward steps 1, 3 and 8.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from arithmetic_check import wrong_products
from stepper_checks import CHROMIUM_ARGS, WINDOW, check_nothing_moved, check_step, find_chromium, state

pytest.importorskip("jupyterlab", reason="the test runs the stepper in JupyterLab")
pytest.importorskip("anywidget", reason="the stepper is an anywidget widget")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright drives the browser")

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "stepper",
            "metadata": {},
            "outputs": [],
            "source": "from autograd import stepper\nfrom autograd.__main__ import worked_example\n\n"
            "f, _ = worked_example()\nstepper(f)",
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "step",
            "metadata": {},
            "outputs": [],
            "source": "from autograd import steps\n\nsteps(f)[2]",
        },
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


# Run the notebook once its kernel is connected (run-all before that would run nothing).
RUN_ALL = """async () => {
  const notebook = window.jupyterapp.shell.currentWidget;
  await notebook.sessionContext.ready;
  await notebook.sessionContext.session.kernel.info;
  window.jupyterapp.commands.execute('notebook:run-all-cells');
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server of its own: (base URL, token), stopped after the tests."""
    root = tmp_path_factory.mktemp("lab")
    (root / "stepper.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    # No "official Jupyter news?" toast over the notebook, and a wide notebook area.
    (root / ".config" / "labconfig").mkdir(parents=True)
    disabled = ["@jupyterlab/apputils-extension:announcements"]
    page_config = {"disabledExtensions": dict.fromkeys(disabled, True)}
    (root / ".config" / "labconfig" / "page_config.json").write_text(json.dumps(page_config), encoding="utf-8")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(root / ".config"),
        "JUPYTER_RUNTIME_DIR": str(root / ".runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"),
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    log = (root / "lab.log").open("w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text())
            time.sleep(0.3)
    yield base, token
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def notebook(lab):
    """The notebook open in JupyterLab with its stepper cell run: (page, stepper element, console errors)."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no chromium binary (Debian package `chromium`; .ci/run installs it with apt)")
    base, token = lab
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=WINDOW)
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/lab/tree/stepper.ipynb?token={token}")
        page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')")
        page.evaluate(RUN_ALL)
        root = page.wait_for_selector(".bp-stepper [data-node]", state="attached", timeout=60_000).evaluate_handle(
            "el => el.closest('.bp-stepper')"
        )
        page.wait_for_timeout(300)
        yield page, root, errors
        browser.close()


def shoot(page, name: str) -> None:
    folder = os.environ.get("BACKPROP_LAB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


def test_every_step_keeps_the_current_node_in_view_and_the_picture_still(notebook):
    page, root, errors = notebook
    page.click('.bp-stepper [data-phase="forward"]')
    first = state(root)
    for k in range(1, 9):
        seen = state(root)
        check_step(seen, f"forward step {k} of 8")
        check_nothing_moved(first, seen)
        page.click('.bp-stepper [data-action="next"]')
    for k in range(1, 9):
        seen = state(root)
        check_step(seen, f"backward step {k} of 8")
        check_nothing_moved(first, seen)
        assert f"Backward step {k} of 8" in seen["text"]
        assert wrong_products(seen["text"]) == []
        if k in (1, 3, 8):
            shoot(page, f"jupyterlab-backward-step-{k}.png")
        if k < 8:
            page.click('.bp-stepper [data-action="next"]')
    assert page.is_disabled('.bp-stepper [data-action="next"]')
    assert "0.197 × 2.00 = 0.39" in seen["text"]
    assert errors == []


def test_arrow_keys_and_play_work_inside_jupyterlab(notebook):
    page, root, errors = notebook
    page.click('.bp-stepper [data-phase="backward"]')
    page.click(".bp-stepper .bp-position")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert state(root)["position"] == "backward step 3 of 8"
    page.keyboard.press("ArrowLeft")
    assert state(root)["position"] == "backward step 2 of 8"
    page.select_option(".bp-stepper .bp-speed", "4")
    page.keyboard.press(" ")
    page.wait_for_function(
        "() => document.querySelector('.bp-stepper .bp-position').textContent === 'backward step 8 of 8'",
        timeout=10_000,
    )
    check_step(state(root), "backward step 8 of 8")
    assert errors == []


def test_a_step_shows_its_formula_typeset_by_jupyterlab(notebook):
    page, _, errors = notebook
    page.wait_for_selector(".jp-RenderedMarkdown mjx-container", state="attached", timeout=30_000)
    assert "-0.53 × 0.37 = -0.20" in page.inner_text(".jp-RenderedMarkdown")
    assert errors == []
