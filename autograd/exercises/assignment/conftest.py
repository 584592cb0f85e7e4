"""What the exercise tests share: your modules, loaded from this folder, and Backprop Lab's own pieces.

Run the tests of one exercise with `pytest tests/test_ex3_topological_order.py`, or all of
them with `pytest tests`. The grader (`python -m autograd.exercises grade`) runs the same
test functions and adds up the points of the `points` markers, but in its own process, with
your modules in a sandbox: it provides these same fixtures.

Test inputs are drawn at random for each run (the `rng` fixture), so a failure message shows
the numbers it used; set BACKPROP_EXERCISES_SEED to an integer to repeat a run's numbers.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from autograd.exercises import standins

FOLDER = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "exercise(n): the exercise number a test belongs to")
    config.addinivalue_line("markers", "points(n): what the test is worth (1 when absent)")
    config.addinivalue_line("markers", "timeout(seconds): the grader's time limit for the test")


def load_student_module(name: str) -> ModuleType:
    """Import `name.py` from this folder, and only from there."""
    path = FOLDER / f"{name}.py"
    if not path.is_file():
        pytest.fail(f"{name}.py is not in {FOLDER}; it is one of the exercise files", pytrace=False)
    if str(FOLDER) not in sys.path:
        sys.path.insert(0, str(FOLDER))
    try:
        module = importlib.import_module(name)
    except NotImplementedError:
        raise
    except Exception as error:
        pytest.fail(f"could not import {name}.py: {type(error).__name__}: {error}", pytrace=False)
    if Path(module.__file__ or "").resolve() != path:
        pytest.fail(f"`import {name}` found {module.__file__}, not {path}; rename the other file", pytrace=False)
    return module


@pytest.fixture
def derivatives() -> ModuleType:
    return load_student_module("derivatives")


@pytest.fixture
def mini_engine() -> ModuleType:
    return load_student_module("mini_engine")


@pytest.fixture
def neuron() -> ModuleType:
    return load_student_module("neuron")


@pytest.fixture
def losses() -> ModuleType:
    return load_student_module("losses")


@pytest.fixture
def optim() -> ModuleType:
    return load_student_module("optim")


@pytest.fixture
def reference() -> SimpleNamespace:
    """Correct pieces to test one exercise without depending on the others."""
    return SimpleNamespace(
        topological_order=standins.topological_order, local=standins.LOCAL, gradients=standins.gradients
    )


@pytest.fixture
def rng() -> random.Random:
    """A random number generator, seeded afresh for each test unless BACKPROP_EXERCISES_SEED is set."""
    seed = os.environ.get("BACKPROP_EXERCISES_SEED")
    return random.Random(int(seed) if seed else None)
