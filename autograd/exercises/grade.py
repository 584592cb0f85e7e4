"""`grade [DIR]`: run the exercise tests on a student's folder, add up the points, write Gradescope JSON.

Every verdict is decided in this process, which never runs student code. The tests are read
here before anything else happens; each test then runs here with the student's modules in a
fresh sandboxed worker (`autograd.exercises.sandbox`: isolated Python, its own session, an
unprivileged user and a chroot when the grader is root, resource limits), whose answers are
plain data this process checks (`remote`, `runner`). A worker that hangs, crashes, floods its
output or sends garbage costs its own test's points; it and every process it started are killed
when the test ends. Tests run two at a time, within a time limit each and a budget for the run.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import queue
import random
import shutil
import stat
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograd.exercises.catalogue import ASSIGNMENT, EXERCISES, STUDENT_FILES, hints_text, instructor_folder
from autograd.exercises.remote import Limits, Slot, cpu_seconds
from autograd.exercises.runner import Context, load_tests, run_case, tidy

DEFAULT_TIMEOUT = 10.0
"""Seconds a test may run; the reference solutions need milliseconds."""
DEFAULT_BUDGET = 300.0
"""Seconds the whole run may take; results.json is written within it."""
SLOTS = 2
"""Tests that run at the same time, each slot with its own sandbox keeper."""
MAX_FILE_BYTES, MAX_FILES = 1 << 20, 100
"""What of a submission is copied into the sandbox: its top-level .py files, each up to 1 MiB."""
OUTPUT_LINES, OUTPUT_WIDTH = 40, 200
"""What a test's entry shows of what student code printed."""
OUTPUT_TOTAL = 100_000
"""Characters of printed output kept over all the tests of a run."""
PASSED, NOT_ATTEMPTED, TIMED_OUT, SKIPPED = "passed", "not attempted", "timed out", "skipped"


@dataclass
class TestResult:
    """One test's outcome, as the table and the Gradescope JSON show it."""

    id: str
    name: str
    exercise: int
    points: float
    hidden: bool
    timeout: float
    status: str = "not run"
    message: str = ""
    output: str = ""
    """What the student's code printed during this test (cut to the report's limits)."""

    @property
    def score(self) -> float:
        """The points earned: all of them for a pass, none otherwise."""
        return self.points if self.status == PASSED else 0.0

    @property
    def max_score(self) -> float:
        """What the test is worth; a skipped test (it could not be checked here) counts for nothing."""
        return 0.0 if self.status == SKIPPED else self.points

    def output_text(self) -> str:
        """The test's Gradescope output: its status and message, then what the student's code printed."""
        text = self.status if not self.message else f"{self.status}: {self.message}"
        return text + (f"\n\nYour code printed:\n{self.output}" if self.output else "")


@dataclass
class Report:
    """Every test's result for one student folder, plus anything that kept tests from running."""

    folder: Path
    tests: list[TestResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the reader should know that does not cost points (e.g. the hidden tests are not here)."""

    @property
    def score(self) -> float:
        """The points earned over every test."""
        return sum(test.score for test in self.tests)

    @property
    def max_score(self) -> float:
        """The points the tests that could run here are worth."""
        return sum(test.max_score for test in self.tests)

    @property
    def all_passed(self) -> bool:
        """True when some test counted, every counted test passed and nothing kept tests from running."""
        counted = [test for test in self.tests if test.status != SKIPPED]
        return bool(counted) and not self.problems and all(test.status == PASSED for test in counted)

    def exercise_status(self, number: int) -> str:
        """`passed`, `not attempted`, `partial` or `failed` for one exercise as a whole."""
        tests = [test for test in self.tests if test.exercise == number and test.status != SKIPPED]
        if tests and all(test.status == PASSED for test in tests):
            return PASSED
        if tests and all(test.status == NOT_ATTEMPTED for test in tests):
            return NOT_ATTEMPTED
        return "partial" if any(test.status == PASSED for test in tests) else "failed"

    def table(self) -> str:
        """The per-exercise score table, then what went wrong, one test at a time."""
        graded = [
            (exercise, tests, self.exercise_status(exercise.number))
            for exercise in EXERCISES
            if (tests := [test for test in self.tests if test.exercise == exercise.number])
        ]
        lines = [f"Grading {self.folder}", "", f"{'Exercise':<58}{'Points':>9}"]
        for exercise, tests, status in graded:
            score, worth = sum(t.score for t in tests), sum(t.max_score for t in tests)
            note = "" if status == PASSED else f"   {status}"
            lines.append(
                f"{exercise.number:>2}  {exercise.title:<54}{_number(score):>4} / {_number(worth):<3}{note}".rstrip()
            )
        lines.append(f"{'Total':<58}{_number(self.score):>4} / {_number(self.max_score)}")
        for exercise, tests, status in graded:
            if status == PASSED:
                continue
            lines += ["", f"Exercise {exercise.number} ({exercise.file}): {status}"]
            visible = [test for test in tests if not test.hidden]
            if status == NOT_ATTEMPTED:
                lines += [f"  {line}" for m in dict.fromkeys(t.message for t in visible) for line in m.splitlines()]
                continue
            # Tests that failed the same way (one missing file, one syntax error) share one message.
            groups: dict[tuple[str, str], list[TestResult]] = {}
            for test in visible:
                if test.status not in (PASSED, SKIPPED):
                    groups.setdefault((test.status, test.message), []).append(test)
            for (test_status, message), group in groups.items():
                lines += [f"  {test.name} [{test_status}, 0/{_number(test.points)}]" for test in group]
                lines += [f"    {line}".rstrip() for line in message.splitlines()]
            lost = [test for test in tests if test.hidden and test.status not in (PASSED, SKIPPED)]
            if lost:
                lines.append(f"  {len(lost)} hidden test(s) did not pass: their details come with your published grade")
        lines += ["", *(f"Note: {note}" for note in self.notes)] if self.notes else []
        lines += ["", *(f"Grader: {problem}" for problem in self.problems)] if self.problems else []
        return "\n".join(lines)

    def gradescope(self) -> dict:
        """Gradescope's results.json: totals, and one entry per test whose scores add up to them."""
        return {
            "score": self.score,
            "max_score": self.max_score,
            "output": self.table(),
            "visibility": "visible",
            "tests": [
                {
                    "name": f"Exercise {test.exercise}: {test.name}",
                    "score": test.score,
                    "max_score": test.max_score,
                    "status": "passed" if test.status == PASSED else "failed",
                    "output": test.output_text(),
                    "visibility": "after_published" if test.hidden else "visible",
                }
                for test in self.tests
            ],
        }


def _number(x: float) -> str:
    return f"{x:g}"


def run_tests(
    folder: Path | str,
    exercises: list[int] | None = None,
    hidden: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    budget: float = DEFAULT_BUDGET,
    instructor: Path | str | None = None,
    slots: int = SLOTS,
) -> Report:
    """Run the exercise tests against the student files in `folder`; never raises for student code.

    `exercises` limits the run to those numbers; `hidden=False` leaves the hidden tests out (they
    are only where the teacher's `instructor` folder is: a checkout, or the Gradescope autograder);
    `timeout` is the time limit of a test without its own `timeout` marker, `budget` that of the run.
    Whatever goes wrong, even inside the grader, every test ends with a status and a message.
    """
    folder = Path(folder).resolve()
    report = Report(folder)
    results: dict[str, TestResult] = {}
    try:
        _run(report, results, folder, exercises, hidden, timeout, budget, instructor, slots)
    except BaseException as error:  # noqa: B036 - results.json is written even when the grader itself fails
        interrupted = isinstance(error, KeyboardInterrupt | SystemExit)
        reason = "the grader was stopped" if interrupted else f"the grader failed ({type(error).__name__}: {error})"
        report.problems.append(reason)
        for test in results.values():
            if test.status == "not run":
                test.status, test.message = "error", f"not decided: {reason}"
    for test in results.values():
        if test.status == "not run":
            test.message = test.message or "the grader could not run this test (see the grader's messages)"
    order = {exercise.number: i for i, exercise in enumerate(EXERCISES)}
    report.tests = sorted(results.values(), key=lambda t: (order.get(t.exercise, len(order)), t.hidden))
    if not report.tests and not report.problems:
        report.problems.append("no exercise tests were found")
    return report


def _run(
    report: Report,
    results: dict[str, TestResult],
    folder: Path,
    exercises: list[int] | None,
    hidden: bool,
    timeout: float,
    budget: float,
    instructor: Path | str | None,
    slots: int,
) -> None:
    deadline = time.monotonic() + budget
    sources = [(path, False) for path in sorted((ASSIGNMENT / "tests").glob("test_*.py"))]
    teacher = instructor_folder(instructor)
    if hidden and teacher is not None:
        sources += [(path, True) for path in sorted((teacher / "hidden").glob("test_*.py"))]
    elif hidden:
        report.notes.append("the hidden tests are not here: they come with the teacher's grader")
    cases = []
    for path, is_hidden in sources:
        try:
            cases += load_tests(path, path.parent.parent, is_hidden)
        except Exception as error:
            where = "a hidden test file" if is_hidden else path.name
            report.problems.append(f"could not load {where}: {type(error).__name__}: {error}")
    cases = [case for case in cases if not exercises or case.exercise in exercises]
    for case in cases:
        results[case.id] = TestResult(
            case.id, case.name, case.exercise, case.points, case.hidden, case.timeout or timeout
        )
    files = _submission_files(folder, report)
    if not any(name in files for name in STUDENT_FILES):
        report.problems.append(
            f"none of the exercise files ({', '.join(STUDENT_FILES)}) is in {folder}; "
            "grade the folder made by `python -m autograd.exercises release`"
        )
    if not cases:
        return
    if os.name != "posix":
        raise OSError("the grader's sandbox needs Linux or macOS; here, run the tests with `python -m pytest tests`")
    scratch = Path(tempfile.mkdtemp(prefix="backprop-grade-"))
    scratch.chmod(0o711)  # a worker that could not chroot still reaches its own slot folder, and lists nothing
    longest = max(case.timeout or timeout for case in cases)
    broken: dict = {}
    output_left = [OUTPUT_TOTAL]
    try:
        # The hidden tests run after every visible test has ended and its processes are gone, so student
        # code in a hidden test has no one to pass what it saw to.
        for phase, chosen in enumerate(([c for c in cases if not c.hidden], [c for c in cases if c.hidden])):
            pending: queue.Queue = queue.Queue()
            for case in chosen:
                pending.put(case)
            shared = _Shared(files, pending, results, deadline, budget, longest, broken, output_left)
            threads = [
                threading.Thread(target=_slot_loop, args=(scratch / f"slot-{phase}-{i}", shared), daemon=True)
                for i in range(min(slots, (len(chosen) + 5) // 6))  # a keeper costs about as much as 6 tests
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()) + 30.0)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass
class _Shared:
    """What the slots of one run share."""

    files: dict[str, bytes]
    pending: queue.Queue
    results: dict[str, TestResult]
    deadline: float
    budget: float
    longest: float
    broken: dict
    """Module name -> how importing it ended, when it failed: the later tests end the same way at once."""
    output_left: list[int]
    """Characters of printed output the run may still keep (one list for the whole run)."""
    lock: threading.Lock = field(default_factory=threading.Lock)


def _slot_loop(folder: Path, shared: _Shared) -> None:
    """Take tests from the queue and run each in a fresh worker of this slot's keeper."""
    slot = None
    restarts = itertools.count()
    seeds = random.SystemRandom()
    limits = Limits()
    try:
        while True:
            try:
                case = shared.pending.get_nowait()
            except queue.Empty:
                return
            result = shared.results[case.id]
            if shared.deadline - time.monotonic() < 0.5:
                result.message = f"not run: the run's time budget of {_number(shared.budget)} s was used up"
                continue
            try:
                if slot is None:
                    slot = Slot(folder.with_name(f"{folder.name}-{next(restarts)}"), shared.files, limits,
                                cpu_seconds(shared.longest))  # fmt: skip
                test_deadline = min(time.monotonic() + result.timeout, shared.deadline)
                context = Context(
                    functools.partial(slot.spawn, test_deadline), set(shared.files), shared.broken,
                    seeds.getrandbits(64),
                )  # fmt: skip
                outcome = run_case(case, context, hints_text(case.exercise), result.timeout)
                result.status, result.message = outcome.status, outcome.message
                if outcome.status == TIMED_OUT and test_deadline == shared.deadline:
                    result.message = f"the run's time budget of {_number(shared.budget)} s ran out during this test"
                slot.reap(context.worker)
                if context.worker is not None:
                    result.output = _shown_output(*context.worker.output(), shared)
            except Exception as error:  # the sandbox itself failed: this test is lost, the next gets a new keeper
                result.status = "error"
                result.message = f"the grader's sandbox failed during this test: {type(error).__name__}: {error}"
                if slot is not None:
                    slot.close()
                slot = None
    finally:
        if slot is not None:
            slot.close()


def _shown_output(text: str, total: int, shared: _Shared) -> str:
    if not text:
        return ""
    shown = tidy(text, OUTPUT_LINES, OUTPUT_WIDTH)
    if total > len(text.encode("utf-8", errors="replace")):
        shown += f"\n... [{total} bytes printed in all; the rest is not kept]"
    with shared.lock:
        if shared.output_left[0] <= 0:
            return "[not kept: the run's limit on printed output is reached]"
        shown = shown[: shared.output_left[0]]
        shared.output_left[0] -= len(shown)
    return shown


def _submission_files(folder: Path, report: Report) -> dict[str, bytes]:
    """The submission's top-level .py files as bytes: regular files only (a symbolic link could point
    at the teacher's files), each up to MAX_FILE_BYTES, at most MAX_FILES of them."""
    files: dict[str, bytes] = {}
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        report.problems.append(f"could not read the folder {folder}: {error}")
        return files
    for entry in entries:
        stem = entry.name[:-3]
        if not (entry.name.endswith(".py") and stem.isidentifier()):
            continue
        if len(files) == MAX_FILES:
            report.problems.append(f"more than {MAX_FILES} .py files in {folder}; only the first {MAX_FILES} are used")
            break
        try:
            handle = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            report.problems.append(f"{entry.name} is not a plain file (a symbolic link?); submit the file itself")
            continue
        with os.fdopen(handle, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                report.problems.append(f"{entry.name} is not a plain file; submit the file itself")
                continue
            data = stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            report.problems.append(f"{entry.name} is larger than {MAX_FILE_BYTES // 1024} KiB and is not graded")
            continue
        files[entry.name] = data
    return files


def write_results(report: Report, path: Path | str) -> Path:
    """Write the Gradescope JSON atomically (a temporary file renamed over `path`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(report.gradescope(), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def grade(
    folder: Path | str = ".",
    json_path: Path | str | None = None,
    exercises: list[int] | None = None,
    hidden: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    budget: float = DEFAULT_BUDGET,
    instructor: Path | str | None = None,
) -> int:
    """Grade `folder`, print the table, write Gradescope JSON to `json_path`; return the exit code.

    0 when every test passes, 1 otherwise (some failed, or tests could not run).
    """
    report = run_tests(
        folder, exercises=exercises, hidden=hidden, timeout=timeout, budget=budget, instructor=instructor
    )
    print(report.table())
    if json_path is not None:
        try:
            path = write_results(report, json_path)
        except OSError as error:
            print(f"\nCould not write the Gradescope results to {json_path}: {error}", file=sys.stderr)
            return 1
        print(f"\nGradescope results: {path}")
    return 0 if report.all_passed else 1
