"""The warm worker must give the same answers as a fresh pytest run, survive bad candidates, and
decline (None) what it cannot hot-patch faithfully."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.sandbox.workspace import Sandbox
from agent.testing.runner import PytestRunner
from agent.testing.warm import WarmWorker
from agent.types import Outcome

ROOT = Path(__file__).parent / "fixtures" / "runner_warm"
FAST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
TESTS = ["tests/test_geometry.py", "tests/test_hang.py"]
GEOMETRY = (ROOT / "pkg" / "geometry.py").read_text()


def patched(old: str, new: str, source: str = GEOMETRY) -> bytes:
    assert old in source
    return source.replace(old, new, 1).encode()


@pytest.fixture(scope="module")
def runner() -> PytestRunner:
    return PytestRunner(timeout=4, env=FAST)


@pytest.fixture(scope="module")
def worker(runner):
    with Sandbox(ROOT) as sbx:
        w = WarmWorker(runner)
        assert w.start(sbx.path, TESTS), w.stderr_tail()
        yield w
        w.close()


def subprocess_report(runner, files, tests):
    with Sandbox(ROOT) as sbx:
        for rel, data in files.items():
            sbx.write(rel, data)
        return runner.run(sbx.path, tests)


def summary(report):
    """Results keyed by id; object addresses in messages differ between processes."""
    return {r.test_id: (r.outcome, re.sub(r"0x[0-9a-f]+", "0x", r.message), r.frames)
            for r in report.results}


CASES = {
    "from-import function, failing": {"pkg/geometry.py": patched("return w * h\n", "return w + h\n")},
    "function, still passing": {"pkg/geometry.py": patched("2 * (w + h)", "(w + h) * 2")},
    "class method and property": {"pkg/geometry.py": patched(
        "return area(self.w, self.h)", "return 0").replace(b"self.w == self.h", b"True")},
    "module constant": {"pkg/geometry.py": patched("SCALE = 2", "SCALE = 3").replace(
        b"self.w * SCALE, self.h * SCALE", b"self.w * SCALE, self.h")},
    "decorated, cached and lazily imported": {
        "pkg/geometry.py": patched("return w * h * d", "return w * h * d + 1").replace(
            b"return n * n", b"return n + n"),
        "pkg/lazy.py": b"def answer():\n    return 41\n"},
    "dataclass method": {"pkg/geometry.py": patched("return abs(self.x) + abs(self.y)",
                                                    "return abs(self.x) - abs(self.y)")},
}


@pytest.mark.parametrize("name", list(CASES))
def test_warm_results_equal_subprocess_results(worker, runner, name):
    files = CASES[name]
    warm = worker.run(files, TESTS)
    assert warm is not None, worker.fallback_reason
    cold = subprocess_report(runner, files, TESTS)
    assert summary(warm) == summary(cold)
    assert len(warm.results) == 8


def test_patch_effects_are_visible(worker):
    report = worker.run(CASES["module constant"], ["tests/test_geometry.py::test_scaled"])
    failed = report.results[0]
    assert failed.outcome is Outcome.FAILED and "assert 18 == ((6 * 3) * 3)" in failed.message
    baseline = worker.run({}, TESTS)
    assert baseline.all_ok and len(baseline.results) == 8       # each request starts clean


def test_infinite_loop_is_killed_and_worker_keeps_serving(worker):
    looping = {"pkg/geometry.py": patched("return w * h\n", "while True:\n        pass\n")}
    report = worker.run(looping, ["tests/test_hang.py::test_area_again"])
    assert report.timed_out and not report.all_ok
    assert [(r.test_id, r.outcome) for r in report.results] == [
        ("tests/test_hang.py::test_area_again", Outcome.TIMEOUT)]
    assert worker.run({}, ["tests/test_hang.py"]).all_ok


@pytest.mark.parametrize("body", ["import os; os._exit(3)", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"])
def test_crashing_child_is_reported_and_worker_survives(worker, body):
    crashing = {"pkg/geometry.py": patched("return w * h\n", f"{body}\n")}
    report = worker.run(crashing, ["tests/test_geometry.py::test_area"])
    assert report.results[0].outcome is Outcome.ERROR and not report.all_ok
    assert worker.alive and worker.run({}, ["tests/test_geometry.py::test_area"]).all_ok


@pytest.mark.parametrize("files", [
    {"conftest.py": (ROOT / "conftest.py").read_bytes() + b"\n"},
    {"tests/test_hang.py": b"def test_area_again():\n    assert False\n"},
    {"pkg/geometry.py": patched("class Rect(Shape):", "class Rect:")},
    {"pkg/geometry.py": patched("def perimeter(w, h):\n    return 2 * (w + h)\n", "")},
    {"pkg/new_module.py": b"X = 1\n"},
], ids=["conftest", "test-module", "class-bases", "removed-name", "new-file"])
def test_unsafe_patches_fall_back(worker, files):
    assert worker.run(files, TESTS) is None
    assert worker.fallback_reason
    assert worker.run({}, ["tests/test_hang.py"]).all_ok


def test_class_with_slots_keeps_working_on_old_instances():
    from agent.testing.plugin.remedy_hotpatch import Patcher

    def make(body):
        ns: dict = {}
        exec("class Node:\n    __slots__ = ('children', 'count')\n"
             "    def __init__(self):\n        self.children, self.count = {}, 0\n"
             f"    def leaf(self):\n        return {body}\n", ns)
        return ns["Node"]

    old, new = make("not self.children"), make("not self.children and self.count == 0")
    node = old()
    Patcher(".").patch_class(old, new)
    node.count = 1
    assert node.leaf() is False and old().leaf() is True


def _slow_to_patch_project(tmp_path: Path) -> Path:
    root = tmp_path / "slow_module"
    (root / "tests").mkdir(parents=True)
    # Re-executing this module body takes as long as a 50,000-line module's does, however right
    # the candidate is.
    (root / "big.py").write_text("import time\n\ntime.sleep(SLOW)\n\n\ndef total(values):\n"
                                 "    return -sum(values)\n".replace("SLOW", "0"))
    (root / "tests" / "test_big.py").write_text(
        "from big import total\n\n\ndef test_total():\n    assert total([1, 2, 3]) == 6\n")
    return root


def test_the_time_to_hot_patch_does_not_count_against_the_candidate(tmp_path):
    root = _slow_to_patch_project(tmp_path)
    runner = PytestRunner(timeout=20, env=FAST)
    runner.warm_timeout = 1.0
    with Sandbox(root) as sbx:
        w = WarmWorker(runner)
        assert w.start(sbx.path, ["tests/test_big.py"]), w.stderr_tail()
        try:
            fixed = (root / "big.py").read_text().replace("sleep(0)", "sleep(1.5)").replace("-sum", "sum")
            report = w.run({"big.py": fixed.encode()}, ["tests/test_big.py::test_total"])
            assert report is not None and not report.timed_out, w.fallback_reason
            assert [(r.test_id, r.outcome) for r in report.results] == [
                ("tests/test_big.py::test_total", Outcome.PASSED)]
            # A module body that never ends is still stopped, a little later.
            looping = fixed.replace("time.sleep(1.5)", "while True:\n    pass")
            report = w.run({"big.py": looping.encode()}, ["tests/test_big.py::test_total"])
            assert report is None or report.timed_out
        finally:
            w.close()
