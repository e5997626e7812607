"""Spectrum building, statement normalization and Ochiai ranking on hand-made data."""
from __future__ import annotations

import json
import math

import pytest

from agent.localize import localize
from agent.localize.ochiai import frame_locations, ochiai, rank, traceback_proximity
from agent.localize.spectrum import StatementIndex, build_spectrum, load_coverage
from agent.project import is_source_file
from agent.types import Frame, Outcome, SuspiciousLine
from agent.types import TestResult as Result

MOD = '''\
def f(a,
      b):
    total = (a +
             b)
    if (a >
            b):
        total -= 1
    else:
        total += 1
    # a comment
    return total
'''


def failed(test_id, *frames):
    return Result(test_id, Outcome.FAILED, frames=tuple(Frame(p, n) for p, n in frames))


def test_ochiai_formula():
    assert ochiai(0, 5, 3) == 0.0
    assert ochiai(2, 0, 2) == 1.0
    assert ochiai(1, 3, 2) == pytest.approx(1 / math.sqrt(2 * 4))
    assert ochiai(3, 0, 0) == 0.0


def test_statement_index_maps_continuation_lines(tmp_path):
    (tmp_path / "m.py").write_text(MOD)
    idx = StatementIndex(tmp_path)
    assert [idx.normalize("m.py", n) for n in range(1, 12)] == [
        1, 1, 3, 3, 5, 5, 7, None, 9, None, 11]
    assert idx.is_statement("m.py", 5) and not idx.is_statement("m.py", 6)
    assert not idx.is_statement("m.py", 10)
    # an unreadable or unparsable file maps lines to themselves
    (tmp_path / "bad.py").write_text("def (:\n")
    assert idx.normalize("bad.py", 7) == 7 and idx.normalize("missing.py", 3) == 3


def test_source_files():
    assert is_source_file("pkg/mod.py") and is_source_file("mod.py")
    for p in ["/abs/mod.py", "../up.py", "tests/test_a.py", "pkg/conftest.py", "tests/util.py",
              ".venv/lib/python3.11/site-packages/x.py", "pkg/data.txt", "", "C:/x.py"]:
        assert not is_source_file(p), p


def test_build_spectrum_counts_normalizes_and_filters(tmp_path):
    (tmp_path / "m.py").write_text(MOD)
    tests = {
        "t::a": {"outcome": "failed", "lines": {"m.py": [3, 4, 5, 6, 7, 11],
                                                "tests/test_m.py": [1], "conftest.py": [2]}},
        "t::b": {"outcome": "passed", "lines": {"m.py": [3, 5, 9, 11]}},
        "t::c": {"outcome": "skipped", "lines": {"m.py": [9]}},
        "t::d": {"outcome": "xfailed", "lines": {"m.py": [3]}},
        "t::e": {"outcome": "failed", "lines": {}},      # observed nothing: not counted
    }
    sp = build_spectrum(tests, root=tmp_path)
    assert sp.failed_tests == ("t::a",) and sp.passed_tests == ("t::b", "t::d")
    assert sp.ef == {("m.py", 3): 1, ("m.py", 5): 1, ("m.py", 7): 1, ("m.py", 11): 1}
    assert sp.ep == {("m.py", 3): 2, ("m.py", 5): 1, ("m.py", 9): 1, ("m.py", 11): 1}
    # explicit failing ids: other failures are left out, not counted as passing
    sp2 = build_spectrum({**tests, "t::x": {"outcome": "failed", "lines": {"m.py": [9]}}},
                         failing=["t::a"], root=tmp_path)
    assert sp2.failed_tests == ("t::a",) and sp2.ep[("m.py", 9)] == 1 and ("m.py", 9) not in sp2.ef


def test_load_coverage_tolerates_missing_and_broken_files(tmp_path):
    assert load_coverage(None) == {} and load_coverage(tmp_path / "nope.json") == {}
    (tmp_path / "bad.json").write_text("{not json")
    assert load_coverage(tmp_path / "bad.json") == {}
    (tmp_path / "ok.json").write_text(json.dumps({"tests": {"t": {"outcome": "passed"}}}))
    assert load_coverage(tmp_path / "ok.json") == {"t": {"outcome": "passed"}}
    assert load_coverage({"tests": {"u": {}}}) == {"u": {}}


def test_frame_locations_deepest_first_project_only(tmp_path):
    (tmp_path / "m.py").write_text(MOD)
    r = failed("t::a", ("tests/test_m.py", 4), ("m.py", 4), ("/usr/lib/python3.11/x.py", 9),
               ("m.py", 6), ("m.py", 5))
    assert frame_locations(r, StatementIndex(tmp_path)) == [("m.py", 5), ("m.py", 3)]
    prox, depth = traceback_proximity([r, failed("t::b")], StatementIndex(tmp_path))
    assert prox == {("m.py", 5): 0.5, ("m.py", 3): 0.25} and depth == {("m.py", 5): 0, ("m.py", 3): 1}


def test_ranking_orders_by_score_then_proximity_then_file_order():
    tests = {"f1": {"outcome": "failed", "lines": {"b.py": [1, 2, 3], "a.py": [9]}},
             "p1": {"outcome": "passed", "lines": {"b.py": [1]}}}
    sp = build_spectrum(tests)
    plain = rank(sp, [failed("f1")], boost=0.0)
    assert plain == [SuspiciousLine("a.py", 9, 1.0), SuspiciousLine("b.py", 2, 1.0),
                     SuspiciousLine("b.py", 3, 1.0), SuspiciousLine("b.py", 1, round(1 / math.sqrt(2), 6))]
    # a tie in score is broken by traceback proximity: (b.py, 3) is the deepest frame
    tied = rank(sp, [failed("f1", ("b.py", 2), ("b.py", 3))], boost=0.0)
    assert [(s.path, s.line) for s in tied] == [("b.py", 3), ("b.py", 2), ("a.py", 9), ("b.py", 1)]
    boosted = rank(sp, [failed("f1", ("b.py", 1))], boost=0.3)
    assert (boosted[0].path, boosted[0].line) == ("b.py", 1)
    assert boosted[0].score == pytest.approx((1 / math.sqrt(2) + 0.3) / 1.3, abs=1e-6)
    assert all(0.0 < s.score <= 1.0 for s in boosted)
    assert len(rank(sp, [failed("f1")], limit=2)) == 2


def test_localize_without_coverage_ranks_frames_only(tmp_path):
    (tmp_path / "m.py").write_text(MOD)
    r = failed("tests/test_m.py::test_f", ("tests/test_m.py", 3), ("m.py", 11), ("m.py", 7))
    for cov in (None, tmp_path / "missing.json", {"tests": {}}):
        lines = localize(tmp_path, [r], cov)
        assert [(s.path, s.line) for s in lines] == [("m.py", 7), ("m.py", 11)]
        assert lines[0].score > lines[1].score
    assert localize(tmp_path, [failed("t")], None) == []
