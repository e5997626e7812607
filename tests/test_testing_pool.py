"""ValidationPool: concurrent validations through warm workers, the subprocess fallback, and a
sandbox that bad candidates cannot escape or poison."""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agent.errors import BadInput
from agent.testing.pool import ValidationPool
from agent.testing.runner import PytestRunner
from agent.types import Outcome

ROOT = Path(__file__).parent / "fixtures" / "runner_warm"
GEOMETRY = (ROOT / "pkg" / "geometry.py").read_text()
TESTS = ["tests/test_geometry.py", "tests/test_hang.py"]


def fingerprint(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def pool():
    runner = PytestRunner(timeout=5, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    with ValidationPool(ROOT, TESTS, runner, workers=2) as p:
        yield p


def candidate(old: str, new: str) -> dict[str, bytes]:
    return {"pkg/geometry.py": GEOMETRY.replace(old, new, 1).encode()}


def test_concurrent_validations(pool):
    cands = [candidate("return w * h\n", "return w + h\n"), candidate("2 * (w + h)", "(w + h) * 2"),
             candidate("SCALE = 2", "SCALE = 5"), {}] * 2
    before = pool.fast_path_hits
    with ThreadPoolExecutor(4) as ex:
        reports = list(ex.map(lambda c: pool.validate(c, TESTS), cands))
    assert [r.all_ok for r in reports] == [False, True, True, True] * 2
    area = reports[0].outcome_of("tests/test_geometry.py::test_area")
    assert area is Outcome.FAILED
    assert pool.fast_path_hits - before == len(cands)


def test_conftest_patch_uses_the_subprocess_fallback(pool):
    conftest = (ROOT / "conftest.py").read_text().replace("Rect(2, 3)", "Rect(3, 3)")
    before = (pool.fallbacks, pool.tests_run)
    report = pool.validate({"conftest.py": conftest.encode()}, ["tests/test_geometry.py::test_rect"])
    assert pool.fallbacks == before[0] + 1 and pool.tests_run == before[1] + 1
    assert report.outcome_of("tests/test_geometry.py::test_rect") is Outcome.FAILED
    assert pool.validate({}, ["tests/test_geometry.py::test_rect"]).all_ok   # copy restored


def test_destructive_candidate_cannot_touch_the_root(pool, tmp_path):
    before = fingerprint(ROOT)
    vandal = candidate("return w * h\n", (
        "import os, pathlib, shutil\n"
        "    here = pathlib.Path(__file__).resolve().parent\n"
        "    shutil.rmtree(here.parent / 'tests')\n"
        "    (here / 'lazy.py').write_text('broken(')\n"
        "    return w * h\n"))
    for files in (vandal, {**vandal, "conftest.py": (ROOT / "conftest.py").read_bytes() + b"\n"}):
        pool.validate(files, ["tests/test_geometry.py::test_area"])
    with pytest.raises(BadInput):
        pool.validate({"../escaped.py": b"x = 1\n"}, ["tests/test_geometry.py::test_area"])
    with pytest.raises(BadInput):
        pool.validate({str(tmp_path / "abs.py"): b"x = 1\n"}, ["tests/test_geometry.py"])
    assert fingerprint(ROOT) == before
    assert not (ROOT.parent / "escaped.py").exists() and not (tmp_path / "abs.py").exists()
    for _ in range(2):                    # both slots healed: the full suite passes again
        assert pool.validate({}, TESTS).all_ok
