"""Exercises graded by pytest: release a student copy, grade it, check one exercise in a notebook.

python -m autograd.exercises release my-exercises      # the student's copy, solutions removed
python -m autograd.exercises grade my-exercises --json results.json

from autograd.exercises import check
check("exercise 3")                                     # in a notebook, in the student's folder
"""

from autograd.exercises.catalogue import EXERCISES, Exercise
from autograd.exercises.check import CheckResult, check, exercise_folder, load_exercises
from autograd.exercises.grade import Report, TestResult, grade, run_tests
from autograd.exercises.release import release, strip_solutions

__all__ = [
    "EXERCISES",
    "CheckResult",
    "Exercise",
    "Report",
    "TestResult",
    "check",
    "exercise_folder",
    "grade",
    "load_exercises",
    "release",
    "run_tests",
    "strip_solutions",
]
