"""Hostile submissions: a released copy (honestly worth 0 / 36) plus one attack on the grader each.

Every attack must leave the score at exactly 0 / 36, a valid results.json written by the grader,
a run that ends within its budget, nothing of the hidden tests in anything the student sees, and
no process behind. The grader runs as the teacher would run it, `python -m autograd.exercises
grade SUBMISSION --json results.json`, several submissions at a time to keep this file fast; each
run gets its own TMPDIR, so any process still alive that names it is one the grader left behind.

Attacks that reach for the teacher's files run only as root: without root the grader cannot put
student code under another user (the README says so), and as the same user the attack would
really damage this checkout.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograd.exercises import release
from autograd.exercises.catalogue import ASSIGNMENT, INSTRUCTOR
from autograd.exercises.runner import load_tests

BUDGET, TIMEOUT = 60, 2
AS_ROOT = os.geteuid() == 0
HIDDEN = INSTRUCTOR / "hidden" / "test_hidden.py"
HIDDEN_NAMES = [line.split("(")[0][4:] for line in HIDDEN.read_text().splitlines() if line.startswith("def test_")]
FORGED = '{"score": 36, "max_score": 36, "tests": [], "forged_by_student": true}'
TEST_FILES = sorted((ASSIGNMENT / "tests").glob("test_*.py")) + [HIDDEN]
TESTS = sum(len(load_tests(path, path.parent.parent, False)) for path in TEST_FILES)

# Each attack: the file it goes into, and either code appended to that file (it runs at import)
# or, with `stub=True`, code that replaces the first unsolved stub (it runs when that function is called).
ATTACKS: dict[str, tuple[str, str, bool, bool]] = {}
"""name -> (file, code, replaces the first stub, needs root)"""


def attack(name: str, file: str, code: str, stub: bool = False, root: bool = False) -> None:
    ATTACKS[name] = (file, code, stub, root)


attack("sys_exit_at_import", "derivatives.py", "import sys\nsys.exit(0)\n")
attack("os_exit_at_import", "derivatives.py", "import os\nos._exit(0)\n")
attack("infinite_loop_at_import", "optim.py", "while True:\n    pass\n")
attack("infinite_loop_in_a_function", "derivatives.py", "    while True:\n        pass\n", stub=True)
attack("unbounded_memory_at_import", "derivatives.py", "hoard = []\nwhile True:\n    hoard.append(bytearray(1 << 24))")
attack(
    "fork_bomb_at_import",
    "optim.py",
    """
import os
for _ in range(200):
    try:
        if os.fork() == 0:
            while True:
                pass
    except OSError:
        break
""",
)
attack("huge_file_at_import", "derivatives.py", 'with open("filler.bin", "wb") as out:\n    out.write(b"x" * 2**26)')
attack(
    "patching_pytest_and_builtins",
    "derivatives.py",
    """
import builtins
try:
    import pytest

    class Anything:
        def __eq__(self, other):
            return True

    pytest.approx = lambda *args, **kwargs: Anything()
except ImportError:
    pass
builtins.isinstance = lambda *args: True
""",
)
attack(
    "patching_grader_objects_via_gc",
    "derivatives.py",
    """
import gc
for obj in gc.get_objects():
    if type(obj).__name__ in ("Server", "ResultWriter", "Report", "TestResult"):
        try:
            obj.handle = lambda request: "passed"
            obj.status = "passed"
            obj.score = 36
        except Exception:
            pass
    if isinstance(obj, dict) and obj.get("status") == "not attempted":
        obj["status"] = "passed"
""",
)
attack(
    "forging_the_workers_reports",
    "derivatives.py",
    """
import json, os, struct
frame = json.dumps({"ok": {"tuple": [1.0, 1.0]}, "result": "passed", "score": 36}).encode()
for fd in range(3, 64):
    try:
        os.write(fd, struct.pack(">I", len(frame)) + frame)
        os.write(fd, b"\\xff\\xfe not json at all\\n" * 10)
        os.write(fd, b'{"event": "result", "id": "tests/test_ex1_primitive_derivatives.py", "status": "passed"}\\n')
    except OSError:
        pass
print('{"event": "start", "id": "everything"}')
print('{"event": "result", "status": "passed", "message": ""}')
""",
)
attack(
    "writing_results_json",
    "derivatives.py",
    """
for path in (RESULTS, "/autograder/results/results.json"):
    try:
        with open(path, "w") as out:
            out.write(FORGED)
    except OSError:
        pass
""",
)
attack(
    "daemon_rewrites_results_json_after_the_grader_exits",
    "derivatives.py",
    """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        print("daemon pid", os.getpid(), flush=True)
        end = time.time() + 8
        while time.time() < end:
            try:
                with open(RESULTS, "w") as out:
                    out.write(FORGED)
            except OSError:
                pass
            time.sleep(0.05)
    os._exit(0)
""",
)
attack(
    "killing_the_grader",
    "derivatives.py",
    """
import os, signal
for pid in (os.getppid(), -1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
try:
    grader = int(open(f"/proc/{os.getppid()}/stat").read().rsplit(")", 1)[1].split()[1])
    os.kill(grader, signal.SIGKILL)
except (OSError, ValueError):
    pass
""",
    root=True,
)
attack(
    "reading_and_printing_hidden_tests_and_solutions",
    "derivatives.py",
    """
import os
import autograd
top = os.path.dirname(os.path.dirname(os.path.abspath(autograd.__file__)))
for path in (HIDDEN, SOLUTION, os.path.join(top, "instructor", "hidden", "test_hidden.py"), "/autograder/source"):
    try:
        print(open(path).read())
    except OSError as error:
        print("no", path, error)
for root, dirs, files in os.walk("/"):
    print(root, files)
""",
    root=True,
)
attack(
    "exec_ing_and_importing_the_reference",
    "derivatives.py",
    """
import os, sys
try:
    exec(open(SOLUTION).read())
except OSError:
    pass
sys.path.append(os.path.dirname(os.path.dirname(SOLUTION)))
try:
    from instructor.derivatives import *  # noqa
except ImportError:
    pass
""",
    root=True,
)
attack(
    "editing_the_test_files_and_crashing",
    "derivatives.py",
    """
import os
for path in TEST_FILES:
    try:
        with open(path, "w") as out:
            out.write("def test_free_points():\\n    pass\\n")
    except OSError:
        pass
os._exit(1)
""",
    root=True,
)
attack(
    "huge_output",
    "derivatives.py",
    """
import sys
sys.stdout.write("x" * 5_000_000 + "\\n")
for i in range(200_000):
    print("line", i, "of a flood")
""",
)
attack("huge_one_line_exception_message", "derivatives.py", '    raise ValueError("A" * 20_000_000)\n', stub=True)
attack(
    "huge_error_report_forged_through_the_worker",
    "derivatives.py",
    """
import gc
for obj in gc.get_objects():
    if type(obj).__name__ == "Server":
        obj.describe = lambda error: {"type": "E" * 100, "message": "M" * 20_000_000, "where": "", "stub": False}
""",
)

LINKS = {
    "symbolic_links_to_the_reference_solutions": {name: INSTRUCTOR / name for name in ("derivatives.py", "optim.py")},
}
"""Submission files replaced by links to the teacher's files, which the grader itself could read."""

SHADOWS = {
    "shadowing_modules": {
        "pytest.py": "def approx(*args, **kwargs):\n    return True\nraises = fail = skip = approx\n",
        "conftest.py": (
            "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
            "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
        ),
        "sitecustomize.py": "import builtins\nbuiltins.isinstance = lambda *args: True\n",
        "usercustomize.py": "import builtins\nbuiltins.len = lambda x: 14\n",
    },
    "shadowing_config": {
        "evil.pth": "import builtins; builtins.isinstance = lambda *args: True\n",
        "pytest.ini": "[pytest]\naddopts = -p no:python --co\npython_files = nothing_*.py\n",
        "tox.ini": "[pytest]\naddopts = --co\n",
        "setup.cfg": "[tool:pytest]\naddopts = --co\n",
        "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "--co"\n',
    },
}


@dataclass
class Run:
    """One hostile grading run, as the teacher would see it afterwards."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    results_text: str
    results_later: str
    leftovers: list[str]


def build(base: Path, name: str) -> tuple[Path, Path]:
    """The released copy with attack `name`; returns the submission folder and where results.json goes."""
    folder, results = base / name / "submission", base / name / "results" / "results.json"
    release(folder)
    results.parent.mkdir(parents=True)
    header = (
        f"RESULTS, FORGED, HIDDEN, SOLUTION = {str(results)!r}, {FORGED!r}, {str(HIDDEN)!r}, "
        f"{str(INSTRUCTOR / 'derivatives.py')!r}\nTEST_FILES = {[str(p) for p in TEST_FILES]!r}\n"
    )
    if name in LINKS:
        for file, target in LINKS[name].items():
            (folder / file).unlink()
            (folder / file).symlink_to(target)
        return folder, results
    if name in SHADOWS:
        for file, text in SHADOWS[name].items():
            (folder / file).write_text(text)
        return folder, results
    file, code, stub, _ = ATTACKS[name]
    path = folder / file
    text = path.read_text()
    if stub:
        start = text.index("    raise NotImplementedError(")
        text = text[:start] + code + text[text.index("\n", start) + 1 :]
    else:
        text = text + "\n" + header + code
    path.write_text(text)
    return folder, results


def leftovers(marker: str) -> list[str]:
    """Every process whose command line names `marker` (the run's TMPDIR), other than this one."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in command:
            found.append(f"{entry}: {command[:200]}")
    return found


def grade(base: Path, name: str) -> Run:
    folder, results = build(base, name)
    scratch = base / name / "tmp"
    scratch.mkdir()
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "autograd.exercises", "grade", str(folder), "--json", str(results),
         "--timeout", str(TIMEOUT), "--budget", str(BUDGET)],
        cwd=base / name, capture_output=True, text=True, timeout=BUDGET + 60,
        env={**os.environ, "TMPDIR": str(scratch)},
    )  # fmt: skip
    seconds = time.monotonic() - started
    left = leftovers(str(scratch))
    text = results.read_text() if results.is_file() else ""
    time.sleep(0.3)  # a surviving daemon would rewrite the file now
    later = results.read_text() if results.is_file() else ""
    return Run(process.returncode, process.stdout, process.stderr, seconds, text, later, left)


NAMES = [*ATTACKS, *SHADOWS, *LINKS]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    base = tmp_path_factory.mktemp("hostile")
    names = [name for name in NAMES if AS_ROOT or not ATTACKS.get(name, ("", "", False, False))[3]]
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in TEST_FILES}
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = dict(zip(names, pool.map(lambda name: grade(base, name), names)))
    after = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in TEST_FILES}
    assert before == after, "an attack changed the grader's test files"
    return done


def visible_text(run: Run) -> str:
    """Everything a student sees: the grader's stdout and stderr, results.json's top level and visible tests."""
    results = json.loads(run.results_text)
    shown = [run.stdout, run.stderr, results["output"]]
    shown += [t["name"] + t["output"] for t in results["tests"] if t["visibility"] != "after_published"]
    return "\n".join(shown)


@pytest.mark.parametrize("name", NAMES)
def test_attack_scores_exactly_the_honest_zero_and_leaves_valid_results(runs, name):
    if name not in runs:
        pytest.skip("reaches for the teacher's files: only meaningful when the grader runs as root")
    run = runs[name]
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads(run.results_text)
    assert results["score"] == 0 and results["max_score"] == 36, run.stdout[-3000:]
    assert len(results["tests"]) == TESTS
    assert sum(t["score"] for t in results["tests"]) == 0
    assert sum(t["max_score"] for t in results["tests"]) == 36
    assert all({"name", "score", "max_score", "output", "visibility"} <= t.keys() for t in results["tests"])
    assert "forged_by_student" not in run.results_text and run.results_later == run.results_text
    assert len(run.results_text) < 400_000, f"results.json is {len(run.results_text)} bytes"


@pytest.mark.parametrize("name", NAMES)
def test_attack_run_ends_within_its_budget_and_leaves_no_process(runs, name):
    if name not in runs:
        pytest.skip("reaches for the teacher's files: only meaningful when the grader runs as root")
    run = runs[name]
    assert run.seconds < BUDGET
    assert run.leftovers == []
    for line in json.loads(run.results_text)["output"].splitlines() + run.stdout.splitlines():
        assert len(line) <= 400, line[:100]


@pytest.mark.parametrize("name", NAMES)
def test_attack_sees_nothing_of_the_hidden_tests(runs, name):
    if name not in runs:
        pytest.skip("reaches for the teacher's files: only meaningful when the grader runs as root")
    shown = visible_text(runs[name])
    for hidden_name in HIDDEN_NAMES:
        assert hidden_name not in shown
    for line in HIDDEN.read_text().splitlines():
        if len(line.strip()) > 30:
            assert line.strip() not in shown, line


def test_daemon_was_killed_before_it_could_print_twice(runs):
    output = json.loads(runs["daemon_rewrites_results_json_after_the_grader_exits"].results_text)
    printed = [t["output"] for t in output["tests"] if "daemon pid" in t["output"]]
    for text in printed:
        pid = int(text.split("daemon pid", 1)[1].split()[0])
        assert not Path(f"/proc/{pid}").exists() or b"sandbox" not in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_linked_files_are_refused_not_followed(runs):
    run = runs["symbolic_links_to_the_reference_solutions"]
    assert "derivatives.py is not a plain file (a symbolic link?)" in run.stdout


def test_huge_output_is_cut_per_test_and_in_total(runs):
    results = json.loads(runs["huge_output"].results_text)
    outputs = [t["output"] for t in results["tests"]]
    assert any("the rest is not kept" in text or "not kept" in text for text in outputs)
    assert sum(len(text) for text in outputs) < 150_000


@pytest.mark.skipif(not AS_ROOT, reason="the unprivileged user exists only when the grader runs as root")
def test_student_code_cannot_see_the_teachers_files(runs):
    results = json.loads(runs["reading_and_printing_hidden_tests_and_solutions"].results_text)
    printed = "\n".join(t["output"] for t in results["tests"])
    assert "no " + str(HIDDEN) in printed
    assert "def local_add" not in printed.replace("raise NotImplementedError", "")
