"""What a failed equality compared: pairs of an actual and an expected value that are strings, bytes
or numbers, the containers around them paired element by element (`assert f(x) == ["a", "b-c"]`
gives the one pair that differs).

The values come from the report plugin's capture when the failing test has one
(`TestResult.compared`: the reprs of both sides of a failed `assert a == b` or `assertEqual(a, b)`),
else from the failure message: pytest's `assert X == Y` and unittest's `X != Y` first lines, whose
reprs are refused where they were elided (pytest shortens a repr past ~30 characters, unittest
writes `[N chars]`), and the `- `/`+ ` lines of their text diffs. The left side is taken to be the
actual value, as in `assert f(x) == 3` and `assertEqual(f(x), 3)`; the flipped pairs follow, for
tests written the other way round.
"""
from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeGuard

__all__ = ["Mismatch", "mismatches", "Scalar"]

Scalar = str | bytes | int | float
MAX_PAIRS = 8
_ELIDED_AT = 28            # pytest's summary reprs are cut to (80 - 15 - 2 - 2) // 2 = 31 characters
_UNITTEST_SHORT = re.compile(r"\[\d+ chars\]")
_ASSERT_LINE = re.compile(r"^(?:E\s+)?(?:AssertionError: )?assert (.+)$")
_UNITTEST_LINE = re.compile(r"^(?:AssertionError: |At index \d+ diff: )?(.+ != .+?)(?: : .*)?$")


@dataclass(frozen=True)
class Mismatch:
    actual: Scalar
    expected: Scalar

    @property
    def is_text(self) -> bool:
        return isinstance(self.actual, (str, bytes)) and type(self.actual) is type(self.expected)

    @property
    def is_number(self) -> bool:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   for v in (self.actual, self.expected))

    def texts(self) -> tuple[str, str]:
        """Both values as text (bytes read as Latin-1, numbers as their repr)."""
        return _as_text(self.actual), _as_text(self.expected)


def mismatches(message: str, compared: Iterable[Sequence[str]] = ()) -> tuple[Mismatch, ...]:
    """The scalar pairs of the failed comparisons, captured ones first, each as (left, right) and
    then flipped; at most MAX_PAIRS."""
    found: list[Mismatch] = []
    for pair in compared:
        if len(pair) == 2:
            values = [_literal(text) for text in pair]
            if all(v is not _NONE for v in values):
                found += _leaves(values[0], values[1])
    if not found:
        found += _from_message(message)
    out: list[Mismatch] = []
    for m in [*found, *(Mismatch(m.expected, m.actual) for m in found)]:
        if m not in out:
            out.append(m)
    return tuple(out[:MAX_PAIRS])


_NONE = object()


def _literal(text: str) -> object:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NONE
    return _NONE if _has_ellipsis(value) else value


def _has_ellipsis(value: object, depth: int = 0) -> bool:
    if value is Ellipsis:
        return True
    if depth > 4:
        return False
    if isinstance(value, dict):
        return any(_has_ellipsis(v, depth + 1) for v in (*value.keys(), *value.values()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_has_ellipsis(v, depth + 1) for v in value)
    return False


def _scalar(value: object) -> TypeGuard[str | bytes | int | float]:
    return isinstance(value, (str, bytes, int, float)) and not isinstance(value, bool)


def _leaves(a: object, b: object, depth: int = 0) -> list[Mismatch]:
    """The differing scalar pairs of two values, containers paired by position, key or order."""
    if a == b or depth > 3:
        return []
    if _scalar(a) and _scalar(b):
        same_kind = (isinstance(a, str) and isinstance(b, str)) or \
            (isinstance(a, bytes) and isinstance(b, bytes)) or \
            (not isinstance(a, (str, bytes)) and not isinstance(b, (str, bytes)))
        return [Mismatch(a, b)] if same_kind else []
    pairs: list[tuple[object, object]] = []
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        pairs = _paired_sequences(list(a), list(b))
    elif isinstance(a, dict) and isinstance(b, dict):
        pairs = [(a[k], b[k]) for k in a if k in b and a[k] != b[k]]
        extra_a = sorted((k for k in a if k not in b), key=repr)
        extra_b = sorted((k for k in b if k not in a), key=repr)
        if len(extra_a) == len(extra_b):
            pairs += list(zip(extra_a, extra_b))
    elif isinstance(a, (set, frozenset)) and isinstance(b, (set, frozenset)):
        only_a, only_b = sorted(a - b, key=repr), sorted(b - a, key=repr)
        if len(only_a) == len(only_b):
            pairs = list(zip(only_a, only_b))
    out: list[Mismatch] = []
    for x, y in pairs:
        out += _leaves(x, y, depth + 1)
        if len(out) >= MAX_PAIRS:
            break
    return out[:MAX_PAIRS]


def _paired_sequences(a: list, b: list) -> list[tuple[object, object]]:
    if len(a) == len(b):
        return [(x, y) for x, y in zip(a, b) if x != y]
    matcher = difflib.SequenceMatcher(None, [repr(x) for x in a], [repr(y) for y in b],
                                      autojunk=False)
    pairs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace":
            pairs += list(zip(a[i1:i2], b[j1:j2]))
    return pairs


def _from_message(message: str) -> list[Mismatch]:
    lines = message.splitlines()
    for i, line in enumerate(lines):
        line = line.strip()
        for pattern, op in ((_ASSERT_LINE, ast.Eq), (_UNITTEST_LINE, ast.NotEq)):
            m = pattern.match(line)
            if m is None:
                continue
            sides = _compare_operands(m.group(1), op)
            if sides is None:
                continue
            values = [_literal(s) for s in sides]
            if all(v is not _NONE for v in values) and not any(_elided(s) for s in sides):
                return _leaves(values[0], values[1])
            # pytest: "- expected" / "+ actual", indented; unittest (ndiff): "- first" / "+ second"
            pytest_style = op is ast.Eq
            diffed = _from_diff(lines[i + 1:], minus_is_left=not pytest_style,
                                indent=2 if pytest_style else 0)
            if diffed is not None:
                return [diffed]
    return []


def _compare_operands(expr: str, op: type) -> tuple[str, str] | None:
    try:
        tree = ast.parse(expr.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.ops[0], op)):
        return None
    left = ast.get_source_segment(expr.strip(), tree.left)
    right = ast.get_source_segment(expr.strip(), tree.comparators[0])
    return (left, right) if left is not None and right is not None else None


def _elided(repr_text: str | None) -> bool:
    if repr_text is None:
        return True
    return bool(_UNITTEST_SHORT.search(repr_text)) or (len(repr_text) >= _ELIDED_AT and "..." in repr_text)


def _from_diff(lines: list[str], minus_is_left: bool, indent: int) -> Mismatch | None:
    """A string pair rebuilt from a text diff's lines ("- ", "+ ", "  " context, "? " hints)."""
    minus: list[str] = []
    plus: list[str] = []
    for raw in lines:
        if indent and not raw.startswith(" " * indent):
            break
        line = raw[indent:]
        if not line.strip() and not minus and not plus:
            continue
        tag, body = line[:2], line[2:]
        if tag == "- ":
            minus.append(body)
        elif tag == "+ ":
            plus.append(body)
        elif tag == "  ":
            minus.append(body)
            plus.append(body)
        elif tag != "? " and line.strip() and minus and plus:
            break
    if not minus or not plus:
        return None
    a, b = "\n".join(minus), "\n".join(plus)
    if a == b:
        return None
    return Mismatch(a, b) if minus_is_left else Mismatch(b, a)


def _as_text(value: Scalar) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else repr(value)
