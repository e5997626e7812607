"""Small edits of a regular expression, the ones real pattern bugs need: a character class one
character too wide or too narrow, a quantifier that should allow none (`+` → `*`) or one that
should be lazy, a group that should be optional, a missing word boundary or anchor, a `.` that
should match only a dot. `pattern_edits(pattern, hints, verbose)` returns at most `MAX_EDITS`
(new pattern, description) pairs, each one edit that still compiles; `hints` are characters the
failure points at (what differs between the actual and expected values): they are the characters
tried in a class, and edits inside a top-level alternative that names one of them come first. The
kinds of edit take turns, so a long pattern's many classes do not crowd out its quantifiers and
boundaries."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["pattern_edits", "MAX_EDITS"]

MAX_EDITS = 28
PER_CLASS = 3
_CLASS_SPECIAL = frozenset("\\]^-[")
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


@dataclass
class _Class:
    start: int                  # index of "["
    body: int                   # index of the first item (after "[" or "[^")
    end: int                    # index of "]"
    negated: bool
    singles: list[tuple[int, int, str]] = field(default_factory=list)   # (start, end, char) items
    covers: str = ""                                                     # every char it names


@dataclass
class _Scan:
    classes: list[_Class] = field(default_factory=list)
    quantifiers: list[tuple[int, int]] = field(default_factory=list)    # [start, end) of * + ? {m,n}
    groups: list[tuple[int, int]] = field(default_factory=list)         # (open, close) of groups
    dots: list[int] = field(default_factory=list)
    branches: list[int] = field(default_factory=list)                   # first token of top-level branches
    literals: list[tuple[int, str]] = field(default_factory=list)       # literal chars outside classes


def pattern_edits(pattern: str, hints: str = "", verbose: bool = False) -> list[tuple[str, str]]:
    verbose = verbose or pattern.lstrip().startswith("(?x") or bool(
        (m := _INLINE_FLAGS.match(pattern.lstrip())) and "x" in m.group(0))
    scan = _scan(pattern, verbose)
    if scan is None:
        return []
    families = [_class_additions(pattern, scan, hints), _class_removals(pattern, scan),
                _quantifier_changes(pattern, scan), _optional_groups(pattern, scan),
                _boundaries(pattern, scan),
                [(i, pattern[:i] + "\\" + pattern[i:], "`.` → `\\.`") for i in scan.dots]]
    relevance = _relevance(pattern, scan, hints)
    keyed: list[tuple[int, int, int, str, str]] = []
    turns: Counter[tuple[int, int]] = Counter()
    for family, edits in enumerate(families):
        for at, new, why in edits:
            score = relevance(at)
            keyed.append((score, turns[score, family], family, new, why))
            turns[score, family] += 1
    out, seen = [], {pattern}
    flags = re.VERBOSE if verbose else 0
    for _, _, _, new, why in sorted(keyed, key=lambda k: k[:3]):
        if new in seen:
            continue
        seen.add(new)
        try:
            re.compile(new, flags)
        except (re.error, RecursionError, OverflowError, ValueError):
            continue
        out.append((new, why))
        if len(out) >= MAX_EDITS:
            break
    return out


def _relevance(p: str, scan: _Scan, hints: str):
    """Position -> 0 inside a top-level alternative with a hint among its literal characters, 1
    with one in its classes, 2 otherwise."""
    if not hints:
        return lambda at: 2
    starts = scan.branches or [0]
    spans = [(s, e) for s, e in zip(starts, [*starts[1:], len(p) + 1])]
    wanted = set(hints)
    scores = []
    for s, e in spans:
        if any(s <= at < e and c in wanted for at, c in scan.literals):
            scores.append(0)
        elif any(s <= cls.start < e and wanted & set(cls.covers) for cls in scan.classes):
            scores.append(1)
        else:
            scores.append(2)

    def relevance(at: int) -> int:
        for (s, e), score in zip(spans, scores):
            if s <= at < e:
                return score
        return 2
    return relevance


Edit = tuple[int, str, str]      # (where in the pattern, new pattern, description)


def _class_additions(p: str, scan: _Scan, hints: str) -> list[Edit]:
    named = {c for _, c in scan.literals}
    ranked = sorted(dict.fromkeys(hints), key=lambda c: c not in named)
    out = []
    for cls in scan.classes:
        added = 0
        for c in ranked:
            if c in cls.covers or c in "\r\n" or added >= PER_CLASS:
                continue
            item = "\\" + c if c in _CLASS_SPECIAL else c
            out.append((cls.start, p[:cls.body] + item + p[cls.body:],
                        f"`{p[cls.start:cls.end + 1]}` also takes `{c}`"))
            added += 1
    return out


def _class_removals(p: str, scan: _Scan) -> list[Edit]:
    out = []
    for cls in scan.classes:
        if len(cls.singles) + (len(cls.covers) > len(cls.singles)) < 2:
            continue
        for start, end, c in cls.singles:
            out.append((cls.start, p[:start] + p[end:], f"`{p[cls.start:cls.end + 1]}` without `{c}`"))
    return out


def _quantifier_changes(p: str, scan: _Scan) -> list[Edit]:
    out = []
    for start, end in scan.quantifiers:
        q = p[start:end]
        options = {"+": ("*", "+?"), "*": ("+", "*?"), "+?": ("+", "*?"), "*?": ("*", "+?"),
                   "?": ("",)}.get(q, ())
        for new in options:
            out.append((start, p[:start] + new + p[end:], f"quantifier `{q}` → `{new or 'once'}`"))
    return out


def _optional_groups(p: str, scan: _Scan) -> list[Edit]:
    out = []
    for open_, close in scan.groups:
        after = p[close + 1:close + 2]
        if after and after in "*+?{":
            continue
        out.append((open_, p[:close + 1] + "?" + p[close + 1:], f"group `{_short(p[open_:close + 1])}` optional"))
    return out


def _boundaries(p: str, scan: _Scan) -> list[Edit]:
    out = []
    for i in scan.branches:
        if not p.startswith(("\\b", "^"), i):
            out.append((i, p[:i] + "\\b" + p[i:], f"`\\b` before `{_short(p[i:])}`"))
    if len(scan.branches) <= 1:
        head = scan.branches[0] if scan.branches else 0
        if not p.startswith("^", head):
            out.append((head, p[:head] + "^" + p[head:], "anchored at the start"))
        if not p.rstrip().endswith("$"):
            end = len(p.rstrip())
            out.append((max(end - 1, 0), p[:end] + "$" + p[end:], "anchored at the end"))
    return out


def _short(s: str, limit: int = 24) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[:limit - 1] + "…"


def _scan(p: str, verbose: bool) -> _Scan | None:
    """One pass over the pattern; None when it is not one this scanner reads."""
    return _Scanner(p, verbose).run()


class _Scanner:
    """`_scan`'s pass: where it is, the groups open there, and whether a top-level alternative starts
    at the next token. Each step reads one token and returns False for one it does not read."""

    def __init__(self, p: str, verbose: bool):
        self.p, self.verbose = p, verbose
        self.scan = _Scan()
        self.stack: list[int] = []
        self.branch_start = True
        self.i = 0

    def run(self) -> _Scan | None:
        p, n = self.p, len(self.p)
        steps = {"\\": self._escape, "[": self._class, "(": self._open, ")": self._close, "|": self._bar}
        while self.i < n:
            c = p[self.i]
            if self.verbose and c in " \t\r\n":
                self.i += 1
                continue
            if self.verbose and c == "#":
                while self.i < n and p[self.i] != "\n":
                    self.i += 1
                continue
            if self.branch_start and not self.stack:
                self.scan.branches.append(self.i)
                self.branch_start = False
            if not steps.get(c, self._atom)():
                return None
        return None if self.stack else self.scan

    def _escape(self) -> bool:
        p, i = self.p, self.i
        if i + 1 < len(p) and not p[i + 1].isalnum():
            self.scan.literals.append((i, p[i + 1]))
        self.i = i + 2
        return True

    def _class(self) -> bool:
        cls = _read_class(self.p, self.i)
        if cls is None:
            return False
        self.scan.classes.append(cls)
        self.i = cls.end + 1
        return True

    def _open(self) -> bool:
        p, i = self.p, self.i
        if p.startswith(("(?#", "(?P="), i):         # a comment, or a back-reference (an atom)
            close = p.find(")", i)
            self.i = close + 1
            return close != -1
        flags = _INLINE_FLAGS.match(p, i)
        if flags:
            self.i = flags.end()
            if not self.stack:
                self.branch_start = True
                self.scan.branches.pop()
            return True
        self.stack.append(i)
        self.i = _group_body(p, i)
        return self.i >= 0

    def _close(self) -> bool:
        if not self.stack:
            return False
        open_ = self.stack.pop()
        if not self.p.startswith(_LOOKAROUND, open_) and not self.p.startswith("(?P=", open_):
            self.scan.groups.append((open_, self.i))
        self.i += 1
        return True

    def _bar(self) -> bool:
        if not self.stack:
            self.branch_start = True
        self.i += 1
        return True

    def _atom(self) -> bool:
        """A quantifier, a dot, an anchor or a literal character."""
        p, i = self.p, self.i
        c = p[i]
        if c in "*+?" or (c == "{" and re.match(r"\{\d*,?\d*\}", p[i:])):
            end = i + 1 if c != "{" else p.index("}", i) + 1
            if end < len(p) and p[end] in "?+":
                end += 1
            self.scan.quantifiers.append((i, end))
            self.i = end
            return True
        if c == ".":
            self.scan.dots.append(i)
        elif c not in "^$":
            self.scan.literals.append((i, c))
        self.i = i + 1
        return True


def _group_body(p: str, i: int) -> int:
    """Index of the first character inside the group opened at `i`; -1 for a kind not read."""
    if not p.startswith("(?", i):
        return i + 1
    if p.startswith("(?P<", i):
        close = p.find(">", i)
        return close + 1 if close != -1 else -1
    for opener in ("(?<=", "(?<!", "(?:", "(?=", "(?!"):
        if p.startswith(opener, i):
            return i + len(opener)
    return -1


def _read_class(p: str, start: int) -> _Class | None:
    i = start + 1
    negated = p.startswith("^", i)
    if negated:
        i += 1
    cls = _Class(start, i, -1, negated)
    first = True
    covers: list[str] = []
    while i < len(p):
        c = p[i]
        if c == "]" and not first:
            cls.end = i
            cls.covers = "".join(covers)
            return cls
        first = False
        if c == "\\" and i + 1 < len(p):
            item_end = i + 2
            char = p[i + 1]
            if not char.isalnum():
                covers.append(char)
                cls.singles.append((i, item_end, char))
            else:
                covers.append(_ESCAPE_CLASSES.get(char, char))
                cls.singles.append((i, item_end, "\\" + char))
            i = item_end
            continue
        if i + 2 < len(p) and p[i + 1] == "-" and p[i + 2] != "]":
            lo, hi = p[i], p[i + 2]
            if ord(hi) - ord(lo) < 256:
                covers.extend(chr(k) for k in range(ord(lo), ord(hi) + 1))
            i += 3
            continue
        covers.append(c)
        cls.singles.append((i, i + 1, c))
        i += 1
    return None


_ESCAPE_CLASSES = {"d": "0123456789", "s": " \t\n\r\f\v",
                   "w": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"}
