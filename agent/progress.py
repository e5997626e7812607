"""Progress of a candidate that did not pass: did a failing target's failed comparison move towards
what the test expects? Read from the failure messages a validation's RunReport carries, against the
reproduced ones. Multi-edit repair (agent.generate.combine) pairs candidates that made progress.

A failure "moved closer" when, in the same test, it now fails at a later line of the test file (an
earlier assertion passes now), or at the same line with a comparison whose two sides are nearer
each other than they were: `assert actual == expected` (pytest) or `first != second` (unittest's
assertEqual; the distance is symmetric, so which side is expected does not matter). Values are
read back from their reprs (literals, with the arithmetic pytest shows, `(3 + 1)`): the whole reprs
when the report captured them (`TestResult.compared`), else those in the message; a repr that does
not read back (truncated, an object) is compared as text.
"""
from __future__ import annotations

import ast
import difflib
import math
import operator
import re
from collections.abc import Mapping

from .types import Frame, TestResult

__all__ = ["moved_closer", "comparison_distance"]

_PREFIX = re.compile(r"^(?:AssertionError: )?(?:(?:Lists|Tuples|Sequences|Sets|Items) differ: )?")
_MARGIN = 1e-9
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}


def moved_closer(before: TestResult, after: TestResult) -> bool:
    """True when `after` (the same test, still failing under a candidate) is nearer to passing than
    `before` (its reproduced failure)."""
    if after.outcome.ok or before.outcome.ok:
        return False
    was, now = _test_line(before), _test_line(after)
    if was is None or now is None or was.path != now.path:
        return False
    if now.line != was.line:
        return now.line > was.line
    old, new = _result_distance(before), _result_distance(after)
    return old is not None and new is not None and new < old - _MARGIN


def _result_distance(result: TestResult) -> float | None:
    pair: tuple[str, ...] = getattr(result, "compared", ())
    if len(pair) == 2:
        try:
            left, right = (ast.parse(side, mode="eval").body for side in pair)
        except (SyntaxError, ValueError, RecursionError):
            return 1.0 - difflib.SequenceMatcher(None, pair[0], pair[1]).ratio()
        return _sides_distance(left, right)
    return comparison_distance(result.message)


def _test_line(result: TestResult) -> Frame | None:
    """Where the test itself stopped: its deepest frame in the test's own file."""
    path = result.test_id.split("::")[0]
    inside = [f for f in result.frames if f.path == path]
    return inside[-1] if inside else None


def comparison_distance(message: str) -> float | None:
    """How far apart the two sides of the failed equality in `message` are (0 = equal); None when
    the message is not a failed equality."""
    first = _PREFIX.sub("", message.strip().split("\n", 1)[0]).strip()
    eq: type[ast.cmpop]
    if first.startswith("assert "):
        first, eq = first[len("assert "):], ast.Eq
    else:
        eq = ast.NotEq
    try:
        tree = ast.parse(first, mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.ops[0], eq)):
        return None
    return _sides_distance(tree.left, tree.comparators[0])


def _sides_distance(left: ast.expr, right: ast.expr) -> float:
    try:
        return _distance(_value(left), _value(right))
    except _Unreadable:
        return 1.0 - difflib.SequenceMatcher(None, ast.unparse(left), ast.unparse(right)).ratio()


class _Unreadable(Exception):
    pass


def _value(node: ast.expr):
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = _value(node.left), _value(node.right)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
            raise _Unreadable
        try:
            return _OPS[type(node.op)](a, b)
        except (ArithmeticError, ValueError):
            raise _Unreadable from None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise _Unreadable from None


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _distance(a, b) -> float:
    """In [0, 1]: 0 when equal, 1 when nothing alike."""
    if a == b:
        return 0.0
    if _number(a) and _number(b):
        if not (math.isfinite(a) and math.isfinite(b)):
            return 1.0
        return abs(a - b) / (abs(a) + abs(b))
    if isinstance(a, (str, bytes)) and type(a) is type(b):
        return 1.0 - difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        longest = max(len(a), len(b))
        return (sum(_distance(x, y) for x, y in zip(a, b)) + abs(len(a) - len(b))) / longest
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys = set(a) | set(b)
        return sum(_distance(a[k], b[k]) if k in a and k in b else 1.0 for k in keys) / len(keys)
    if isinstance(a, (set, frozenset)) and isinstance(b, (set, frozenset)):
        return len(a ^ b) / len(a | b)
    return 1.0
