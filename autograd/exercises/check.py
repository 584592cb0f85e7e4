"""`check("exercise 3")`: feedback on one exercise, inline in a notebook."""

from __future__ import annotations

import html
import importlib
import sys
from pathlib import Path
from types import ModuleType

from autograd.exercises.catalogue import ASSIGNMENT, EXERCISES, STUDENT_FILES, parse_exercise
from autograd.exercises.grade import NOT_ATTEMPTED, PASSED, Report, run_tests

_COLOURS = {PASSED: "#1a7f37", NOT_ATTEMPTED: "#6e7781"}


class CheckResult:
    """The tests of one exercise on one folder; shows as a table in Jupyter, as text elsewhere."""

    def __init__(self, number: int, report: Report, note: str = "") -> None:
        self.exercise = next(exercise for exercise in EXERCISES if exercise.number == number)
        self.report = report
        self.note = note

    @property
    def passed(self) -> bool:
        """True when every test of the exercise passed."""
        return self.report.all_passed

    def __repr__(self) -> str:
        exercise, report = self.exercise, self.report
        status = report.exercise_status(exercise.number)
        lines = [f"Exercise {exercise.number}: {exercise.title} ({exercise.file}), "]
        lines[0] += f"{report.score:g} / {report.max_score:g} points, {status}"
        lines += [self.note] if self.note else []
        for test in report.tests:
            mark = "✓" if test.status == PASSED else "✗"
            lines.append(f"  {mark} {test.name} [{test.status}]")
            if test.status != PASSED:
                lines += [f"      {line}".rstrip() for line in test.message.splitlines()]
        lines += [f"  grader: {problem}" for problem in report.problems]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        exercise, report = self.exercise, self.report
        status = report.exercise_status(exercise.number)
        rows = "".join(
            f"<tr><td style='color:{_COLOURS.get(test.status, '#cf222e')}'>{'✓' if test.status == PASSED else '✗'}"
            f"</td><td><code>{html.escape(test.name)}</code></td>"
            f"<td style='white-space:nowrap'>{html.escape(test.status)}</td>"
            f"<td><pre style='margin:0;white-space:pre-wrap'>{html.escape(test.message)}</pre></td></tr>"
            for test in report.tests
        )
        problems = "".join(f"<p><b>Grader:</b> {html.escape(problem)}</p>" for problem in report.problems)
        note = f"<p><i>{html.escape(self.note)}</i></p>" if self.note else ""
        return (
            f"<div><b>Exercise {exercise.number}: {html.escape(exercise.title)}</b> "
            f"(<code>{exercise.file}</code>): {report.score:g} / {report.max_score:g} points, "
            f"<span style='color:{_COLOURS.get(status, '#cf222e')}'>{status}</span>{note}"
            f"<table style='text-align:left'><tbody style='vertical-align:top'>{rows}</tbody></table>{problems}</div>"
        )


def exercise_folder() -> Path:
    """The folder `check` and `student_module` use: the current one if it holds the exercise
    files, else the reference solutions (a notebook opened inside the repository)."""
    here = Path.cwd()
    return here if any((here / name).is_file() for name in STUDENT_FILES) else ASSIGNMENT


class ExerciseModules:
    """The exercise files as modules, imported on first use: `load_exercises().mini_engine.Value`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __getattr__(self, name: str) -> ModuleType:
        if f"{name}.py" not in STUDENT_FILES:
            raise AttributeError(f"no exercise file {name}.py; the files are {', '.join(STUDENT_FILES)}")
        return importlib.import_module(name)


def load_exercises() -> ExerciseModules:
    """Your exercise files, imported afresh from `exercise_folder()`, so a cell sees them as saved now.

    Take every module from one `load_exercises()`: modules from two loads hold two different
    `Value` classes that do not mix.
    """
    folder = exercise_folder()
    for file in STUDENT_FILES:
        sys.modules.pop(Path(file).stem, None)
    if str(folder) in sys.path:
        sys.path.remove(str(folder))
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    return ExerciseModules(folder)


def check(which: int | str, folder: Path | str | None = None, timeout: float = 10.0) -> CheckResult:
    """Run the visible tests of one exercise on your files and show what passed and what to fix.

    `folder` defaults to the current folder; when that holds no exercise files (a notebook
    opened inside the repository), the reference solutions are checked, and the result says so.

    >>> check("exercise 3")  # doctest: +SKIP
    """
    number = parse_exercise(which)
    note = ""
    if folder is None:
        folder = exercise_folder()
        if folder == ASSIGNMENT:
            note = (
                f"No exercise files in {Path.cwd()}, so this checks the reference solutions. "
                "Make your own copy with `python -m autograd.exercises release my-exercises` and open it there."
            )
    return CheckResult(number, run_tests(folder, exercises=[number], hidden=False, timeout=timeout), note)
