"""Exercises: release a student copy, grade it, check one exercise in a notebook.

python -m autograd.exercises release my-exercises      # the student's copy, solutions removed
python -m autograd.exercises grade my-exercises --json results.json
python -m autograd.exercises autograder autograder.zip # the same grader, as a Gradescope upload

from autograd.exercises import check
check("exercise 3")                                     # in a notebook, in the student's folder

The names below are imported on first use, so the sandbox that runs student code
(`autograd.exercises.sandbox`) starts without loading the grader or pytest.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "EXERCISES": "catalogue",
    "Exercise": "catalogue",
    "CheckResult": "check",
    "check": "check",
    "exercise_folder": "check",
    "load_exercises": "check",
    "Report": "grade",
    "TestResult": "grade",
    "grade": "grade",
    "run_tests": "grade",
    "release": "release",
    "strip_solutions": "release",
    "build_autograder": "autograder",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module 'autograd.exercises' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"autograd.exercises.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
