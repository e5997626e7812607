"""Def-use facts for the ranker: how an edit changes the use of the enclosing function's own names.

A wrong-variable bug usually leaves the right name bound and never read (a parameter nobody uses,
a local assigned and forgotten); the fix reads it again. An edit that takes away the last read of
a local makes the opposite mistake. Names are counted as tree-sitter identifier leaves of the
innermost function (attribute names after a `.` aside), so a count of 1 is the binding alone.

Beyond counts: whether a name is the function's own, a module-level one or neither (a name the
function reads but nothing binds is undefined: binding it again is a likely fix); how near the
line the function uses a name elsewhere (a misused name tends to be a stranger to its
neighbourhood); and how often the file pairs an object with an attribute (`spec.loader` seen
elsewhere, `mod_name.loader` never).
"""
from __future__ import annotations

import bisect
import builtins
import functools
import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ..ast.nodes import parent_of
from ..ast.parser import parse
from ..ast.query import captures
from ..ast.scope import index_module
from .tokens import Token, line_tokens

__all__ = ["UseChange", "use_change"]

_SELF = frozenset({"self", "cls"})
_BUILTINS = frozenset(dir(builtins))
_FAR = 100      # lines: "not used anywhere else in the function"


@dataclass(frozen=True)
class FunctionNames:
    """The innermost function around a line: its rows, the names it binds and how often each of
    its identifiers occurs."""
    first_row: int
    last_row: int
    bound: frozenset[str]
    counts: Counter
    rows: dict[str, list[int]]    # name -> sorted 0-based rows where it occurs


@functools.lru_cache(maxsize=32)
def _analysis(src: bytes) -> tuple[tuple[FunctionNames, ...], frozenset[str]]:
    """The file's functions and its module-level names (globals, imports, functions, classes), from
    one parse."""
    tree = parse(src)
    index = index_module(tree)
    rows = line_tokens(src)
    out = []
    for name in captures("definitions", tree.root_node).get("function", []):
        node = parent_of(name)
        first, last = node.start_point.row, node.end_point.row
        bound = frozenset(n.text for n in index.bindings.get(node.start_byte, ()) if n.text not in _SELF)
        tokens = [t for r in rows[first:last + 1] for t in r]
        where: dict[str, list[int]] = {}
        for t in tokens:
            if t.kind == "id" and (not where.get(t.text) or where[t.text][-1] != t.row):
                where.setdefault(t.text, []).append(t.row)
        out.append(FunctionNames(first, last, bound, name_counts(tokens), where))
    return tuple(out), frozenset(index.module_names)


def function_at(src: bytes, line: int) -> FunctionNames | None:
    """The innermost function whose rows hold the 1-based `line` (None at module level)."""
    row = line - 1
    best = None
    for f in _analysis(src)[0]:
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
def file_attributes(src: bytes) -> tuple[Counter, Counter]:
    """How often each attribute name occurs in the whole file (fields are shared across methods),
    and each `obj.attr` pair."""
    tokens = [t for r in line_tokens(src) for t in r]
    return name_counts(tokens, attributes=True), attribute_pairs(tokens)


def attribute_pairs(tokens: Sequence[Token]) -> Counter:
    """(object, attribute) occurrences of `name.attr` in a token run."""
    out: Counter = Counter()
    for a, dot, b in zip(tokens, tokens[1:], tokens[2:]):
        if a.kind == "id" and dot.text == "." and b.kind == "id":
            out[(a.text, b.text)] += 1
    return out


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
    adds_global: bool     # the edit reads a module-level name the function does not bind
    drops_global: bool    # ... or stops reading one
    binds_undefined: bool  # the edit assigns a name the function reads but nothing binds
    log_new_near: float   # log1p of the line distance to the nearest other use of an added name
    log_old_near: float   # ... and of a removed name (other than on the edited lines)
    log_new_pair: float   # log1p of how often the file pairs the added `obj.attr` elsewhere
    log_old_pair: float   # ... and the removed one


def _changed(old: Sequence[Token], new: Sequence[Token], attributes: bool):
    """Counts in `old` and `new`, and the names `new` has more of (added) and fewer of (removed)."""
    before, after = name_counts(old, attributes), name_counts(new, attributes)
    return (before, after, [n for n in after if after[n] > before[n]],
            [n for n in before if before[n] > after[n]])


def _log_max(counts: Counter, names: list) -> float:
    return math.log1p(max((counts[n] for n in names), default=0))


def _nearest(fn: FunctionNames | None, names: list, first: int, last: int) -> float:
    """log1p of the distance from rows first..last to the closest row outside them using a name."""
    best = _FAR
    by_name = fn.rows if fn is not None else {}
    for n in names if fn is not None else ():
        rows = by_name.get(n, [])
        i = bisect.bisect_left(rows, first)
        if i > 0:
            best = min(best, first - rows[i - 1])
        j = bisect.bisect_right(rows, last)
        if j < len(rows):
            best = min(best, rows[j] - last)
    return math.log1p(best)


def _pairs_elsewhere(src: bytes, old: Sequence[Token], new: Sequence[Token]) -> tuple[float, float]:
    """File counts (less the edited lines' own) of the `obj.attr` pairs the edit adds and removes."""
    file_pairs = file_attributes(src)[1]
    before, after = attribute_pairs(old), attribute_pairs(new)
    added = [p for p in after if after[p] > before[p]]
    removed = [p for p in before if before[p] > after[p]]
    other = lambda p: file_pairs[p] - before[p]
    return (math.log1p(max((other(p) for p in added), default=0)),
            math.log1p(max((other(p) for p in removed), default=0)))


def _assigned(tokens: Sequence[Token]) -> set[str]:
    """Names that a token run binds: `name =`, `for name`, `as name`. A token reading, so a keyword
    argument (`f(name=1)`) counts too; the shipped checkpoint was trained with this reading."""
    out = set()
    for i, t in enumerate(tokens):
        if t.kind != "id":
            continue
        after = tokens[i + 1].text if i + 1 < len(tokens) else ""
        before = tokens[i - 1].text if i else ""
        if after in ("=", ":=") or before in ("for", "as"):
            out.add(t.text)
    return out


def use_change(src: bytes, line: int, old: Sequence[Token], new: Sequence[Token]) -> UseChange:
    """What replacing the tokens `old` by `new` (the whole edited lines from `line` on) does to the
    names of the enclosing function and to the file's attribute names."""
    attrs = file_attributes(src)[0]
    _, _, a_added, a_removed = _changed(old, new, attributes=True)
    fn = function_at(src, line)
    counts, bound = (fn.counts, fn.bound) if fn is not None else (Counter(), frozenset())
    before, after, added, removed = _changed(old, new, attributes=False)
    module = _analysis(src)[1]
    outside = lambda n: n not in bound and n in module and n not in _SELF
    undefined = lambda n: (n not in bound and counts[n] > before[n] and n not in module
                           and n not in _BUILTINS and n not in _SELF)
    first = line - 1
    last = first + max((t.row for t in old), default=0) - min((t.row for t in old), default=0)
    new_pair, old_pair = _pairs_elsewhere(src, old, new)
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
        adds_global=any(map(outside, added)),
        drops_global=any(map(outside, removed)),
        binds_undefined=any(undefined(n) for n in _assigned(new) if n in added),
        log_new_near=_nearest(fn, added, first, last),
        log_old_near=_nearest(fn, removed, first, last),
        log_new_pair=new_pair,
        log_old_pair=old_pair,
    )
