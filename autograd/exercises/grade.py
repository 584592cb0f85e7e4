"""`grade [DIR]`: run the exercise tests on a student's folder, add up the points, write Gradescope JSON.

The tests run in a pytest subprocess with our result-collecting plugin
(`autograd.exercises.plugin`), which reports each test as it starts and ends. This
process is the watchdog: a test that runs past its time limit (an infinite loop in
student code) or takes the process down with it (`os._exit`, a crash) is recorded as
lost, the subprocess is stopped and started again without the tests already done. So
one bad function costs only its own tests' points, with or without pytest-timeout, on
any operating system.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import autograd
from autograd.exercises.catalogue import ASSIGNMENT, EXERCISES, STUDENT_FILES

DEFAULT_TIMEOUT = 10.0
"""Seconds a test may run; the reference solutions need milliseconds."""
STARTUP_LIMIT = 120.0
"""Seconds pytest may take to start and collect the tests before the grader gives up."""
# How this process talks to the plugin in the pytest subprocess, and the tests to the student's folder.
STUDENT_DIR_VARIABLE = "BACKPROP_EXERCISES_DIR"
EVENTS_VARIABLE = "BACKPROP_EXERCISES_EVENTS"
SKIP_VARIABLE = "BACKPROP_EXERCISES_SKIP"
ONLY_VARIABLE = "BACKPROP_EXERCISES_ONLY"
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

    @property
    def score(self) -> float:
        """The points earned: all of them for a pass, none otherwise."""
        return self.points if self.status == PASSED else 0.0

    @property
    def max_score(self) -> float:
        """What the test is worth; a skipped test (it could not be checked here) counts for nothing."""
        return 0.0 if self.status == SKIPPED else self.points


@dataclass
class Report:
    """Every test's result for one student folder, plus anything that kept tests from running."""

    folder: Path
    tests: list[TestResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

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
            if status == NOT_ATTEMPTED:
                lines += [f"  {message}" for message in dict.fromkeys(test.message for test in tests)]
                continue
            # Tests that failed the same way (one missing file, one syntax error) share one message.
            groups: dict[tuple[str, str], list[TestResult]] = {}
            for test in tests:
                if test.status != PASSED:
                    groups.setdefault((test.status, test.message), []).append(test)
            for (test_status, message), group in groups.items():
                lines += [f"  {test.name} [{test_status}, 0/{_number(test.points)}]" for test in group]
                lines += [f"    {line}".rstrip() for line in message.splitlines()]
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
                    "output": test.status if not test.message else f"{test.status}: {test.message}",
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
) -> Report:
    """Run the exercise tests against the student files in `folder`; never raises for student code.

    `exercises` limits the run to those numbers; `hidden=False` leaves the hidden tests out;
    `timeout` is the time limit of a test without its own `timeout` marker.
    """
    folder = Path(folder).resolve()
    report = Report(folder)
    if not folder.is_dir():
        report.problems.append(f"{folder} is not a folder")
        return report
    if not any((folder / name).is_file() for name in STUDENT_FILES):
        report.problems.append(
            f"none of the exercise files ({', '.join(STUDENT_FILES)}) is in {folder}; "
            "grade the folder made by `python -m autograd.exercises release`"
        )
    paths = [ASSIGNMENT / "tests"] + ([ASSIGNMENT / "hidden"] if hidden and (ASSIGNMENT / "hidden").is_dir() else [])
    tests: dict[str, TestResult] = {}
    with tempfile.TemporaryDirectory(prefix="backprop-grade-") as scratch:
        scratch = Path(scratch)
        (scratch / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        # Each restart follows a lost test, so this ends after at most one run per test.
        for attempt in itertools.count(1):
            finished = {test_id for test_id, test in tests.items() if test.status != "not run"}
            progress = _run_once(folder, paths, scratch, attempt, finished, exercises, timeout, tests, report)
            remaining = [test for test in tests.values() if test.status == "not run"]
            if not remaining or not progress:
                break
    for test in tests.values():
        if test.status == "not run":
            test.message = test.message or "the grader could not run this test (see the grader's messages)"
    order = {exercise.number: i for i, exercise in enumerate(EXERCISES)}
    report.tests = sorted(tests.values(), key=lambda t: (order.get(t.exercise, len(order)), t.hidden))
    if not report.tests and not report.problems:
        report.problems.append("no exercise tests were found")
    return report


def _run_once(
    folder: Path,
    paths: list[Path],
    scratch: Path,
    attempt: int,
    finished: set[str],
    exercises: list[int] | None,
    timeout: float,
    tests: dict[str, TestResult],
    report: Report,
) -> bool:
    """One pytest subprocess; fills `tests` in place. True when it stopped early but made progress."""
    events_path, skip_path, log_path = (scratch / f"{kind}-{attempt}" for kind in ("events", "skip", "log"))
    events_path.touch()
    skip_path.write_text(json.dumps(sorted(finished)), encoding="utf-8")
    env = {
        **os.environ,
        EVENTS_VARIABLE: str(events_path),
        SKIP_VARIABLE: str(skip_path),
        ONLY_VARIABLE: ",".join(map(str, exercises or [])),
        STUDENT_DIR_VARIABLE: str(folder),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # third-party plugins stay out of grading
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(Path(autograd.__file__).parent.parent), os.environ.get("PYTHONPATH")])
        ),
    }
    command = [
        sys.executable, "-m", "pytest", *map(str, paths),
        "-p", "autograd.exercises.plugin", "-p", "no:cacheprovider", "-p", "no:timeout",
        "-c", str(scratch / "pytest.ini"), "--rootdir", str(ASSIGNMENT), "--confcutdir", str(ASSIGNMENT),
        "--import-mode=importlib", "-q", "--no-header", "-W", "ignore::pytest.PytestAssertRewriteWarning",
    ]  # fmt: skip
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=os.name == "posix",
        )  # fmt: skip
        running: str | None = None
        started = launched = last_event = time.monotonic()
        collected = False
        offset = 0
        stopped_early = False
        while True:
            exit_code = process.poll()
            with events_path.open(encoding="utf-8") as events:
                events.seek(offset)
                chunk = events.read()
            complete = chunk[: chunk.rfind("\n") + 1]
            offset += len(complete.encode("utf-8"))
            for line in complete.splitlines():
                event = json.loads(line)
                last_event = time.monotonic()
                if event["event"] == "collected":
                    collected = True
                    for test in event["tests"]:
                        if test["id"] not in tests:
                            tests[test["id"]] = TestResult(
                                test["id"], test["name"], test["exercise"], float(test["points"]), test["hidden"],
                                float(test["timeout"] or timeout),
                            )  # fmt: skip
                elif event["event"] == "collect_error":
                    report.problems.append(f"could not collect {event['path']}:\n{event['message']}")
                elif event["event"] == "start":
                    running, started = event["id"], time.monotonic()
                elif event["event"] == "result" and event["id"] in tests:
                    tests[event["id"]].status, tests[event["id"]].message = event["status"], event["message"]
                    running = None
            if exit_code is not None:
                if running in tests:
                    tests[running].status = "crashed"
                    tests[running].message = (
                        f"the test process stopped during this test (exit code {exit_code}); "
                        "does the code call exit() or crash Python?"
                    )
                    stopped_early = True
                elif not collected or exit_code not in (0, 1):
                    report.problems.append(f"pytest stopped with exit code {exit_code}:\n{_tail(log_path)}")
                return stopped_early
            now = time.monotonic()
            if running in tests and now - started > tests[running].timeout:
                _stop(process)
                tests[running].status = TIMED_OUT
                tests[running].message = (
                    f"stopped after {_number(tests[running].timeout)} s: an infinite loop, or far too slow; "
                    "this test's points are lost, the other tests still run"
                )
                return True
            if collected and running is None and now - last_event > timeout:
                # Every test so far has its result; a thread student code left running keeps Python alive.
                _stop(process)
                if any(test.status == "not run" for test in tests.values()):
                    report.problems.append("the test process stalled between tests and was stopped")
                return False
            if not collected and now - launched > STARTUP_LIMIT:
                _stop(process)
                report.problems.append(f"pytest did not start within {STARTUP_LIMIT:g} s:\n{_tail(log_path)}")
                return False
            time.sleep(0.02)


def _stop(process: subprocess.Popen) -> None:
    """Stop the test process (and anything student code started in its session)."""
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:
        process.kill()
    process.wait()


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def grade(
    folder: Path | str = ".",
    json_path: Path | str | None = None,
    exercises: list[int] | None = None,
    hidden: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> int:
    """Grade `folder`, print the table, write Gradescope JSON to `json_path`; return the exit code.

    0 when every test passes, 1 otherwise (some failed, or tests could not run).
    """
    report = run_tests(folder, exercises=exercises, hidden=hidden, timeout=timeout)
    print(report.table())
    if json_path is not None:
        path = Path(json_path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report.gradescope(), indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            print(f"\nCould not write the Gradescope results to {path}: {error}", file=sys.stderr)
            return 1
        print(f"\nGradescope results: {path}")
    return 0 if report.all_passed else 1
