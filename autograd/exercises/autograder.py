"""`autograder OUT.zip`: the Gradescope autograder for the exercises, as one upload.

The zip holds `setup.sh` (Gradescope runs it once, as root, to build the image: Python, a
virtual environment, this package), `run_autograder` (run for each submission: the grader on
/autograder/submission, results in /autograder/results/results.json), the package's source
(`backprop-lab/`) and the hidden tests (`instructor/hidden/`). It holds no reference solutions:
grading does not need them. Student code then runs as `nobody` in a chroot, so it can read
neither the hidden tests nor the results folder.
"""

from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path

import autograd
import nn
from autograd.exercises.catalogue import instructor_folder

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
/autograder/venv/bin/python -m pip install /autograder/source/backprop-lab
# The hidden tests are for the grader alone (student code also runs as nobody in a chroot).
chmod -R go-rwx /autograder/source
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission, as root. The grader writes results.json whatever
# happens (a crash, a hang or a forged file in the submission); student code never sees it.
set -uo pipefail
mkdir -p /autograder/results
chmod 755 /autograder/results
cd /autograder/source
/autograder/venv/bin/python -m autograd.exercises grade /autograder/submission \\
    --json /autograder/results/results.json --instructor /autograder/source/instructor
if ! test -s /autograder/results/results.json; then
    # Only if Python itself could not start: Gradescope still gets a valid file that says so.
    echo '{"score": 0, "output": "The autograder could not start; tell your teacher.", "tests": []}' \\
        > /autograder/results/results.json
fi
"""


def _pyproject(data_files: dict[str, list[str]]) -> str:
    """A pyproject.toml that installs the bundled `autograd` and `nn` with their dependencies."""
    try:
        version = importlib.metadata.version("backprop-lab")
        requires = importlib.metadata.requires("backprop-lab") or []
    except importlib.metadata.PackageNotFoundError:
        version, requires = "0", []
    dependencies = [r for r in requires if "extra ==" not in r]
    package_data = "\n".join(f'"{package}" = {files!r}'.replace("'", '"') for package, files in data_files.items())
    return (
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "backprop-lab"\nversion = "{version}"\nrequires-python = ">=3.10"\n'
        f"dependencies = {dependencies!r}\n\n".replace("'", '"')
        + '[tool.setuptools.packages.find]\ninclude = ["autograd*", "nn*"]\n\n'
        + f"[tool.setuptools.package-data]\n{package_data}\n"
    )


def _package_files(package_dir: Path) -> list[Path]:
    return sorted(
        path
        for path in package_dir.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")
    )


def build_autograder(out: Path | str, instructor: Path | str | None = None) -> Path:
    """Write the Gradescope autograder zip to `out`; return its path.

    `instructor` is the teacher's folder holding `hidden/` (default: the checkout's `instructor/`).
    """
    teacher = instructor_folder(instructor)
    if teacher is None:
        raise FileNotFoundError(
            "the hidden tests are not installed with the package; run this in a checkout of the "
            "Backprop Lab repository, or pass the instructor folder (--instructor DIR)"
        )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    data_files: dict[str, list[str]] = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, text)
        for package in (autograd, nn):
            package_dir = Path(package.__file__).resolve().parent
            for path in _package_files(package_dir):
                relative = path.relative_to(package_dir.parent)
                bundle.write(path, f"backprop-lab/{relative.as_posix()}")
                if path.suffix != ".py":
                    owner = next(p for p in path.parents if (p / "__init__.py").is_file())
                    key = ".".join(owner.relative_to(package_dir.parent).parts)
                    data_files.setdefault(key, []).append(path.relative_to(owner).as_posix())
        bundle.writestr("backprop-lab/pyproject.toml", _pyproject(data_files))
        for path in sorted((teacher / "hidden").glob("*.py")):
            bundle.write(path, f"instructor/hidden/{path.name}")
    return out
