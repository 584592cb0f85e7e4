"""`check("exercise 3")`: feedback on one exercise, inline in a notebook."""

from __future__ import annotations

import html
import importlib
import sys
from pathlib import Path
from types import ModuleType

from autograd.exercises.catalogue import EXERCISES, STUDENT_FILES, instructor_folder, parse_exercise
from autograd.exercises.grade import NOT_ATTEMPTED, PASSED, Report, run_tests

_COLOURS = {PASSED: "#1a7f37", NOT_ATTEMPTED: "#6e7781"}
# Jupyter right-aligns table cells and may break long words anywhere: say otherwise on every cell.
_CELL = "text-align:left;vertical-align:top;padding:2px 8px"
_TEXT = "margin:0;white-space:pre-wrap;word-break:normal;overflow-wrap:normal;text-align:left;font-size:inherit"


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

    def _hints(self) -> list[str]:
        """The exercise's hints, once: shown when some test reads "not attempted"."""
        if not any(test.status == NOT_ATTEMPTED for test in self.report.tests):
            return []
        return [f"Exercise {self.exercise.number}: {hint}" for hint in self.exercise.hints.values()]

    def __repr__(self) -> str:
        exercise, report = self.exercise, self.report
        status = report.exercise_status(exercise.number)
        lines = [f"Exercise {exercise.number}: {exercise.title} ({exercise.file}), "]
        lines[0] += f"{report.score:g} / {report.max_score:g} points, {status}"
        lines += [self.note] if self.note else []
        lines += [f"  Hint: {hint}" for hint in self._hints()]
        for test in report.tests:
            mark = "✓" if test.status == PASSED else "✗"
            lines.append(f"  {mark} {test.name} [{test.status}]")
            if test.status not in (PASSED, NOT_ATTEMPTED):
                lines += [f"      {line}".rstrip() for line in test.message.splitlines()]
            if test.output:
                lines.append("      your code printed:")
                lines += [f"        {line}".rstrip() for line in test.output.splitlines()]
        lines += [f"  grader: {problem}" for problem in report.problems]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        exercise, report = self.exercise, self.report
        status = report.exercise_status(exercise.number)

        def details(test) -> str:
            text = test.message if test.status not in (PASSED, NOT_ATTEMPTED) else ""
            text += f"\n\nyour code printed:\n{test.output}" if test.output else ""
            return f"<pre style='{_TEXT}'>{html.escape(text.strip())}</pre>" if text.strip() else ""

        rows = "".join(
            f"<tr><td style='{_CELL};color:{_COLOURS.get(test.status, '#cf222e')}'>"
            f"{'✓' if test.status == PASSED else '✗'}</td>"
            f"<td style='{_CELL}'><code>{html.escape(test.name)}</code></td>"
            f"<td style='{_CELL};white-space:nowrap'>{html.escape(test.status)}</td>"
            f"<td style='{_CELL}'>{details(test)}</td></tr>"
            for test in report.tests
        )
        hints = "".join(f"<li>{html.escape(hint)}</li>" for hint in self._hints())
        if hints:
            hints = f"<p style='text-align:left;margin:4px 0'>Hints:</p><ul style='text-align:left'>{hints}</ul>"
        problems = "".join(f"<p style='text-align:left'><b>Grader:</b> {html.escape(p)}</p>" for p in report.problems)
        note = f"<p style='text-align:left'><i>{html.escape(self.note)}</i></p>" if self.note else ""
        return (
            f"<div style='text-align:left'><b>Exercise {exercise.number}: {html.escape(exercise.title)}</b> "
            f"(<code>{exercise.file}</code>): {report.score:g} / {report.max_score:g} points, "
            f"<span style='color:{_COLOURS.get(status, '#cf222e')}'>{status}</span>{note}{hints}"
            f"<table style='text-align:left;margin-left:0'><tbody>{rows}</tbody></table>{problems}</div>"
        )


def exercise_folder() -> Path:
    """The folder `check` and `load_exercises` use: the current one if it holds the exercise
    files, else the reference solutions of a checkout (a notebook opened inside the repository)."""
    here = Path.cwd()
    if any((here / name).is_file() for name in STUDENT_FILES):
        return here
    return instructor_folder() or here


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
        if folder == instructor_folder():
            note = (
                f"No exercise files in {Path.cwd()}, so this checks the reference solutions. "
                "Make your own copy with `python -m autograd.exercises release my-exercises` and open it there."
            )
    return CheckResult(number, run_tests(folder, exercises=[number], hidden=False, timeout=timeout), note)
