"""`check("exercise N")` and `load_exercises()`: exercise feedback inside a notebook."""

import shutil
import sys
from pathlib import Path

import pytest

from autograd.exercises import check, load_exercises, release
from autograd.exercises.catalogue import ASSIGNMENT, INSTRUCTOR, STUDENT_FILES, parse_exercise

REPO_NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "10_exercises.ipynb"


@pytest.fixture(autouse=True)
def forget_student_imports(monkeypatch):
    """load_exercises() imports the exercise files by their names; keep them out of other tests."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name in STUDENT_FILES:
        sys.modules.pop(Path(name).stem, None)


@pytest.mark.parametrize("which", [3, "3", "exercise 3", "Exercise 3", " exercise #3 "])
def test_exercise_can_be_named_by_number_or_by_words(which):
    assert parse_exercise(which) == 3


def test_unknown_exercise_lists_the_real_ones():
    with pytest.raises(ValueError, match="the exercises are 1, 2, 3, 4, 5, 6, 7, 8"):
        parse_exercise("exercise 9")


def test_check_of_an_unsolved_exercise_says_not_attempted_and_gives_the_hint(tmp_path):
    release(tmp_path / "student")
    result = check("exercise 3", folder=tmp_path / "student")
    assert not result.passed
    assert [t.status for t in result.report.tests] == ["not attempted"] * 4
    text = repr(result)
    assert text.startswith("Exercise 3: Topological order (mini_engine.py), 0 / 4 points, not attempted")
    assert text.count("Exercise 3: depth-first with a stack") == 1
    page = result._repr_html_()
    assert "<table" in page and "not attempted" in page
    assert page.count("depth-first with a stack") == 1


def test_check_html_is_left_aligned_and_never_breaks_words(tmp_path):
    release(tmp_path / "student")
    page = check("exercise 1", folder=tmp_path / "student")._repr_html_()
    assert page.count("<td") == page.count("<td style='text-align:left") == 5 * 4
    assert "word-break:break-all" not in page and "overflow-wrap:anywhere" not in page


def test_check_runs_only_the_visible_tests_of_that_exercise(tmp_path):
    release(tmp_path / "student")
    result = check(4, folder=tmp_path / "student")
    assert {t.exercise for t in result.report.tests} == {4}
    assert not any(t.hidden for t in result.report.tests)


def test_check_outside_an_exercise_folder_checks_the_reference_and_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = check("exercise 7")
    assert result.passed
    assert "checks the reference solutions" in repr(result)


def test_load_exercises_sees_the_files_as_saved_now(tmp_path, monkeypatch):
    for name in STUDENT_FILES:
        shutil.copyfile(INSTRUCTOR / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert load_exercises().derivatives.local_mul(2.0, -3.0, -6.0) == (-3.0, 2.0)
    path = tmp_path / "derivatives.py"
    path.write_text(path.read_text() + "\n\ndef local_mul(x, y, out):\n    return (x, y)\n")
    assert load_exercises().derivatives.local_mul(2.0, -3.0, -6.0) == (2.0, -3.0)


def test_modules_of_one_load_share_one_value_class(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exercises = load_exercises()
    assert exercises.neuron.Value is exercises.mini_engine.Value is exercises.losses.Value


def test_repository_notebook_is_the_one_students_get():
    assert REPO_NOTEBOOK.read_bytes() == (ASSIGNMENT / "exercises.ipynb").read_bytes()
