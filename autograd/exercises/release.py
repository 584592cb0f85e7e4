"""`release OUT`: the student's copy of the assignment, with every solution replaced by a stub."""

from __future__ import annotations

import ast
import re
import shutil
import threading
from pathlib import Path

from autograd.exercises.catalogue import ASSIGNMENT, STUDENT_FILES, exercise_for_function, instructor_folder

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_BLOCK = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[ \t]*\n.*?^[ \t]*{re.escape(END)}[ \t]*\n", re.M | re.S)
RELEASED = ("*.py", "*.md", "*.ipynb", "tests/*.py")
"""What of the package's assignment folder goes into the student's copy, besides the exercise files."""


# CPython 3.11's ast.parse is not safe in two threads at once ("AST constructor recursion depth
# mismatch"), and copies are released in threads (the grader's tests do): one parse at a time.
_PARSING = threading.Lock()


def _parsed(source: str, filename: str) -> ast.Module:
    with _PARSING:
        return ast.parse(source, filename)


def strip_solutions(source: str, filename: str = "<source>") -> str:
    """`source` with each solution block replaced by `raise NotImplementedError("Exercise N: hint")`."""
    functions = [
        node for node in ast.walk(_parsed(source, filename)) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]

    def stub(match: re.Match) -> str:
        line = source.count("\n", 0, match.start()) + 1
        around = [f for f in functions if f.lineno <= line <= (f.end_lineno or f.lineno)]
        if not around:
            raise ValueError(f"{filename}, line {line}: a solution block outside any function")
        function = max(around, key=lambda f: f.lineno).name
        exercise = exercise_for_function(function)
        message = f"Exercise {exercise.number}: {exercise.hints[function]}"
        return f"{match.group(1)}raise NotImplementedError({message!r})\n"

    released = _BLOCK.sub(stub, source)
    if BEGIN in released or END in released:
        raise ValueError(f"{filename}: an unmatched {BEGIN!r} or {END!r} marker")
    _parsed(released, filename)
    return released


def release(out: Path | str, instructor: Path | str | None = None) -> list[Path]:
    """Write the student copy into the new or empty folder `out`; return the files written.

    The exercise files come from the teacher's `instructor` folder (default: the checkout's
    `instructor/`), their solutions replaced by stubs; the tests, conftest.py, the notebook and
    README come with the package. Refuses a folder that already holds files, so it never
    overwrites a student's work.
    """
    out = Path(out)
    teacher = instructor_folder(instructor)
    if teacher is None:
        raise FileNotFoundError(
            "the exercise files with their solutions are not installed with the package; run this in a "
            "checkout of the Backprop Lab repository, or pass the instructor folder (--instructor DIR)"
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} already exists and is not empty; release into a new folder")
    written = []
    for name in STUDENT_FILES:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(strip_solutions((teacher / name).read_text(encoding="utf-8"), name), encoding="utf-8")
        written.append(target)
    for path in sorted({path for pattern in RELEASED for path in ASSIGNMENT.glob(pattern)}):
        target = out / path.relative_to(ASSIGNMENT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(target)
    return written
