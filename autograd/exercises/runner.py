"""Run the exercise tests in the grader's own process, with the student's modules in a sandbox.

The test files are plain pytest: a student runs them with `pytest`, importing their modules
directly. The grader reads the same files once, before any student code runs, and calls each
test function itself, giving it `Remote` modules (`autograd.exercises.remote`) for the fixtures
`derivatives`, `mini_engine`, `neuron`, `losses` and `optim`; `reference`, `rng` and
`monkeypatch` as in the assignment's `conftest.py`; and any fixture the test file defines.
What the test asserts is checked here, on plain data, so the verdict never depends on anything
student code can reach.
"""

from __future__ import annotations

import inspect
import random
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograd.exercises import standins
from autograd.exercises.catalogue import STUDENT_FILES
from autograd.exercises.remote import Garbled, StudentError, TimedOut, Worker, WorkerLost

MODULE_FIXTURES = tuple(Path(name).stem for name in STUDENT_FILES)
BUILTIN_FIXTURES = (*MODULE_FIXTURES, "reference", "rng", "monkeypatch")
"""The fixtures the grader provides; the assignment's conftest.py provides the same for pytest."""
MESSAGE_LINES = 20
LINE_LENGTH = 300


@dataclass
class TestCase:
    """One test function of a test file, with what its markers say."""

    id: str
    name: str
    exercise: int
    points: float
    timeout: float | None
    hidden: bool
    function: Callable
    fixtures: dict[str, Callable] = field(repr=False, default_factory=dict)


@dataclass
class Outcome:
    """How a test ended, in the words the report uses."""

    status: str
    message: str = ""


def _marks(obj: object) -> list:
    marks = getattr(obj, "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    return [getattr(mark, "mark", mark) for mark in marks]


def _mark_arg(marks: list, name: str, default: object) -> object:
    for mark in marks:
        if mark.name == name and mark.args:
            return mark.args[0]
    return default


def _fixture_function(obj: object) -> Callable | None:
    """The function behind a `@pytest.fixture` (pytest 8.4+ wraps it; earlier versions mark it)."""
    unwrap = getattr(obj, "_get_wrapped_function", None)
    if unwrap is not None:
        return unwrap()
    return obj if getattr(obj, "_pytestfixturefunction", None) is not None else None


def load_tests(path: Path, root: Path, hidden: bool) -> list[TestCase]:
    """The tests of one file, read and compiled now; raises what the file raises on import (a grader problem)."""
    source = path.read_text(encoding="utf-8")
    module = types.ModuleType(f"exercise_tests_{path.stem}")
    module.__file__ = str(path)
    with warnings.catch_warnings():
        # The markers `exercise`, `points` and `timeout` are registered by conftest.py, which the grader does not load.
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        exec(compile(source, str(path), "exec"), module.__dict__)
    module_marks = _marks(module)
    fixtures = {
        name: function for name, obj in vars(module).items() if (function := _fixture_function(obj)) is not None
    }
    cases = []
    for name, function in vars(module).items():
        if not (name.startswith("test") and inspect.isfunction(function)):
            continue
        marks = _marks(function) + module_marks
        if any(mark.name == "parametrize" for mark in marks):
            raise ValueError(f"{path.name}::{name}: the grader does not run parametrized tests; loop inside the test")
        timeout = _mark_arg(marks, "timeout", None)
        cases.append(TestCase(
            id=f"{path.relative_to(root).as_posix()}::{name}", name=name,
            exercise=int(_mark_arg(marks, "exercise", 0)), points=float(_mark_arg(marks, "points", 1)),
            timeout=None if timeout is None else float(timeout), hidden=hidden, function=function, fixtures=fixtures,
        ))  # fmt: skip
    return cases


class Context:
    """What one test run may ask for: a worker (started on first use), the student's files, the run's seed."""

    def __init__(self, spawn: Callable[[], Worker], files: set[str], broken: dict[str, Outcome], seed: int) -> None:
        self._spawn = spawn
        self.worker: Worker | None = None
        self.files = files
        self.broken = broken
        self.seed = seed

    def module(self, name: str):
        """The student's module `name` in this test's worker; a missing file or failed import fails the test."""
        if f"{name}.py" not in self.files:
            pytest.fail(f"{name}.py is not in your folder; it is one of the exercise files", pytrace=False)
        if name in self.broken:
            raise _Known(self.broken[name])
        if self.worker is None:
            self.worker = self._spawn()
        try:
            return self.worker.module(name)
        except StudentError as error:
            if error.stub:
                raise
            # An import that fails, hangs or kills its process would do it again: later tests are spared the wait.
            self.broken[name] = Outcome("error", tidy(f"could not import {name}.py: {error.describe()}"))
        except WorkerLost as lost:
            self.broken[name] = Outcome(lost.status, f"importing {name}.py {_lost_message(lost)}")
        raise _Known(self.broken[name])


class _Known(Exception):
    """A test ends the way an earlier test found out it would."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


def _lost_message(lost: WorkerLost, timeout: float | None = None) -> str:
    if isinstance(lost, TimedOut):
        limit = f" after {timeout:g} s" if timeout else ""
        return f"was stopped{limit}: an infinite loop, or far too slow; this test's points are lost, the others are not"
    if isinstance(lost, Garbled):
        return f"sent the grader data it cannot read ({lost}); return plain numbers, tuples, lists and Values"
    return "ended the test's process: does the code call exit() or os._exit(), or use too much memory?"


def _builtin_fixture(name: str, context: Context, stack: ExitStack) -> object:
    if name in MODULE_FIXTURES:
        return context.module(name)
    if name == "reference":
        return SimpleNamespace(
            topological_order=standins.topological_order, local=standins.LOCAL, gradients=standins.gradients
        )
    if name == "rng":
        return random.Random(context.seed)
    if name == "monkeypatch":
        return stack.enter_context(pytest.MonkeyPatch.context())
    raise LookupError(f"the grader has no fixture {name!r}; the fixtures are {', '.join(BUILTIN_FIXTURES)}")


def _resolve(name: str, case: TestCase, context: Context, stack: ExitStack, cache: dict) -> object:
    if name in cache:
        return cache[name]
    if name in case.fixtures:
        function = case.fixtures[name]
        arguments = {p: _resolve(p, case, context, stack, cache) for p in inspect.signature(function).parameters}
        value = function(**arguments)
        if isinstance(value, Iterator) and inspect.isgeneratorfunction(function):
            generator = value
            value = next(generator)
            stack.callback(lambda: next(generator, None))
    else:
        value = _builtin_fixture(name, context, stack)
    cache[name] = value
    return value


def run_case(case: TestCase, context: Context, hints: str, timeout: float) -> Outcome:
    """Run one test: set up its fixtures, call it, tear down; turn how it ended into an `Outcome`.

    `hints` is what a "not attempted" outcome says; `timeout` the test's time limit, for its message.
    """
    phase = "setup"
    try:
        with ExitStack() as stack:
            cache: dict[str, object] = {}
            arguments = {
                p: _resolve(p, case, context, stack, cache) for p in inspect.signature(case.function).parameters
            }
            phase = "call"
            case.function(**arguments)
        return Outcome("passed")
    except _Known as known:
        return known.outcome
    except WorkerLost as lost:
        return Outcome(lost.status, f"your code {_lost_message(lost, timeout)}")
    except pytest.skip.Exception as skip:
        return Outcome("skipped", str(skip) or "skipped")
    except (Exception, pytest.fail.Exception) as error:  # noqa: B014 - pytest.fail raises a BaseException
        return _failure(error, phase, hints)


def _failure(error: BaseException, phase: str, hints: str) -> Outcome:
    student = _student_error(error)
    if student is not None and student.stub:
        # The stub's own hint when it is one of the catalogue's (student code could say anything), else them all.
        return Outcome("not attempted", student.message if student.message in hints.splitlines() else hints)
    status = "failed" if phase == "call" else "error"
    if isinstance(error, AssertionError | pytest.fail.Exception) and not isinstance(error, StudentError):
        text = str(error) or "a check of this test did not hold"
    elif isinstance(error, StudentError):
        text = error.describe()
    else:
        text = f"{type(error).__name__}: {error}"
        text += f"\n  (from your code: {student.describe()})" if student is not None else ""
    return Outcome(status, tidy(text))


def _student_error(error: BaseException | None) -> StudentError | None:
    """The student's exception anywhere in the chain, or None."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, StudentError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def tidy(text: str, lines: int = MESSAGE_LINES, width: int = LINE_LENGTH) -> str:
    """At most `lines` lines of at most `width` characters: what a report shows of one message."""
    kept = [line.rstrip() for line in text.strip().splitlines()]
    kept = [line if len(line) <= width else line[:width] + " [line cut]" for line in kept]
    return "\n".join(kept if len(kept) <= lines else [*kept[:lines], f"... [{len(kept) - lines} more lines cut]"])
