"""What a failing test's failed equality compared, for the report (imports nothing from `agent`).

pytest's message shortens each side of `assert a == b` to ~30 characters and unittest's to
`[N chars]`, so the repair templates that rewrite a literal towards the expected value get the
values here, as the reprs of both sides: from pytest's `pytest_assertrepr_compare` hook (called by
a rewritten `assert` that failed) and, for a `unittest.TestCase` method, from the locals `first`
and `second` of unittest's own `assertEqual` frames in the failure's traceback. Only plain data is
kept — strings, bytes, numbers, None, booleans and lists, tuples, dicts and sets of them, up to
`MAX_ITEMS` items and `MAX_REPR` characters a side — so taking a repr never runs the project's code.
"""
from __future__ import annotations

import os

MAX_REPR = 20000
MAX_ITEMS = 2000
_SCALARS = (str, bytes, int, float, bool, type(None))
_CONTAINERS = (list, tuple, dict, set, frozenset)
_EQUALS = frozenset({"assertEqual", "assertEquals", "failUnlessEqual", "_baseAssertEqual",
                     "assertMultiLineEqual", "assertSequenceEqual", "assertListEqual",
                     "assertTupleEqual", "assertDictEqual", "assertSetEqual"})
_UNITTEST_CASE = os.path.join("unittest", "case.py")


class Comparisons:
    """Per test, the (left, right) reprs of the failed `==` that failed it."""

    def __init__(self) -> None:
        self._test = ""
        self._seen: dict[str, list[str]] = {}

    def begin(self, nodeid: str) -> None:
        self._test = nodeid
        self._seen.pop(nodeid, None)

    def saw(self, op: str, left, right) -> None:
        """pytest's hook: a rewritten `assert left op right` failed."""
        if op == "==" and self._test:
            pair = _reprs(left, right)
            if pair is not None:
                self._seen[self._test] = pair

    def failed(self, nodeid: str, excinfo) -> None:
        """The call phase failed: a unittest `assertEqual` in its traceback says what it compared."""
        operands = unittest_operands(excinfo)
        pair = _reprs(*operands) if operands is not None else None
        if pair is not None:
            self._seen[nodeid] = pair

    def pop(self, nodeid: str) -> list[str] | None:
        return self._seen.pop(nodeid, None)


def unittest_operands(excinfo) -> tuple[object, object] | None:
    """(first, second) of the innermost unittest `assertEqual`-family frame of a failure."""
    tb = getattr(excinfo, "tb", None)
    frames: list = []
    while tb is not None and len(frames) < 200:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        code = frame.f_code
        if code.co_name in _EQUALS and code.co_filename.endswith(_UNITTEST_CASE):
            local = frame.f_locals
            if "first" in local and "second" in local:    # assertSequenceEqual's are seq1, seq2:
                return local["first"], local["second"]    # its caller's are the test's own
    return None


def _reprs(left, right) -> list[str] | None:
    if not (_plain(left) and _plain(right)):
        return None
    pair = [repr(left), repr(right)]
    return pair if all(len(r) <= MAX_REPR for r in pair) else None


def _plain(value) -> bool:
    """Plain data all the way down (exact types: a subclass may override __repr__)."""
    stack, seen = [value], 0
    while stack:
        v = stack.pop()
        seen += 1
        if seen > MAX_ITEMS:
            return False
        if type(v) in _SCALARS:
            continue
        if type(v) not in _CONTAINERS:
            return False
        stack.extend(v.items() if type(v) is dict else v)
    return True
