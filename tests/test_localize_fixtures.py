"""End to end on fixture projects with known bugs: a real traced pytest run, then localize()."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from agent.localize import coverage_run_options, localize
from agent.project import is_test_code
from agent.testing.runner import PytestRunner
from agent.types import Frame, Outcome
from agent.types import TestResult as Result

FIXTURES = Path(__file__).parent / "fixtures"


def traced_project(tmp_path_factory, name: str):
    """Copy a fixture project and run its whole suite once through PytestRunner with the
    coverage plugin; returns (root, RunReport, coverage JSON)."""
    root = tmp_path_factory.mktemp("loc") / name
    shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns("__pycache__"))
    out = root.parent / "coverage.json"
    plugins, paths, env = coverage_run_options(out)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"   # the fixtures need no third-party plugin
    report = PytestRunner(sys.executable, [], 60).run(root, [], extra_plugins=plugins,
                                                       plugin_paths=paths, env=env,
                                                       writable=(out.parent,))
    assert not report.timed_out
    return root, report, json.loads(out.read_text())


def line_of(root: Path, rel: str, text: str) -> int:
    lines = (root / rel).read_text().splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if line.strip() == text]
    assert len(hits) == 1, (rel, text, hits)
    return hits[0]


@pytest.fixture(scope="module")
def branch(tmp_path_factory):
    return traced_project(tmp_path_factory, "localize_branch")


@pytest.fixture(scope="module")
def deep(tmp_path_factory):
    return traced_project(tmp_path_factory, "localize_deep")


def test_bug_in_a_branch_only_failing_tests_run_ranks_first(branch):
    root, report, cov = branch
    failing = report.failing
    # the parametrized node ids (spaces, brackets) match between the runner and the plugin
    assert [r.test_id for r in failing] == ["tests/test_pricing.py::test_bulk_order[ten x 10]",
                                           "tests/test_pricing.py::test_bulk_order[one x [20]]"]
    assert {r.test_id for r in report.results} == set(cov["tests"])
    lines = localize(root, failing, cov)
    bug = line_of(root, "shop/pricing.py", "total = total - 0.9")
    assert (lines[0].path, lines[0].line) == ("shop/pricing.py", bug)
    assert lines[0].score == pytest.approx(1.0 / 1.3)       # ef=2, ep=0, no project frame
    assert lines[1].score < lines[0].score
    # only statement lines of non-test files; the 2-line return is reported on its first line
    assert all(not is_test_code(s.path) for s in lines)
    found = {(s.path, s.line) for s in lines}
    ret = line_of(root, "shop/pricing.py", "return round(total,")
    assert ("shop/pricing.py", ret) in found and ("shop/pricing.py", ret + 1) not in found
    # code no failing test ran (shipping) is not suspicious at all
    assert all(s.line < line_of(root, "shop/pricing.py", "def shipping(total):") for s in lines)
    assert [s.score for s in lines] == sorted((s.score for s in lines), reverse=True)


def test_one_failing_test_selected_from_the_run(branch):
    root, report, cov = branch
    lines = localize(root, report.failing[1:], cov, limit=3)
    assert len(lines) == 3
    assert lines[0].line == line_of(root, "shop/pricing.py", "total = total - 0.9")


def test_traceback_boost_moves_the_deepest_project_frame_up(deep):
    root, report, cov = deep
    stats = "app/stats.py"
    bug = (stats, line_of(root, stats, "avg = mean(values)"))
    caller = (stats, line_of(root, stats, "return describe_empty(values)"))
    deepest = (stats, line_of(root, stats, "return sum(values) / len(values)"))
    [failed] = report.failing
    assert failed.test_id == "tests/test_report.py::test_render_empty_row"
    assert [(f.path, f.line) for f in failed.frames][-3:] == [caller, bug, deepest]

    no_frames = Result(failed.test_id, failed.outcome, failed.message)
    plain = [(s.path, s.line) for s in localize(root, [no_frames], cov)]
    tie_broken = [(s.path, s.line) for s in localize(root, [failed], cov, boost=0.0)]
    boosted = [(s.path, s.line) for s in localize(root, [failed], cov)]
    # without the traceback the bug ties with its caller at 1.0 and loses on file order; with
    # the frames but no boost, proximity breaks the tie; with the boost it wins on score
    assert plain[:2] == [caller, bug]
    assert tie_broken[:2] == [bug, caller]
    assert boosted[:2] == [bug, caller]
    # the deepest frame (shared with passing tests, so a low Ochiai score) moves up
    assert boosted.index(deepest) < plain.index(deepest)
    assert boosted.index(deepest) == 2
    assert all(not is_test_code(p) for p, _ in boosted)


def test_crash_at_import_falls_back_to_frames(tmp_path_factory):
    root, report, cov = traced_project(tmp_path_factory, "localize_import")
    assert report.collection_errors and cov["tests"] == {}   # no test ran, nothing traced
    bad = line_of(root, "app/settings.py", 'RETRIES = int(DEFAULTS["retry"])')
    # what the crash's traceback says (the session builds it from the collection error)
    crashed = Result("tests/test_settings.py", Outcome.ERROR,
                     frames=(Frame("tests/test_settings.py", 1, "<module>"),
                             Frame("app/settings.py", bad, "<module>")))
    lines = localize(root, [crashed], cov)
    assert [(s.path, s.line) for s in lines] == [("app/settings.py", bad)]
    assert lines[0].score > 0
