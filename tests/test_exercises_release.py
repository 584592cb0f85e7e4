"""`python -m autograd.exercises release`: the student copy has stubs where the solutions were."""

import ast
import shutil

import pytest

from autograd.exercises import EXERCISES, release, strip_solutions
from autograd.exercises.catalogue import ASSIGNMENT, INSTRUCTOR, STUDENT_FILES


def test_solution_block_becomes_a_stub_with_the_exercise_number_and_hint_at_its_indentation():
    source = (
        "def local_mul(x, y, out):\n"
        '    """out = x * y."""\n'
        "    ### BEGIN SOLUTION\n"
        "    return (0.5, 0.25)\n"
        "    ### END SOLUTION\n"
    )
    hint = EXERCISES[0].hints["local_mul"]
    expected = (
        f'def local_mul(x, y, out):\n    """out = x * y."""\n    raise NotImplementedError({"Exercise 1: " + hint!r})\n'
    )
    assert strip_solutions(source) == expected


def test_solution_block_outside_a_catalogued_function_is_refused():
    with pytest.raises(KeyError, match="no exercise lists the function 'mystery'"):
        strip_solutions("def mystery():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")


def test_unmatched_marker_is_refused():
    with pytest.raises(ValueError, match="unmatched"):
        strip_solutions("def local_add(x, y, out):\n    ### BEGIN SOLUTION\n    return (0.5, 0.25)\n")


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("released") / "student"
    release(out)
    return out


def test_release_writes_every_exercise_file_and_the_visible_tests_but_not_the_hidden_ones(released):
    assert sorted(p.name for p in released.glob("*.py")) == sorted([*STUDENT_FILES, "conftest.py"])
    assert sorted(p.name for p in (released / "tests").glob("test_*.py")) == sorted(
        p.name for p in (ASSIGNMENT / "tests").glob("test_*.py")
    )
    assert not (released / "hidden").exists()


def test_released_files_hold_no_solution_and_one_stub_per_solution_block(released):
    for name in STUDENT_FILES:
        reference = (INSTRUCTOR / name).read_text()
        student = (released / name).read_text()
        ast.parse(student)
        assert "BEGIN SOLUTION" not in student and "END SOLUTION" not in student
        assert student.count("raise NotImplementedError(") == reference.count("### BEGIN SOLUTION") > 0


def test_released_copy_ships_the_exercise_notebook_and_instructions(released):
    assert (released / "exercises.ipynb").is_file()
    assert (released / "README.md").is_file()


def test_release_takes_the_solutions_from_a_given_instructor_folder(tmp_path):
    teacher = tmp_path / "teacher"
    shutil.copytree(INSTRUCTOR, teacher)
    path = teacher / "optim.py"
    path.write_text(path.read_text().replace('"""Exercises 7 and 8', '"""A course of our own: exercises 7 and 8'))
    release(tmp_path / "student", instructor=teacher)
    assert (tmp_path / "student" / "optim.py").read_text().startswith('"""A course of our own')


def test_release_without_an_instructor_folder_says_where_the_solutions_are(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        release(tmp_path / "student", instructor=tmp_path / "nowhere")


def test_release_refuses_a_folder_that_already_holds_files(tmp_path):
    (tmp_path / "derivatives.py").write_text("# a student's work\n")
    with pytest.raises(FileExistsError, match="not empty"):
        release(tmp_path)
    assert (tmp_path / "derivatives.py").read_text() == "# a student's work\n"


def test_students_conftest_provides_the_fixtures_the_grader_provides():
    import re

    from autograd.exercises.runner import BUILTIN_FIXTURES

    conftest = (ASSIGNMENT / "conftest.py").read_text()
    defined = set(re.findall(r"@pytest\.fixture\ndef (\w+)", conftest))
    assert defined | {"monkeypatch"} == set(BUILTIN_FIXTURES)


def test_solutions_are_stripped_in_many_threads_at_once():
    # CPython 3.11's ast.parse can raise SystemError when two threads parse at once (seen once in CI,
    # where the hostile-submission tests release their copies from four threads).
    from concurrent.futures import ThreadPoolExecutor

    source = (INSTRUCTOR / "mini_engine.py").read_text(encoding="utf-8")
    expected = strip_solutions(source, "mini_engine.py")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: strip_solutions(source, "mini_engine.py"), range(200)))
    assert results == [expected] * 200


def test_graphs_with_new_op_variants_are_built_in_many_threads_at_once():
    from concurrent.futures import ThreadPoolExecutor

    from autograd import Value

    def power(k: int) -> float:
        return (Value(2.0) ** (1.0 + k / 997) + Value(1.0).leaky_relu(k / 991)).data

    with ThreadPoolExecutor(max_workers=8) as pool:
        values = list(pool.map(power, range(400)))
    assert values == [pytest.approx(2.0 ** (1.0 + k / 997) + 1.0) for k in range(400)]
