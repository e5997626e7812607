"""Remedy's own line tracer (plugin/remedy_tracer.py), for interpreters without coverage.py: run for
real in pytest subprocesses, its per-test lines held to coverage.py's on a hand-made project."""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import venv_with_only_pytest
from test_localize_plugin import run_traced

SHAPES = {
    "pytest.ini": "[pytest]\npythonpath = .\n",
    "pkg/__init__.py": "",
    "pkg/shapes.py": '''import functools
import threading


def traced(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@traced
def total(items,
          start=0):
    value = sum(
        item
        for item in items
        if item > 0
    )
    return value + start


def squares(n):
    for i in range(n):
        yield i * i


class Box:
    def __init__(self, size):
        self.size = size

    @property
    def area(self):
        return self.size * self.size

    def grow(self, by):
        try:
            if by < 0:
                raise ValueError("negative")
            self.size += by
        except ValueError:
            self.size = 0
        finally:
            self.grown = True
        return self


def search(values, wanted):
    i = 0
    while i < len(values):
        if values[i] == wanted:
            break
        i += 1
    else:
        return -1
    return i


def in_thread(x):
    out = []
    worker = threading.Thread(target=lambda: out.append(x * 2))
    worker.start()
    worker.join()
    return out[0]


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)
''',
    "pkg/late.py": "CONSTANT = [n for n in range(3)]\n\n\ndef late():\n    return CONSTANT[-1]\n",
    "tests/test_shapes.py": '''import pytest

from pkg import shapes


def test_total():
    assert shapes.total([1, -2, 3], start=1) == 5


def test_squares():
    assert list(shapes.squares(3)) == [0, 1, 4]


def test_box():
    box = shapes.Box(2).grow(1)
    assert box.area == 9
    assert shapes.Box(2).grow(-1).size == 0


@pytest.mark.parametrize("wanted,where", [(3, 2), (9, -1)])
def test_search(wanted, where):
    assert shapes.search([1, 2, 3], wanted) == where


def test_thread():
    assert shapes.in_thread(4) == 8


def test_fact_fails():
    assert shapes.fact(4) == 25


def test_late_import():
    from pkg.late import late
    assert late() == 2
''',
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def traced_tests(root: Path, out: Path, **kw) -> dict:
    proc = run_traced(root, out, PYTHONDONTWRITEBYTECODE="1", **kw)
    assert "1 failed, 7 passed" in proc.stdout, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert "error" not in data, data["error"]
    return data


def test_settrace_lines_equal_coverage_py(tmp_path):
    root = write(tmp_path / "shapes", SHAPES)
    reference = traced_tests(root, tmp_path / "coverage.json", REMEDY_COVERAGE_TRACER="coverage")
    assert reference["tracer"] == "coverage.py"
    own = traced_tests(root, tmp_path / "own.json", REMEDY_COVERAGE_TRACER="remedy")
    assert own["tracer"] == ("sys.monitoring" if sys.version_info >= (3, 12) else "settrace")
    assert own["tests"] == reference["tests"]
    lines = own["tests"]["tests/test_shapes.py::test_thread"]["lines"]["pkg/shapes.py"]
    assert SHAPES["pkg/shapes.py"].splitlines().index("    worker = threading.Thread(target=lambda: "
                                                      "out.append(x * 2))") + 1 in lines
    assert own["tests"]["tests/test_shapes.py::test_late_import"]["lines"]["pkg/late.py"] == [1, 4, 5]


def _interpreter(*minors: int) -> str | None:
    """A Python 3.<minor> of this machine that runs (not a version manager's shim that refuses)."""
    for minor in minors:
        if sys.version_info[:2] == (3, minor):
            return sys.executable
        found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/3.{minor}.*/bin/python3")))
        for python in [*found, shutil.which(f"python3.{minor}")]:
            if python and subprocess.run([python, "-c", "pass"], capture_output=True,
                                         timeout=60).returncode == 0:
                return python
    return None


def test_sys_monitoring_lines_equal_coverage_py(tmp_path):
    python = _interpreter(*range(12, 16))      # sys.monitoring
    if python is None:
        pytest.skip("no Python 3.12+ on this machine")
    root = write(tmp_path / "shapes", SHAPES)
    reference = traced_tests(root, tmp_path / "coverage.json", REMEDY_COVERAGE_TRACER="coverage")
    venv = venv_with_only_pytest(tmp_path / "venv", python)
    own = traced_tests(root, tmp_path / "own.json", python=str(venv))
    assert own["tracer"] == "sys.monitoring"
    assert own["tests"] == reference["tests"]


def test_past_the_budget_tests_run_untraced_but_never_the_focus(tmp_path):
    root = write(tmp_path / "shapes", SHAPES)
    focus = ["tests/test_shapes.py::test_fact_fails", "tests/test_shapes.py::test_search"]
    for tracer in ("coverage", "remedy"):
        data = traced_tests(root, tmp_path / f"{tracer}.json", REMEDY_COVERAGE_TRACER=tracer,
                            REMEDY_COVERAGE_BUDGET="0", REMEDY_COVERAGE_FOCUS=json.dumps(focus))
        tests = data["tests"]
        traced = sorted(k for k, v in tests.items() if v.get("traced", True))
        assert traced == ["tests/test_shapes.py::test_fact_fails",
                          "tests/test_shapes.py::test_search[3-2]",
                          "tests/test_shapes.py::test_search[9--1]"], tracer
        assert all(v["lines"] == {} for k, v in tests.items() if k not in traced), tracer
        fact = tests["tests/test_shapes.py::test_fact_fails"]
        body = SHAPES["pkg/shapes.py"].splitlines().index("    return 1 if n <= 1 else n * fact(n - 1)") + 1
        assert fact["outcome"] == "failed" and fact["lines"] == {"pkg/shapes.py": [body]}, tracer


def test_the_files_pytest_collects_tests_from_are_never_recorded(tmp_path):
    """`python_files = checks_*.py`: a test module that no naming rule of Remedy's would know."""
    root = write(tmp_path / "proj", {
        "pytest.ini": "[pytest]\npython_files = checks_*.py\npythonpath = .\n",
        "calc.py": "def add(a, b):\n    return a - b\n",
        "checks_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    })
    for tracer in ("coverage", "remedy"):
        out = tmp_path / f"{tracer}.json"
        proc = run_traced(root, out, REMEDY_COVERAGE_TRACER=tracer)
        assert "1 failed" in proc.stdout, proc.stdout + proc.stderr
        data = json.loads(out.read_text())
        assert data["test_files"] == ["checks_calc.py"], tracer
        assert data["tests"] == {"checks_calc.py::test_add": {"outcome": "failed",
                                                              "lines": {"calc.py": [2]}}}, tracer


def test_the_tracer_module_runs_on_python_3_8(tmp_path):
    """The oldest interpreter the plugin supports, where this machine has it (no pytest needed)."""
    python = _interpreter(8)
    if python is None:
        pytest.skip("no Python 3.8 on this machine")
    from agent.localize import PLUGIN_DIR
    script = ("import remedy_tracer, sys\n"
              "def f(x):\n    y = x + 1\n    return y\n"
              "t = remedy_tracer.start_tracer(lambda name: name == __file__)\n"
              "t.switch(); f(1); lines = t.switch(); t.stop()\n"
              "print(t.kind, sorted(l for _, l in lines))\n")
    (tmp_path / "probe.py").write_text(script)
    done = subprocess.run([python, str(tmp_path / "probe.py")], capture_output=True, text=True,
                          env={"PYTHONPATH": str(PLUGIN_DIR), "PATH": os.environ.get("PATH", "")},
                          timeout=60)
    assert done.stdout.split() == ["settrace", "[3,", "4]"], done.stdout + done.stderr


def test_a_run_killed_before_its_end_still_tells_what_its_finished_tests_ran(tmp_path):
    from agent.localize import read_coverage

    root = write(tmp_path / "proj", {
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "calc.py": "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n",
        "tests/test_calc.py": ("import os, signal\nfrom calc import add, mul\n\n\n"
                               "def test_add():\n    assert add(2, 3) == 5\n\n\n"
                               "def test_mul():\n    assert mul(2, 3) == 6\n\n\n"
                               "def test_killed():\n    os.kill(os.getpid(), signal.SIGKILL)\n"),
    })
    out = tmp_path / "cov.json"
    proc = run_traced(root, out, REMEDY_COVERAGE_TRACER="remedy")
    assert proc.returncode == -9 and not out.exists(), proc.stdout + proc.stderr
    data = read_coverage(out)
    assert data["test_files"] == ["tests/test_calc.py"] and data["tracer"] in ("settrace", "sys.monitoring")
    assert data["tests"] == {
        "tests/test_calc.py::test_add": {"outcome": "failed", "lines": {"calc.py": [2]}},
        "tests/test_calc.py::test_mul": {"outcome": "passed", "lines": {"calc.py": [6]}}}
    assert run_traced(root, out, "-k", "not killed", REMEDY_COVERAGE_TRACER="remedy").returncode == 1
    assert out.exists() and not (tmp_path / "cov.json.partial").exists()
