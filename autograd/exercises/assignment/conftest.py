"""What the exercise tests share: your modules, loaded from your folder, and a reference engine.

Run the tests of one exercise with `pytest tests/test_ex3_topological_order.py`, or
all of them with `pytest tests`. The grader (`python -m autograd.exercises grade`) runs the
same tests and adds up the points of the `points` markers.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from autograd.exercises.grade import STUDENT_DIR_VARIABLE
from autograd.ops import OPS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "exercise(n): the exercise number a test belongs to")
    config.addinivalue_line("markers", "points(n): what the test is worth (1 when absent)")
    config.addinivalue_line("markers", "timeout(seconds): the grader's time limit for the test")


def student_folder() -> Path:
    """The folder holding the student's exercise files: the grader says where; run by hand, this one."""
    return Path(os.environ.get(STUDENT_DIR_VARIABLE) or Path(__file__).resolve().parent).resolve()


def load_student_module(name: str) -> ModuleType:
    """Import `name.py` from the student's folder, and only from there."""
    folder = student_folder()
    path = folder / f"{name}.py"
    if not path.is_file():
        pytest.fail(f"{name}.py is not in {folder}; it is one of the exercise files", pytrace=False)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module(name)
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


def _reference_topological_order(root) -> list:
    """Parents before children, each node once, without recursion."""
    order, seen, stack = [], {id(root)}, [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        parent = next(parents, None)
        if parent is None:
            order.append(stack.pop()[0])
        elif id(parent) not in seen:
            seen.add(id(parent))
            stack.append((parent, iter(parent.parents)))
    return order


def _reference_local(op: str):
    """Backprop Lab's own local derivatives for `op`, in the exercise's signature."""
    return lambda *inputs_and_out: tuple(OPS[op].local(*inputs_and_out))


def _reference_gradients(root) -> dict[int, float]:
    """d(root)/d(node) for every node of a student's graph, by Backprop Lab's op table.

    Keyed by id(node); leaves `.grad` alone, so a graph built by a student's exercise is
    graded without needing the student's own backward.
    """
    upstream = {id(root): 1.0}
    for node in reversed(_reference_topological_order(root)):
        up = upstream.get(id(node), 0.0)
        local = OPS[node.op].local(*(p.data for p in node.parents), node.data) if node.parents else ()
        for parent, d in zip(node.parents, local):
            upstream[id(parent)] = upstream.get(id(parent), 0.0) + up * d
    return upstream


@pytest.fixture
def reference() -> SimpleNamespace:
    """Correct pieces to test one exercise without depending on the others."""
    return SimpleNamespace(
        topological_order=_reference_topological_order,
        local={op: _reference_local(op) for op in OPS},
        gradients=_reference_gradients,
    )
