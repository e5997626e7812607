"""Where a piece of the actual value lands in the expected one.

`Alignment(actual, expected)` diffs the two texts once, character by character (difflib, no junk
heuristic) where they are short; long ones lose their common head and tail first, and what is left
is diffed line by line and then character by character within each short changed stretch (a
quadratic diff of two 20 kB outputs would take longer than a session has). `targets(text)` finds
`text` in the actual value and, at each occurrence that touches a difference, reads what the
expected value holds there — with and without an insertion right at either end, since text the
expected value adds at a boundary may belong to the literal or to its neighbour. Occurrences in
unchanged stretches give nothing. Results come most frequent first, so a separator that is wrong
at every one of its occurrences says so by count.
"""
from __future__ import annotations

import difflib
from collections import Counter

from ..diff import common_ends

__all__ = ["Alignment", "changed_chars", "opcodes"]

MAX_OCCURRENCES = 64
CHAR_DIFF_LIMIT = 2000      # characters a side diffed character by character


class Alignment:
    def __init__(self, actual: str, expected: str) -> None:
        self.actual, self.expected = actual, expected
        self.ops = opcodes(actual, expected)
        self.changed = [(a1, a2) for tag, a1, a2, _, _ in self.ops if tag != "equal"]

    def targets(self, text: str) -> list[str]:
        """What `text`, where it occurs in the actual value, should read instead."""
        if not text:
            return self._insertions()
        found: Counter[str] = Counter()
        for start in self._occurrences(text):
            end = start + len(text)
            for lo in self._starts(start):
                for hi in self._ends(end):
                    if lo <= hi and self.expected[lo:hi] != text:
                        found[self.expected[lo:hi]] += 1
        return [t for t, _ in found.most_common()]

    def _occurrences(self, text: str) -> list[int]:
        """Where `text` occurs in the actual value touching a difference (searched only around
        the differences: a long output may hold it thousands of times elsewhere)."""
        found: dict[int, None] = {}
        for a1, a2 in self.changed:
            at = self.actual.find(text, max(0, a1 - len(text)))
            while at != -1 and at <= a2 and len(found) < MAX_OCCURRENCES:
                if self._touches(at, at + len(text)):
                    found[at] = None
                at = self.actual.find(text, at + 1)
        return sorted(found)

    def _touches(self, start: int, end: int) -> bool:
        """A difference overlaps [start, end) or is an insertion at one of its ends."""
        return any(a1 < end and start < a2 or (a1 == a2 and start <= a1 <= end)
                   for a1, a2 in self.changed)

    def _insertions(self) -> list[str]:
        found = Counter(self.expected[b1:b2] for tag, a1, a2, b1, b2 in self.ops if tag == "insert")
        return [t for t, _ in found.most_common()]

    def _starts(self, pos: int) -> list[int]:
        """Positions in the expected value where a span starting at `pos` may start: the mapped
        position, then one that takes in an insertion just before it."""
        out = []
        for tag, a1, a2, b1, b2 in self.ops:
            if tag == "insert" and a1 == pos:
                out.append(b1)
            elif a1 <= pos < a2 or (pos == a2 == len(self.actual) and tag != "insert"):
                out.insert(0, _mapped(tag, a1, a2, b1, b2, pos))
        return list(dict.fromkeys(out)) or [len(self.expected)]

    def _ends(self, pos: int) -> list[int]:
        """Positions where a span ending at `pos` may end: mapped, then past an insertion."""
        out = []
        for tag, a1, a2, b1, b2 in self.ops:
            if tag == "insert" and a1 == pos:
                out.append(b2)
            elif a1 < pos <= a2 or (pos == a1 == 0 and tag != "insert"):
                out.insert(0, _mapped(tag, a1, a2, b1, b2, pos))
        return list(dict.fromkeys(out)) or [0]


def opcodes(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes turning `a` into `b` (see the module docstring for how)."""
    if len(a) <= CHAR_DIFF_LIMIT and len(b) <= CHAR_DIFF_LIMIT:      # difflib's own placement
        return _middle(a, b, 0, len(a), 0, len(b))
    head, tail = common_ends(a, b)
    ops = [("equal", 0, head, 0, head)] if head else []
    ops += _middle(a, b, head, len(a) - tail, head, len(b) - tail)
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def _middle(a: str, b: str, a1: int, a2: int, b1: int, b2: int) -> list[tuple[str, int, int, int, int]]:
    if a2 - a1 <= CHAR_DIFF_LIMIT and b2 - b1 <= CHAR_DIFF_LIMIT:
        matcher = difflib.SequenceMatcher(None, a[a1:a2], b[b1:b2], autojunk=False)
        return [(tag, i1 + a1, i2 + a1, j1 + b1, j2 + b1) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    lines_a, lines_b = a[a1:a2].splitlines(keepends=True), b[b1:b2].splitlines(keepends=True)
    starts_a, starts_b = _starts(lines_a, a1), _starts(lines_b, b1)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, lines_a, lines_b).get_opcodes():
        x1, x2, y1, y2 = starts_a[i1], starts_a[i2], starts_b[j1], starts_b[j2]
        if tag == "replace" and x2 - x1 <= CHAR_DIFF_LIMIT and y2 - y1 <= CHAR_DIFF_LIMIT:
            out += _middle(a, b, x1, x2, y1, y2)
        elif x1 < x2 or y1 < y2:
            out.append((tag, x1, x2, y1, y2))
    return out


def _starts(lines: list[str], base: int) -> list[int]:
    out = [base]
    for line in lines:
        out.append(out[-1] + len(line))
    return out


def _mapped(tag: str, a1: int, a2: int, b1: int, b2: int, pos: int) -> int:
    if tag == "equal":
        return b1 + (pos - a1)
    if pos <= a1:
        return b1
    if pos >= a2:
        return b2
    return b1 + round((pos - a1) * (b2 - b1) / (a2 - a1))      # inside a replaced stretch


def changed_chars(actual: str, expected: str) -> str:
    """The characters of the differing stretches of both values, first seen first."""
    out: dict[str, None] = {}
    for tag, a1, a2, b1, b2 in opcodes(actual, expected):
        if tag != "equal":
            out.update(dict.fromkeys(actual[a1:a2] + expected[b1:b2]))
    return "".join(out)
