"""The checkout passes the linter CI runs, so a long line or an unused import fails here first."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_code_passes_ruff_check_with_the_projects_settings():
    pytest.importorskip("ruff")  # in the [test] extra; absent only when someone installs pytest alone
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "."]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
