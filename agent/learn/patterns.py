"""Getafix-style fix patterns from the history's fixes: the fixes are grouped by their edit shape
(agent.rank.shape: the change's tokens with the names abstracted) and each group of two or more is
anti-unified: a token the fixes of the group share stays concrete, one where they differ becomes a
hole of the shape's letter (`?A`; `?N` a number, `?S` a string). The result is what the
`learned.pattern` template applies (agent.generate.learned)."""
from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence

from ..ast.edit_tokens import edit_tokens
from ..generate.learned import HOLE, Pattern
from ..rank.shape import edit_shape

__all__ = ["fix_tokens", "anti_unify", "mine_patterns", "MAX_EXAMPLES"]

MAX_EXAMPLES = 2000        # the most fixes kept to generalize over (the newest)
_MIN_GROUP = 2


def fix_tokens(old: str, new: str) -> tuple[list[str], list[str]] | None:
    """The changed tokens of a one-hunk fix (before, after); None for a fix of several hunks."""
    a, b = old.splitlines(), new.splitlines()
    hunks = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(hunks) != 1:
        return None
    _, i1, i2, j1, j2 = hunks[0]
    before, after = edit_tokens("\n".join(a[i1:i2]), "\n".join(b[j1:j2]))
    return (before, after) if before and before != after else None


def anti_unify(examples: Sequence[tuple[Sequence[str], Sequence[str]]]) -> Pattern | None:
    """The most specific pattern of fixes of one shape; None when they do not line up."""
    shape = edit_shape([(" ".join(examples[0][0]), " ".join(examples[0][1]))])
    left, _, right = shape.partition(" -> ")
    letters = (left.split(), right.split())
    if any(len(b) != len(letters[0]) or len(a) != len(letters[1]) for b, a in examples):
        return None
    sides = []
    for side, abstract in ((0, letters[0]), (1, letters[1])):
        out = []
        for i, letter in enumerate(abstract):
            seen = {tuple(ex[side])[i] for ex in examples}
            out.append(next(iter(seen)) if len(seen) == 1 else HOLE + letter)
        sides.append(tuple(out))
    pattern = Pattern(sides[0], sides[1], len(examples))
    return pattern if pattern.usable else None


def mine_patterns(examples: Iterable[tuple[Sequence[str], Sequence[str]]]) -> list[Pattern]:
    """One pattern per shape that two or more of `examples` share, most fixes first."""
    groups: dict[str, list] = defaultdict(list)
    for before, after in examples:
        groups[edit_shape([(" ".join(before), " ".join(after))])].append((list(before), list(after)))
    out = [p for group in groups.values() if len(group) >= _MIN_GROUP if (p := anti_unify(group)) is not None]
    return sorted(out, key=lambda p: -p.count)
