"""`python -m autograd.exercises release OUT | grade [DIR] [--json FILE] | autograder OUT.zip | list`."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from autograd.exercises.catalogue import EXERCISES, parse_exercise
from autograd.exercises.grade import DEFAULT_BUDGET, DEFAULT_TIMEOUT, grade

INSTRUCTOR_HELP = "the teacher's folder with the solutions and hidden/ (default: instructor/ of this checkout)"


def _stop(signum: int, frame: object) -> None:
    # Gradescope stops a run that takes too long with SIGTERM: finish with what is decided, write results.json.
    raise KeyboardInterrupt


def _write(command: str, make: Callable[[], object], done: Callable[[object], str]) -> int:
    """Run a command that writes files: 0 and what it wrote, or 2 and why (the target exists, a source is missing)."""
    try:
        result = make()
    except (FileExistsError, FileNotFoundError) as error:
        print(f"{command}: {error}", file=sys.stderr)
        return 2
    print(done(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 all passed / written, 1 some tests failed, 2 usage)."""
    parser = argparse.ArgumentParser(prog="python -m autograd.exercises", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    out = commands.add_parser("release", help="write the student copy (solutions replaced by stubs, no hidden tests)")
    out.add_argument("out", help="a new or empty folder")
    out.add_argument("--instructor", metavar="DIR", help=INSTRUCTOR_HELP)
    marks = commands.add_parser("grade", help="run the exercise tests on a folder and add up the points")
    marks.add_argument("folder", nargs="?", default=".", help="the student's folder (default: the current one)")
    marks.add_argument("--json", metavar="FILE", help="write Gradescope results JSON here")
    marks.add_argument("--exercise", action="append", metavar="N", help="grade only exercise N (repeatable)")
    marks.add_argument("--no-hidden", action="store_true", help="leave the hidden tests out")
    marks.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per test (default %(default)s)")
    marks.add_argument("--budget", type=float, default=DEFAULT_BUDGET, help="seconds for the run (default %(default)s)")
    marks.add_argument("--instructor", metavar="DIR", help=INSTRUCTOR_HELP)
    upload = commands.add_parser("autograder", help="write the Gradescope autograder zip (setup.sh, run_autograder)")
    upload.add_argument("out", help="the .zip file to write")
    upload.add_argument("--instructor", metavar="DIR", help=INSTRUCTOR_HELP)
    commands.add_parser("list", help="list the exercises and their files")
    args = parser.parse_args(argv)

    if args.command == "release":
        from autograd.exercises.release import release

        return _write(
            "release",
            lambda: release(args.out, instructor=args.instructor),
            lambda written: (
                f"Wrote {len(written)} files to {args.out}. Students: open exercises.ipynb there, or read README.md."
            ),
        )
    if args.command == "autograder":
        from autograd.exercises.autograder import build_autograder

        return _write(
            "autograder",
            lambda: build_autograder(args.out, instructor=args.instructor),
            lambda path: f"Wrote {path}: upload it as the Gradescope autograder (Ubuntu image).",
        )
    if args.command == "list":
        for exercise in EXERCISES:
            print(f"{exercise.number:>2}  {exercise.title:<50} {exercise.file}: {', '.join(exercise.hints)}")
        return 0
    try:
        exercises = [parse_exercise(n) for n in args.exercise or []]
    except ValueError as error:
        print(f"grade: {error}", file=sys.stderr)
        return 2
    if args.instructor is not None and not Path(args.instructor).is_dir():
        print(f"grade: the instructor folder {args.instructor} does not exist", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    return grade(
        args.folder, args.json, exercises=exercises or None, hidden=not args.no_hidden, timeout=args.timeout,
        budget=args.budget, instructor=args.instructor,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
