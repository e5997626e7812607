"""PytestRunner against real pytest subprocesses on the fixture projects in tests/fixtures."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import processes_marked

from agent.errors import PytestMissing, UnknownTest
from agent.testing.runner import PytestRunner, check_pytest
from agent.types import Frame, Outcome

FIXTURES = Path(__file__).parent / "fixtures"
FAST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}     # the fixtures need no third-party plugins


@pytest.fixture(scope="module")
def runner() -> PytestRunner:
    return PytestRunner(timeout=20, env=FAST)


@pytest.fixture(scope="module")
def calc_report(runner):
    return runner.run(FIXTURES / "runner_basic", ["tests/test_calc.py"])


def by_id(report):
    return {r.test_id: r for r in report.results}


def test_structured_outcomes(calc_report):
    got = {tid.split("::", 1)[1]: r.outcome for tid, r in by_id(calc_report).items()}
    assert got == {
        "test_add": Outcome.PASSED, "test_mul": Outcome.FAILED,
        "test_clamp[1-1]": Outcome.PASSED, "test_clamp[20-10]": Outcome.PASSED,
        "test_clamp[5-6]": Outcome.FAILED, "TestKinds::test_raises": Outcome.FAILED,
        "TestKinds::test_skipped": Outcome.SKIPPED, "TestKinds::test_xfail": Outcome.XFAILED,
        "TestKinds::test_fixture_error": Outcome.ERROR,
    }
    assert calc_report.exit_code == 1 and not calc_report.timed_out and not calc_report.all_ok


def test_assertion_message_and_frames(calc_report):
    mul = by_id(calc_report)["tests/test_calc.py::test_mul"]
    assert mul.message.startswith("assert 7 == 12")
    assert "where 7 = mul(3, 4)" in mul.message
    assert mul.frames == (Frame("tests/test_calc.py", 11, "test_mul"),)
    assert mul.duration > 0


def test_exception_and_fixture_error_messages(calc_report):
    results = by_id(calc_report)
    assert results["tests/test_calc.py::TestKinds::test_raises"].message == "ValueError: bad value"
    err = results["tests/test_calc.py::TestKinds::test_fixture_error"]
    assert err.message == "RuntimeError: fixture exploded"
    assert err.frames[-1] == Frame("tests/test_calc.py", 37, "broken")


def test_frames_reach_project_code(runner, tmp_path):
    (tmp_path / "mod.py").write_text("def f(x):\n    return 1 / x\n")
    (tmp_path / "test_m.py").write_text("from mod import f\n\ndef test_f():\n    f(0)\n")
    result = runner.run(tmp_path, ["test_m.py::test_f"]).results[0]
    assert result.message == "ZeroDivisionError: division by zero"
    assert [(f.path, f.line) for f in result.frames] == [("test_m.py", 4), ("mod.py", 2)]


def test_hanging_test_is_killed_with_everything_it_started(tmp_path):
    marker = f"remedy-hang-{uuid.uuid4().hex}"
    runner = PytestRunner(timeout=4, env={**FAST, "REMEDY_TEST_MARKER": marker})
    started = time.monotonic()
    report = runner.run(FIXTURES / "runner_basic", ["tests/test_hang.py"])
    assert time.monotonic() - started < 15
    assert report.timed_out and not report.all_ok
    outcomes = {r.test_id: r.outcome for r in report.results}
    assert outcomes == {"tests/test_hang.py::test_quick": Outcome.PASSED,
                        "tests/test_hang.py::test_hangs": Outcome.TIMEOUT}
    deadline = time.monotonic() + 5
    while processes_marked(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not processes_marked(marker)


def test_collection_error_names_file_and_line(runner):
    report = runner.run(FIXTURES / "runner_broken", ["tests"])
    assert len(report.collection_errors) == 1
    assert report.collection_errors[0].startswith("tests/test_bad.py:4: SyntaxError")
    assert not report.all_ok


def test_no_tests_collected(runner):
    report = runner.run(FIXTURES / "runner_empty", ["tests"])
    assert report.no_tests and report.results == [] and report.exit_code == 5


def test_collect_expands_and_validates_ids(runner):
    root = FIXTURES / "runner_basic"
    ids = runner.collect(root, ["tests/test_calc.py::test_clamp", "tests/test_calc.py::TestKinds"])
    assert ids[:3] == ["tests/test_calc.py::test_clamp[1-1]", "tests/test_calc.py::test_clamp[20-10]",
                       "tests/test_calc.py::test_clamp[5-6]"]
    assert len(ids) == 7
    with pytest.raises(UnknownTest, match="tests/test_calc.py::test_nope"):
        runner.collect(root, ["tests/test_calc.py::test_add", "tests/test_calc.py::test_nope"])
    with pytest.raises(UnknownTest, match="tests/test_missing.py"):
        runner.collect(root, ["tests/test_missing.py::test_x"])


def test_pytest_missing(tmp_path):
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    with pytest.raises(PytestMissing, match=f"pytest is not installed for {python}"):
        check_pytest(python)
    with pytest.raises(PytestMissing):
        PytestRunner(python=python).collect(FIXTURES / "runner_basic", ["tests"])
    check_pytest(sys.executable)


def test_async_plugins_are_left_out_only_for_projects_without_async_tests(tmp_path):
    """On Remedy's own interpreter the async plugins its dependencies bring cost every pytest start
    a third of a second; they are kept the moment the tests or the pytest config mention async."""
    import sys

    from agent.testing.runner import _without_own_tooling

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_a():\n    assert True\n")
    args = _without_own_tooling(sys.executable, tmp_path, ["tests/test_a.py"])
    assert "no:asyncio" in args and "no:anyio" in args and "no:pytest-lsp" in args
    (tmp_path / "tests" / "conftest.py").write_text("import asyncio\n")
    assert "no:asyncio" not in _without_own_tooling(sys.executable, tmp_path, ["tests/test_a.py"])
    (tmp_path / "tests" / "conftest.py").unlink()
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\nasyncio_mode = 'auto'\n")
    assert "no:asyncio" not in _without_own_tooling(sys.executable, tmp_path, ["tests/test_a.py"])
    (tmp_path / "pyproject.toml").unlink()
    project = tmp_path / "inner" / "project"           # a configuration above the project counts too
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_a.py").write_text("def test_a():\n    assert True\n")
    assert "no:asyncio" in _without_own_tooling(sys.executable, project, ["tests/test_a.py"])
    (tmp_path / "inner" / "tox.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    assert "no:asyncio" not in _without_own_tooling(sys.executable, project, ["tests/test_a.py"])
    assert _without_own_tooling("/usr/bin/python3-elsewhere", tmp_path, ["tests/test_a.py"]) == ()
