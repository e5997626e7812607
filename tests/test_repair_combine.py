"""Multi-edit repair: how far a failed comparison moved (agent.progress), which candidates pair and
triple up (agent.generate.combine), and the swapped-arguments-between-calls template."""
from __future__ import annotations

import textwrap

import pytest

from agent.progress import comparison_distance, moved_closer
from agent.generate.combine import Partial, combine_partials
from agent.diff import apply_edits
from agent.generate.generator import generate_candidates
from agent import types
from agent.types import Candidate, Edit, Frame, Outcome, SuspiciousLine

T = "tests/test_w.py::test_w"


def _failed(message: str, line: int = 5) -> types.TestResult:
    return types.TestResult(T, Outcome.FAILED, message, (Frame("tests/test_w.py", line, "test_w"),))


def test_comparison_distance_reads_pytest_and_unittest_messages():
    assert comparison_distance("assert [3, 5] == [3, 5, 7]\n  At index") < \
        comparison_distance("assert [1, 2] == [3, 5, 7]")
    assert comparison_distance("assert (3 + 1) == 7") < comparison_distance("assert (3 + 0) == 7")
    assert comparison_distance("AssertionError: 'abc' != 'abd'\n- abc") < \
        comparison_distance("AssertionError: 'xyz' != 'abd'")
    assert comparison_distance("AssertionError: Lists differ: [1, 2] != [1, 3]") is not None
    assert comparison_distance("ValueError: bad input") is None
    assert comparison_distance("assert 3 < 2") is None


def test_moved_closer_same_assertion_nearer_or_a_later_assertion():
    before = _failed("assert (14, 76) == (70, 20)")
    assert moved_closer(before, _failed("assert (70, 76) == (70, 20)"))
    assert not moved_closer(before, _failed("assert (14, 99) == (70, 20)"))
    assert moved_closer(before, _failed("assert 1 == 2", line=7))          # got past line 5
    assert not moved_closer(before, _failed("TypeError: unsupported", line=3))
    passed = types.TestResult(T, Outcome.PASSED)
    assert not moved_closer(before, passed)


SRC = b"def f(a, b):\n    x = a + 1\n    y = b + 1\n    return x, y\n"


def _cand(old: bytes, new: str, line: int) -> Candidate:
    start = SRC.index(old)
    return Candidate((Edit("m.py", start, start + len(old), new),), "literal.replace", "m.py", line,
                     f"line {line}: {new}", id=new)


def test_pairs_need_progress_and_disjoint_lines_and_come_best_first():
    x, y, y2 = _cand(b"a + 1", "a + 2", 2), _cand(b"b + 1", "b + 2", 3), _cand(b"b + 1", "b + 3", 3)
    idle = _cand(b"return x, y", "return y, x", 4)
    partials = [Partial(x, closer=frozenset({T}), order=0), Partial(y, toward=True, order=1),
                Partial(y2, passed=frozenset({"t2"}), order=2), Partial(idle, order=3)]
    pairs = combine_partials(partials, {"m.py": SRC})
    described = [c.candidate.description for c in pairs]
    assert described == ["line 3: b + 3; line 2: a + 2", "line 2: a + 2; line 3: b + 2"]
    assert all(c.candidate.template == "combined" and len(c.candidate.edits) == 2 for c in pairs)
    assert apply_edits({"m.py": SRC}, pairs[1].candidate.edits)["m.py"] == SRC.replace(b"a + 1", b"a + 2").replace(b"b + 1", b"b + 2")
    assert {p.id for p in pairs[1].parts} == {"a + 2", "b + 2"}


def test_parts_that_pass_the_same_targets_are_not_paired():
    x, y = _cand(b"a + 1", "a + 2", 2), _cand(b"b + 1", "b + 2", 3)
    same = frozenset({T})
    assert combine_partials([Partial(x, passed=same), Partial(y, passed=same)], {"m.py": SRC}) == []


def test_triples_combine_three_lines():
    x, y, z = _cand(b"a + 1", "a + 2", 2), _cand(b"b + 1", "b + 2", 3), _cand(b"x, y", "x, y, 0", 4)
    triples = combine_partials([Partial(c, toward=True, order=i) for i, c in enumerate((x, y, z))],
                               {"m.py": SRC}, size=3)
    assert len(triples) == 1 and len(triples[0].candidate.edits) == 3


def test_arguments_swapped_between_calls_on_neighbouring_lines():
    src = textwrap.dedent("""\
        def place(x, y, w, h):
            left = clamp(y, 0, W - w)
            top = clamp(x, 0, H - h)
            return left, top
        """).encode()
    cands = generate_candidates({"m.py": src}, [SuspiciousLine("m.py", 2, 1.0)], max_candidates=1000)
    across = {apply_edits({"m.py": src}, c.edits)["m.py"].decode() for c in cands
              if c.template == "swap.arguments_across"}
    text = src.decode()
    assert text.replace("clamp(y", "clamp(#").replace("clamp(x", "clamp(y").replace("clamp(#", "clamp(x") in across
    assert text.replace("W - w", "#").replace("H - h", "W - w").replace("#", "H - h") in across
    assert text.replace("W - w", "H - w").replace("H - h", "W - h") in across       # one name each
    assert all(len(c.edits) == 2 for c in cands if c.template == "swap.arguments_across")


def test_a_callee_swapped_between_branches():
    src = textwrap.dedent("""\
        def search(sets, mode):
            if mode == "and":
                result = set.union(*sets)
            elif mode == "or":
                result = set.intersection(*sets)
            return result
        """).encode()
    cands = generate_candidates({"m.py": src}, [SuspiciousLine("m.py", 3, 1.0)], max_candidates=1000)
    text = src.decode()
    fixed = text.replace("union", "#").replace("intersection", "union").replace("#", "intersection")
    assert fixed in {apply_edits({"m.py": src}, c.edits)["m.py"].decode() for c in cands
                     if c.template == "swap.arguments_across"}


def test_calls_that_are_not_neighbours_or_differ_in_shape_are_left_alone():
    src = b"def f(a, b, c):\n    x = g(a)\n    u = k(a, b, c)\n    v = 2\n    z = g(b)\n    return x, u, z\n"
    cands = generate_candidates({"m.py": src}, [SuspiciousLine("m.py", 2, 1.0)], max_candidates=1000)
    assert not [c for c in cands if c.template == "swap.arguments_across"]


@pytest.mark.skipif("compared" not in types.TestResult.__dataclass_fields__,
                    reason="the report does not capture compared values")
def test_moved_closer_prefers_the_captured_reprs():
    def failed(left: str) -> types.TestResult:
        return types.TestResult(T, Outcome.FAILED, "assert [...] == [...]",
                                (Frame("tests/test_w.py", 5, "test_w"),), compared=(left, "[3, 5, 7]"))
    assert moved_closer(failed("[1, 2]"), failed("[3, 5]"))
    assert not moved_closer(failed("[3, 5]"), failed("[1, 2]"))
