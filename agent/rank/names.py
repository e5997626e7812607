"""How an edit's names fit the rest of its line: programmers name things after each other
(`header = Header.read(f)`, `self.set_boundary(boundary)`, `width=width`), and a misused name is
often a stranger among its neighbours, or a second copy of a name already there (`a - a`).

Names are split into lower-case subtokens at `_` and case changes; the affinity of an added name
is its best subtoken overlap (Jaccard) with an unchanged identifier of the edited lines.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Sequence

from .tokens import Token

__all__ = ["LineFit", "line_fit", "subtokens"]

_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@functools.lru_cache(maxsize=8192)
def subtokens(name: str) -> frozenset[str]:
    return frozenset(p.lower() for p in _PARTS.findall(name))


@dataclass(frozen=True)
class LineFit:
    new_affinity: float   # best overlap of an added name with the line's unchanged names
    old_affinity: float   # ... of a removed name
    new_repeats: bool     # an added name already occurs, unchanged, on the line
    old_repeats: bool     # a removed name still occurs, unchanged, on the line


def _fit(tokens: Sequence[Token], changed: Sequence[bool]) -> tuple[float, bool]:
    edited = {t.text for t, c in zip(tokens, changed) if c and t.kind == "id"}
    kept = {t.text for t, c in zip(tokens, changed) if not c and t.kind == "id"}
    best = 0.0
    for a in edited:
        sa = subtokens(a)
        for b in kept:
            sb = subtokens(b)
            if a != b and sa and sb:
                best = max(best, len(sa & sb) / len(sa | sb))
    return best, bool(edited & kept)


def line_fit(old: Sequence[Token], old_changed: Sequence[bool], new: Sequence[Token],
             new_changed: Sequence[bool]) -> LineFit:
    new_affinity, new_repeats = _fit(new, new_changed)
    old_affinity, old_repeats = _fit(old, old_changed)
    return LineFit(new_affinity, old_affinity, new_repeats, old_repeats)
