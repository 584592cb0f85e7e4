"""`python -m autograd.exercises grade`: points per test, Gradescope JSON, and no crash on bad student code.

Each grading run starts two sandbox keepers and a worker per test (one to three seconds in
all); the folders and reports are shared per module to keep this file fast. Attacks on the
grader itself are in test_grader_hostile.py.
"""

import importlib.util
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograd.exercises import EXERCISES, release, remote, run_tests
from autograd.exercises.catalogue import INSTRUCTOR, STUDENT_FILES


def solved_copy(folder: Path) -> Path:
    """A student folder with every exercise solved (the reference solutions)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in STUDENT_FILES:
        shutil.copyfile(INSTRUCTOR / name, folder / name)
    return folder


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new))


def append_to(path: Path, code: str) -> None:
    """Redefine a function at the end of a student file (the tests never spell out a solution)."""
    path.write_text(path.read_text() + "\n\n" + code)


@pytest.fixture(scope="module")
def reference_report():
    return run_tests(INSTRUCTOR)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("released") / "student"
    release(out)
    return out


@pytest.fixture(scope="module")
def released_report(released):
    return run_tests(released)


def test_reference_solutions_grade_full_marks(reference_report):
    assert reference_report.problems == []
    assert [t.name for t in reference_report.tests if t.status != "passed"] == []
    assert reference_report.score == reference_report.max_score == 36


def test_every_exercise_has_tests_worth_points(reference_report):
    points = {e.number: sum(t.points for t in reference_report.tests if t.exercise == e.number) for e in EXERCISES}
    assert points == {1: 5, 2: 3, 3: 5, 4: 6, 5: 5, 6: 5, 7: 3, 8: 4}


def test_released_copy_grades_zero_and_every_test_reads_not_attempted(released_report):
    assert released_report.problems == []
    assert released_report.score == 0 and released_report.max_score == 36
    assert {t.status for t in released_report.tests} == {"not attempted"}
    for test in released_report.tests:
        assert test.message.startswith(f"Exercise {test.exercise}: "), test.message


def test_not_attempted_exercise_gives_each_hint_once_in_the_table(released_report):
    table = released_report.table()
    for exercise in EXERCISES:
        for hint in exercise.hints.values():
            assert table.count(f"Exercise {exercise.number}: {hint}") == 1, hint


def test_table_shows_each_exercise_with_its_points_and_status(released_report):
    table = released_report.table()
    assert " 3  Topological order" in table and "0 / 5     not attempted" in table
    assert "Total" in table and "0 / 36" in table


def test_gradescope_json_per_test_scores_add_up_to_the_totals(reference_report, released_report):
    for report in (reference_report, released_report):
        results = report.gradescope()
        assert results["score"] == sum(t["score"] for t in results["tests"])
        assert results["max_score"] == sum(t["max_score"] for t in results["tests"]) == 36
        for test in results["tests"]:
            assert {"name", "score", "max_score", "output", "visibility"} <= test.keys()
            assert test["visibility"] in ("visible", "after_published")


def test_hidden_tests_are_graded_but_published_only_after_grading(reference_report):
    hidden = [t for t in reference_report.gradescope()["tests"] if t["visibility"] == "after_published"]
    assert len(hidden) == 5 and all(t["score"] == t["max_score"] == 1 for t in hidden)


def test_infinite_loop_costs_only_that_tests_points(tmp_path):
    folder = solved_copy(tmp_path / "student")
    append_to(folder / "derivatives.py", "def local_exp(x, out):\n    while True:\n        pass\n")
    report = run_tests(folder, timeout=2)
    lost = [(t.name, t.status) for t in report.tests if t.status != "passed"]
    assert lost == [("test_local_exp_is_e_to_the_x", "timed out")]
    assert "stopped after 2 s" in report.tests[4].message
    assert report.score == 35 and report.max_score == 36


def test_process_exit_in_student_code_costs_only_that_tests_points(tmp_path):
    folder = solved_copy(tmp_path / "student")
    replace_in(folder / "optim.py", "    velocity = momentum * velocity + grad\n", "    import os\n    os._exit(3)\n")
    report = run_tests(folder, exercises=[7, 8])
    lost = {t.name: t.status for t in report.tests if t.status != "passed"}
    assert lost == {
        "test_plain_sgd_step_moves_against_the_gradient": "crashed",
        "test_momentum_path_matches_torch": "crashed",
    }
    assert report.score == 4 and report.max_score == 7
    assert "os._exit()" in report.tests[0].message


def test_thread_left_running_by_student_code_does_not_hang_the_grader(tmp_path):
    folder = solved_copy(tmp_path / "student")
    replace_in(
        folder / "optim.py",
        "import math\n",
        "import math\nimport threading\nimport time\n\nthreading.Thread(target=time.sleep, args=(3600,)).start()\n",
    )
    report = run_tests(folder, exercises=[7], timeout=2)
    assert report.problems == []
    assert report.score == report.max_score == 3


def test_wrong_answer_says_what_was_returned_and_what_was_expected(tmp_path):
    folder = solved_copy(tmp_path / "student")
    append_to(folder / "derivatives.py", "def local_mul(x, y, out):\n    return (x, y)\n")
    report = run_tests(folder, exercises=[1])
    failed = [t for t in report.tests if t.status == "failed"]
    assert [t.name for t in failed] == ["test_local_mul_is_the_other_input"]
    call, rest = failed[0].message.split(" returned ", 1)
    x, y, out = (float(part.split("=")[-1]) for part in call.removeprefix("local_mul(").rstrip(")").split(", "))
    assert out == pytest.approx(x * y)
    assert rest.startswith(f"({x!r}, {y!r}); expected ({y!r}, {x!r})"), failed[0].message
    assert "d(x*y)/dx = y" in failed[0].message


def test_error_in_student_code_names_the_file_and_line(tmp_path):
    folder = solved_copy(tmp_path / "student")
    replace_in(folder / "losses.py", "    return total / len(predictions)\n", "    return total / undefined_name\n")
    report = run_tests(folder, exercises=[6])
    failed = {t.name: t.message for t in report.tests if t.status == "failed"}
    assert set(failed) == {"test_mse_is_the_mean_of_squared_errors", "test_mse_gradient_is_two_errors_over_n"}
    message = failed["test_mse_is_the_mean_of_squared_errors"]
    assert message.startswith("NameError: name 'undefined_name' is not defined")
    assert "in losses.py, line" in message and "return total / undefined_name" in message


def test_syntax_error_reads_as_an_import_error_not_a_grader_crash(tmp_path):
    folder = solved_copy(tmp_path / "student")
    replace_in(folder / "optim.py", "    return param - lr * velocity, velocity\n", "    return param -\n")
    report = run_tests(folder, exercises=[7])
    assert report.problems == []
    assert {t.status for t in report.tests} == {"error"}
    assert all("could not import optim.py: SyntaxError" in t.message for t in report.tests)


def test_missing_exercise_file_costs_its_tests_and_says_so(tmp_path):
    folder = solved_copy(tmp_path / "student")
    (folder / "neuron.py").unlink()
    report = run_tests(folder, exercises=[5])
    assert report.score == 0 and report.max_score == 5
    assert all("neuron.py is not in" in t.message for t in report.tests)


def test_folder_without_exercise_files_is_a_grader_problem_not_full_marks(tmp_path):
    report = run_tests(tmp_path)
    assert report.score == 0 and report.max_score == 36
    assert "none of the exercise files" in report.problems[0]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograd.exercises", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_cli_grade_of_the_reference_exits_0_and_writes_full_marks(tmp_path):
    result = run_cli("grade", str(INSTRUCTOR), "--json", str(tmp_path / "results.json"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 36


def test_cli_grade_of_the_current_folder_exits_1_when_tests_fail(released, tmp_path):
    result = run_cli("grade", "--json", str(tmp_path / "results.json"), cwd=released)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not attempted" in result.stdout and result.stderr == ""
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 0


def test_cli_release_refuses_a_folder_with_files_with_exit_2(released):
    result = run_cli("release", str(released), cwd=released)
    assert result.returncode == 2 and "not empty" in result.stderr


def test_cli_list_names_every_exercise_and_its_file(tmp_path):
    result = run_cli("list", cwd=tmp_path)
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == [str(e.number) for e in EXERCISES]
    assert "mini_engine.py: topological_order" in result.stdout


def test_honest_hidden_failure_shows_nothing_of_the_hidden_test_in_visible_output(tmp_path):
    folder = solved_copy(tmp_path / "student")
    # Right at the visible tests' inputs, an OverflowError at the hidden test's large ones.
    append_to(
        folder / "derivatives.py",
        "def local_sigmoid(x, out):\n    s = 1.0 / (1.0 + math.exp(-x))\n    return (s * (1.0 - s),)\n",
    )
    replace_in(folder / "derivatives.py", '"""\n\n\ndef local_log', '"""\n\nimport math\n\n\ndef local_log')
    results = tmp_path / "results.json"
    run = run_cli("grade", str(folder), "--json", str(results), cwd=tmp_path)
    data = json.loads(results.read_text())
    assert run.returncode == 1 and data["score"] == 35 and data["max_score"] == 36
    hidden = [t for t in data["tests"] if t["visibility"] == "after_published"]
    failed = [t for t in hidden if t["score"] == 0]
    assert len(failed) == 1 and "OverflowError" in failed[0]["output"]
    visible = [run.stdout, run.stderr, data["output"]] + [
        t["name"] + t["output"] for t in data["tests"] if t["visibility"] == "visible"
    ]
    secret = (INSTRUCTOR / "hidden" / "test_hidden.py").read_text()
    for text in visible:
        assert "OverflowError" not in text and "overflow" not in text
        assert all(t["name"].split(": ", 1)[1] not in text for t in hidden)
        assert not any(line.strip() in text for line in secret.splitlines() if len(line.strip()) > 25)
    assert "1 hidden test(s) did not pass" in data["output"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the grader drops to an unprivileged user only when it runs as root")
def test_student_code_runs_as_an_unused_uid_in_a_folder_holding_only_its_files(tmp_path):
    folder = solved_copy(tmp_path / "student")
    append_to(folder / "optim.py", "import os\nprint('uid', os.getuid(), os.getgid(), sorted(os.listdir('/')))\n")
    report = run_tests(folder, exercises=[7])
    assert report.score == report.max_score == 3
    for test in report.tests:
        uid, gid, listing = test.output.split(" ", 3)[1:]
        assert uid == gid and int(uid) in remote.SANDBOX_IDS
        assert int(uid) not in {user.pw_uid for user in pwd.getpwall()}
        assert listing.startswith("['student', 'work-")


def test_without_root_the_grader_still_grades_in_isolated_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(remote, "_sandbox_ids", lambda: (None, None))
    folder = solved_copy(tmp_path / "student")
    (folder / "sitecustomize.py").write_text("import builtins\nbuiltins.len = lambda x: 14\n")
    (folder / "pytest.ini").write_text("[pytest]\naddopts = --co\n")
    report = run_tests(folder, exercises=[3, 7])
    assert report.problems == [] and report.score == report.max_score == 8
    release(tmp_path / "released")
    released = run_tests(tmp_path / "released", exercises=[3, 7])
    assert released.score == 0 and {t.status for t in released.tests} == {"not attempted"}


def test_one_over_x_in_the_mini_engine_is_a_single_recip_node():
    spec = importlib.util.spec_from_file_location("reference_mini_engine", INSTRUCTOR / "mini_engine.py")
    sys.path.insert(0, str(INSTRUCTOR))
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(INSTRUCTOR))
        sys.modules.pop("derivatives", None)
    x = module.Value(4.0)
    assert (1 / x).op == "recip" and (1 / x).parents == (x,) and (1 / x).data == 0.25
    assert (3 / x).op == "mul" and (3 / x).data == 0.75


def stubs_replaced(folder: Path, code: str) -> Path:
    """The released copy with every stub replaced by `code` (indented as a function body)."""
    for name in STUDENT_FILES:
        path = folder / name
        lines = [
            line[: len(line) - len(line.lstrip())] + code if "raise NotImplementedError(" in line else line
            for line in path.read_text().splitlines()
        ]
        path.write_text("\n".join(lines) + "\n")
    return folder


def test_run_budget_ends_the_run_in_time_and_every_test_still_has_a_result(released, tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(released, folder)
    stubs_replaced(folder, "while True: pass")
    results = tmp_path / "results.json"
    started = time.monotonic()
    run = run_cli("grade", str(folder), "--json", str(results), "--timeout", "2", "--budget", "5", cwd=tmp_path)
    assert time.monotonic() - started < 5 + 10  # the budget, plus starting Python and writing the file
    data = json.loads(results.read_text())
    assert run.returncode == 1 and data["score"] == 0 and data["max_score"] == 36
    outputs = [t["output"] for t in data["tests"]]
    assert any("time budget of 5 s" in text for text in outputs)
    assert all(text.startswith(("timed out", "not run", "not attempted")) for text in outputs), outputs


def test_sigterm_still_writes_valid_results_for_what_was_decided(released, tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(released, folder)
    stubs_replaced(folder, "while True: pass")
    results = tmp_path / "results.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "autograd.exercises", "grade", str(folder), "--json", str(results), "--timeout", "60"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(3)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    data = json.loads(results.read_text())
    assert data["score"] == 0 and data["max_score"] == 36 and len(data["tests"]) == len(released_tests())
    assert any("the grader was stopped" in t["output"] for t in data["tests"])


def test_internal_grader_error_still_writes_valid_results(tmp_path, monkeypatch):
    from autograd.exercises import grade as grading

    def broken(folder, report):
        raise RuntimeError("a bug in the grader")

    monkeypatch.setattr(grading, "_submission_files", broken)
    results = tmp_path / "results.json"
    assert grading.grade(solved_copy(tmp_path / "student"), results) == 1
    data = json.loads(results.read_text())
    assert data["score"] == 0 and data["max_score"] == 36
    reason = "not decided: the grader failed (RuntimeError: a bug in the grader)"
    assert all(reason in t["output"] for t in data["tests"])


def released_tests() -> list:
    from autograd.exercises.catalogue import ASSIGNMENT
    from autograd.exercises.runner import load_tests

    paths = [*sorted((ASSIGNMENT / "tests").glob("test_*.py")), INSTRUCTOR / "hidden" / "test_hidden.py"]
    return [case for path in paths for case in load_tests(path, path.parent.parent, False)]


def test_the_graders_environment_does_not_reach_student_code(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROP_TEACHERS_TOKEN", "not-for-students")
    folder = solved_copy(tmp_path / "student")
    append_to(folder / "optim.py", "import os\nprint(sorted(os.environ.items()))\n")
    report = run_tests(folder, exercises=[7])
    assert report.score == 3
    assert all(test.output and "not-for-students" not in test.output for test in report.tests)
