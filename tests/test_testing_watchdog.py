"""Where a hanging test was: a test past its limit is stopped and reported TIMEOUT with its hot
frames and "timed out after N s in f() at file:line", in a fresh pytest and in a warm worker; one
that cannot be stopped still says where it was when the run is killed; a RecursionError's
repeating frames are collapsed. Projects are hand-made in tmp_path."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from agent.sandbox.workspace import Sandbox
from agent.reproduce import reproduction_timeouts, validation_timeouts
from agent.testing.report import PLUGIN_DIR
from agent.testing.runner import PytestRunner
from agent.testing.warm import WarmWorker
from agent.types import Outcome, RunReport
from agent.types import TestResult as Result

sys.path.insert(0, str(PLUGIN_DIR))
import remedy_watchdog  # noqa: E402  (a plugin module: it lives on the test run's PYTHONPATH)

FAST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
SPIN = '''\
def spin(n):
    total = 0
    while n > 0:
        total += n
        n += 1
    return total


def swallow():
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass


def depth(items):
    return 1 + depth(items[1:])
'''
TESTS = '''\
from mod import depth, spin, swallow


def test_spins():
    assert spin(3) == 6


def test_after_the_hang():
    assert spin(0) == 0


def test_recursion():
    assert depth([1, 2]) == 2


def test_swallows():
    swallow()
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mod.py").write_text(SPIN)
    (tmp_path / "test_mod.py").write_text(TESTS)
    return tmp_path


def _by_id(report: RunReport) -> dict[str, Result]:
    return {r.test_id.split("::")[1]: r for r in report.results}


def _lines(result: Result) -> list[int]:
    return [f.line for f in result.frames if f.path == "mod.py"]


def test_a_test_past_its_limit_is_stopped_where_it_hangs_and_the_run_goes_on(project):
    runner = PytestRunner(timeout=60, test_timeout=1.0, env=FAST)
    report = runner.run(project, ["test_mod.py::test_spins", "test_mod.py::test_after_the_hang"])
    assert not report.timed_out
    hung, after = _by_id(report)["test_spins"], _by_id(report)["test_after_the_hang"]
    assert hung.outcome is Outcome.TIMEOUT and after.outcome is Outcome.PASSED
    assert re.fullmatch(r"timed out after 1 s in spin\(\) at mod\.py:[345]", hung.message), hung.message
    assert set(_lines(hung)) == {3, 4, 5}            # the loop's lines, not the return after it
    assert hung.frames[0].path == "test_mod.py"      # outermost first, like a traceback


def test_the_warm_worker_stops_it_too_and_keeps_serving(project):
    runner = PytestRunner(timeout=60, warm_timeout=20, test_timeout=1.0, env=FAST)
    with Sandbox(project) as sbx:
        worker = WarmWorker(runner)
        assert worker.start(sbx.path, ["test_mod.py"]), worker.stderr_tail()
        try:
            report = worker.run({}, ["test_mod.py::test_spins"])
            assert report is not None and not report.timed_out
            hung = report.results[0]
            assert hung.outcome is Outcome.TIMEOUT and "in spin() at mod.py:" in hung.message
            assert set(_lines(hung)) == {3, 4, 5}
            fixed = SPIN.replace("n += 1", "n -= 1").encode()
            assert worker.run({"mod.py": fixed}, ["test_mod.py::test_spins"]).all_ok
        finally:
            worker.close()


def test_a_hang_that_swallows_the_stop_still_says_where_it_was_when_killed(project):
    runner = PytestRunner(timeout=8, test_timeout=1.0, env=FAST)
    report = runner.run(project, ["test_mod.py::test_swallows"])
    assert report.timed_out
    hung = report.results[0]
    assert hung.outcome is Outcome.TIMEOUT
    assert re.fullmatch(r"timed out after [\d.]+ s in swallow\(\) at mod\.py:1[0-5] \(killed with the run\)",
                        hung.message)
    assert _lines(hung) and set(_lines(hung)) <= {10, 11, 12, 13, 14, 15}


def test_recursion_error_frames_are_collapsed_and_named(project):
    runner = PytestRunner(timeout=60, test_timeout=5.0, env=FAST)
    report = runner.run(project, ["test_mod.py::test_recursion"])
    failed = report.results[0]
    assert failed.outcome is Outcome.FAILED and failed.message.startswith("RecursionError")
    assert failed.message.endswith("(recursing in depth() at mod.py:19)")
    assert [(f.path, f.line) for f in failed.frames] == [("test_mod.py", 13), ("mod.py", 19)]


def test_hot_frames_put_the_running_lines_below_their_callers_hottest_last():
    test, call, loop, body = ("t.py", 3, "test"), ("m.py", 9, "f"), ("m.py", 4, "g"), ("m.py", 5, "g")
    samples = [(test, call, call, loop), (test, call, call, body), (test, call, call, loop)]
    assert remedy_watchdog.hot_frames(samples) == [list(test), list(call), list(body), list(loop)]
    # a line trace burst outranks the samples; lines that ran about as often go by the samples
    traced = {body: 400, loop: 401, call: 3}
    assert remedy_watchdog.hot_frames(samples, traced) == [list(test), list(call), list(body), list(loop)]
    assert remedy_watchdog.collapse([test, call, loop, call, loop, body]) == [list(test), list(call),
                                                                              list(loop), list(body)]


def test_validation_limits_follow_the_passing_tests():
    report = RunReport(results=[Result("t/test_a.py::quick", Outcome.PASSED, duration=0.01),
                                Result("t/test_a.py::slow", Outcome.PASSED, duration=0.4),
                                Result("t/test_b.py::slower", Outcome.PASSED, duration=0.9),
                                Result("t/test_a.py::hangs", Outcome.TIMEOUT, duration=3.0)],
                       duration=5.0)
    failing = [report.results[3]]
    fresh, warm, test = validation_timeouts(report, 30.0, failing)
    assert test == pytest.approx(2.0)                 # five times the slowest passing run in test_a.py
    assert warm == pytest.approx(10 * 1.31 + 2)       # the hang's 3 s are not a measure of anything
    assert fresh == pytest.approx(2 * 2.0 + warm)     # plus twice the start-up (5 s less the hang)
    assert validation_timeouts(report, 30.0, [Result("t/test_c.py::x", Outcome.TIMEOUT)])[2] == \
        pytest.approx(4.5)                            # no passing test in its file: the slowest anywhere
    slow_failure = Result("t/test_a.py::fails", Outcome.FAILED, duration=3.0)
    assert validation_timeouts(report, 30.0, [slow_failure])[2] == pytest.approx(15.0)   # it ran that long
    quick = RunReport(results=[Result("a.py::t", Outcome.PASSED, duration=0.01)], duration=1.0)
    assert validation_timeouts(quick, 30.0, [])[2] == 1.0      # at least a second
    assert reproduction_timeouts(30.0, 30.0) == (15.0, 6.0)    # half the budget left to validate
    assert reproduction_timeouts(600.0, 30.0) == (30.0, 30.0)


def test_the_limit_grows_with_the_slow_passing_tests_of_the_run(tmp_path: Path):
    (tmp_path / "test_slow.py").write_text("import time\n\n\ndef test_a():\n    time.sleep(0.3)\n\n\n"
                                           "def test_b():\n    time.sleep(1.5)\n")
    report = PytestRunner(timeout=60, test_timeout=1.0, env=FAST).run(tmp_path, ["test_slow.py"])
    assert [r.outcome for r in report.results] == [Outcome.PASSED, Outcome.PASSED]
