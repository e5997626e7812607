"""Where a piece of the actual value lands in the expected one.

`Alignment(actual, expected)` diffs the two texts once (difflib, no junk heuristic). `targets(text)`
finds `text` in the actual value and, at each occurrence that touches a difference, reads what the
expected value holds there — with and without an insertion right at either end, since text the
expected value adds at a boundary may belong to the literal or to its neighbour. Occurrences in
unchanged stretches give nothing. Results come most frequent first, so a separator that is wrong
at every one of its occurrences says so by count.
"""
from __future__ import annotations

import difflib
from collections import Counter

__all__ = ["Alignment", "changed_chars"]

MAX_OCCURRENCES = 64


class Alignment:
    def __init__(self, actual: str, expected: str) -> None:
        self.actual, self.expected = actual, expected
        self.ops = difflib.SequenceMatcher(None, actual, expected, autojunk=False).get_opcodes()
        self.changed = [(a1, a2) for tag, a1, a2, _, _ in self.ops if tag != "equal"]

    def targets(self, text: str) -> list[str]:
        """What `text`, where it occurs in the actual value, should read instead."""
        if not text:
            return self._insertions()
        found: Counter[str] = Counter()
        start, seen = self.actual.find(text), 0
        while start != -1 and seen < MAX_OCCURRENCES:
            end = start + len(text)
            if self._touches(start, end):
                for lo in self._starts(start):
                    for hi in self._ends(end):
                        if lo <= hi and self.expected[lo:hi] != text:
                            found[self.expected[lo:hi]] += 1
            start, seen = self.actual.find(text, start + 1), seen + 1
        return [t for t, _ in found.most_common()]

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
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, actual, expected, autojunk=False).get_opcodes():
        if tag != "equal":
            out.update(dict.fromkeys(actual[a1:a2] + expected[b1:b2]))
    return "".join(out)
