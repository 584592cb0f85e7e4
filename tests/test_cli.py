"""`python -m autograd`: the demo command of README step 1, run as a user runs it."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from autograd.viz.render import ENV_VAR

SVG_NS = "{http://www.w3.org/2000/svg}"


def run(*args, cwd, env=None):
    return subprocess.run(
        [sys.executable, "-m", "autograd", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_demo_prints_the_staged_tables_and_writes_both_files_here(tmp_path):
    done = run(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Forward pass, in the order the values are computed:" in lines
    assert any(line.split() == ["8", "f", "1/x", "(+)=1.37", "0.73"] for line in lines)
    assert any(line.split()[:8] == ["1", "f", "1/x", "1.00", "(+)", "1.37", "-0.53", "-0.53"] for line in lines)
    assert any(line.split() == ["x1", "-2.00", "-3.00", "-0.59"] for line in lines)
    assert "df/dw0 = -0.20, df/dx0 = 0.39, df/dw1 = -0.39, df/dx1 = -0.59, df/dw2 = 0.20" in done.stdout
    texts = [t.text for t in ET.parse(tmp_path / "backprop.svg").iter(f"{SVG_NS}text")]
    assert "grad -0.59" in texts
    assert (tmp_path / "backprop.html").read_text(encoding="utf-8").count("Backward step ") == 8


def test_out_writes_into_the_given_folder_creating_it(tmp_path):
    done = run("--out", "pictures/demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "pictures" / "demo").iterdir()) == ["backprop.html", "backprop.svg"]
    assert not (tmp_path / "backprop.svg").exists()


def test_help_documents_the_command_and_out(tmp_path):
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "usage: python -m autograd" in done.stdout
    assert "--out DIR" in done.stdout and "backprop.html" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_without_a_renderer_it_says_how_to_install_one_and_exits_1(tmp_path):
    env = {**os.environ, ENV_VAR: str(tmp_path / "no-such-dot")}
    done = run(cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert "pip install graphviz-pure" in done.stderr
    assert "-0.53" in done.stdout
    assert (tmp_path / "backprop.html").exists() and not (tmp_path / "backprop.svg").exists()
