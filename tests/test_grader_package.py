"""What ships where: the wheel and sdist hold no answers; the Gradescope autograder holds the hidden tests only."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograd.exercises.autograder import build_autograder
from autograd.exercises.catalogue import EXERCISES, INSTRUCTOR, STUDENT_FILES
from autograd.exercises.release import BEGIN, END

REPO = Path(__file__).resolve().parent.parent
HIDDEN = INSTRUCTOR / "hidden" / "test_hidden.py"
HIDDEN_NAMES = re.findall(r"^def (test_\w+)", HIDDEN.read_text(), re.M)
SOLUTION_BLOCKS = [
    block.strip()
    for name in STUDENT_FILES
    for block in re.findall(rf"{re.escape(BEGIN)}\n(.*?){re.escape(END)}", (INSTRUCTOR / name).read_text(), re.S)
]


def answers_in(members: dict[str, bytes]) -> list[str]:
    """The members that hold a reference solution block or a hidden test."""
    found = []
    for name, data in members.items():
        text = data.decode("utf-8", errors="replace")
        if any(block in text for block in SOLUTION_BLOCKS) or any(test in text for test in HIDDEN_NAMES):
            found.append(name)
    return found


def repository_copy(target: Path) -> Path:
    """The files of this checkout git knows about (or the package folders), without build leftovers."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode == 0:
        for name in listed.stdout.splitlines():
            source = REPO / name
            if source.is_file() and ".egg-info" not in name:
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target / name)
    else:
        for name in ("autograd", "nn", "instructor"):
            shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copyfile(REPO / name, target / name)
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    pytest.importorskip("setuptools")
    source = repository_copy(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("dist")
    for hook in ("build_wheel", "build_sdist"):  # one process each, as a build frontend would
        script = f"import sys; from setuptools import build_meta; build_meta.{hook}(sys.argv[1])"
        build = [sys.executable, "-c", script, str(out)]
        subprocess.run(build, cwd=source, check=True, capture_output=True, timeout=300)
    wheel, sdist = next(out.glob("*.whl")), next(out.glob("*.tar.gz"))
    with zipfile.ZipFile(wheel) as archive:
        wheel_members = {name: archive.read(name) for name in archive.namelist()}
    with tarfile.open(sdist) as archive:
        sdist_members = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    return {"wheel": wheel_members, "sdist": sdist_members}


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_distribution_holds_no_reference_solution_and_no_hidden_test(built, kind):
    members = built[kind]
    assert answers_in(members) == []
    assert not [name for name in members if "instructor/" in name or "hidden" in name]


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_distribution_holds_what_students_get_and_the_grader(built, kind):
    names = "\n".join(built[kind])
    for needed in ("autograd/exercises/assignment/tests/test_ex3_topological_order.py",
                   "autograd/exercises/assignment/exercises.ipynb", "autograd/exercises/assignment/conftest.py",
                   "autograd/exercises/sandbox.py"):  # fmt: skip
        assert needed in names


def test_the_solutions_and_hidden_tests_are_what_the_check_looks_for():
    # Guards the two tests above: they would pass vacuously if these lists were empty.
    assert len(SOLUTION_BLOCKS) == sum(len(exercise.hints) for exercise in EXERCISES) and len(HIDDEN_NAMES) == 5


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    return build_autograder(tmp_path_factory.mktemp("gradescope") / "autograder.zip")


def test_autograder_zip_has_setup_run_and_the_hidden_tests_but_no_solutions(autograder):
    with zipfile.ZipFile(autograder) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert members["instructor/hidden/test_hidden.py"] == HIDDEN.read_bytes()
    assert answers_in({k: v for k, v in members.items() if not k.startswith("instructor/hidden/")}) == []
    run = members["run_autograder"].decode()
    assert "grade /autograder/submission" in run and "--json /autograder/results/results.json" in run


def test_autograder_package_builds_and_carries_the_visible_tests(autograder, tmp_path):
    pytest.importorskip("setuptools")
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(tmp_path)
    project = tmp_path / "backprop-lab"
    dependencies = re.search(r"^dependencies = (.*)$", (project / "pyproject.toml").read_text(), re.M).group(1)
    assert any(d.startswith("pytest") for d in json.loads(dependencies))
    script = "import sys; from setuptools import build_meta as b; print(b.build_wheel(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=project, check=True, capture_output=True)
    with zipfile.ZipFile(next(tmp_path.glob("*.whl"))) as wheel:
        names = wheel.namelist()
    assert "autograd/exercises/assignment/tests/test_ex1_primitive_derivatives.py" in names
    assert "autograd/viz/template.html" in names
