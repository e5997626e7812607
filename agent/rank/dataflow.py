"""Def-use facts for the ranker: how an edit changes the use of the enclosing function's own names.

A wrong-variable bug usually leaves the right name bound and never read (a parameter nobody uses,
a local assigned and forgotten); the fix reads it again. An edit that takes away the last read of
a local makes the opposite mistake. Names are counted as tree-sitter identifier leaves of the
innermost function (attribute names after a `.` aside), so a count of 1 is the binding alone.
"""
from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ..ast.parser import parse
from ..ast.query import captures
from ..ast.scope import index_module
from .tokens import Token, line_tokens

__all__ = ["UseChange", "use_change"]

_SELF = frozenset({"self", "cls"})


@dataclass(frozen=True)
class FunctionNames:
    """The innermost function around a line: its rows, the names it binds and how often each of
    its identifiers occurs."""
    first_row: int
    last_row: int
    bound: frozenset[str]
    counts: Counter


@functools.lru_cache(maxsize=32)
def _functions(src: bytes) -> tuple[FunctionNames, ...]:
    tree = parse(src)
    index = index_module(tree)
    rows = line_tokens(src)
    out = []
    for name in captures("definitions", tree.root_node).get("function", []):
        node = name.parent
        first, last = node.start_point.row, node.end_point.row
        bound = frozenset(n.text for n in index.bindings.get(node.start_byte, ()) if n.text not in _SELF)
        tokens = [t for r in rows[first:last + 1] for t in r]
        out.append(FunctionNames(first, last, bound, name_counts(tokens)))
    return tuple(out)


def function_at(src: bytes, line: int) -> FunctionNames | None:
    """The innermost function whose rows hold the 1-based `line` (None at module level)."""
    row = line - 1
    best = None
    for f in _functions(src):
        if f.first_row <= row <= f.last_row and (best is None or f.first_row >= best.first_row):
            best = f
    return best


def name_counts(tokens: Sequence[Token], attributes: bool = False) -> Counter:
    """Identifier occurrences in a token run: plain names, or with `attributes` the names after a
    `.` (`x.name`) only."""
    out: Counter = Counter()
    prev = ""
    for t in tokens:
        if t.kind == "id" and (prev == ".") == attributes:
            out[t.text] += 1
        prev = t.text
    return out


@functools.lru_cache(maxsize=32)
def attribute_counts(src: bytes) -> Counter:
    """How often each attribute name occurs in the whole file (fields are shared across methods)."""
    return name_counts([t for r in line_tokens(src) for t in r], attributes=True)


@dataclass(frozen=True)
class UseChange:
    revives: bool       # a bound name read nowhere else is read by the edit
    orphans: bool       # the edit removes the last read of a bound name
    new_local: bool     # the edit adds a read of one of the function's own names
    log_new_count: float  # log1p of how often the edit's added names occur in the function
    log_old_count: float  # the same for the names it removes
    revives_attr: bool    # an attribute named once in the file is read again
    log_new_attr: float   # log1p of the file count of the attribute names the edit adds
    log_old_attr: float   # ... and of those it removes


def _changed(old: Sequence[Token], new: Sequence[Token], attributes: bool):
    """Counts in `old` and `new`, and the names `new` has more of (added) and fewer of (removed)."""
    before, after = name_counts(old, attributes), name_counts(new, attributes)
    return (before, after, [n for n in after if after[n] > before[n]],
            [n for n in before if before[n] > after[n]])


def _log_max(counts: Counter, names: list) -> float:
    return math.log1p(max((counts[n] for n in names), default=0))


def use_change(src: bytes, line: int, old: Sequence[Token], new: Sequence[Token]) -> UseChange:
    """What replacing the tokens `old` by `new` (the whole edited lines from `line` on) does to the
    names of the enclosing function and to the file's attribute names."""
    attrs = attribute_counts(src)
    _, _, a_added, a_removed = _changed(old, new, attributes=True)
    fn = function_at(src, line)
    counts, bound = (fn.counts, fn.bound) if fn is not None else (Counter(), frozenset())
    before, after, added, removed = _changed(old, new, attributes=False)
    return UseChange(
        revives=any(n in bound and counts[n] == 1 for n in added),
        orphans=any(n in bound and counts[n] >= 2 and counts[n] - before[n] + after[n] == 1
                    for n in removed),
        new_local=any(n in bound for n in added),
        log_new_count=_log_max(counts, added),
        log_old_count=_log_max(counts, removed),
        revives_attr=any(attrs[n] == 1 for n in a_added),
        log_new_attr=_log_max(attrs, a_added),
        log_old_attr=_log_max(attrs, a_removed),
    )
