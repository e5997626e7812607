"""Fix patterns learned from the project's history (`remedy learn`, agent.learn.patterns), applied
by the `learned.pattern` template: a pattern is the anti-unification of two or more past fixes of
one shape (as Getafix does, over the tokens of the change rather than its tree): what the fixes
share stays concrete, where they differ is a hole (`?A` a name, `?N` a number, `?S` a string).

    p = Pattern(("?A",), ("?A", ".", "strip", "(", ")"), count=3)
    list(p.rewrites("return value"))  == [(7, 12, "value.strip()")]

A rewrite binds each hole to one token of the text (the same hole the same token), and writes the
after side with those bindings; a pattern whose after side names a hole the before side does not
bind is never offered."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..ast.edit_tokens import TOKEN, hole_kind

__all__ = ["Pattern", "patterns_from_json", "HOLE"]

HOLE = "?"
_TIGHT_AFTER = frozenset("([{.")
_TIGHT_BEFORE = frozenset(")]},.:")


@dataclass(frozen=True)
class Pattern:
    before: tuple[str, ...]
    after: tuple[str, ...]
    count: int = 2            # the past fixes it generalizes

    @property
    def usable(self) -> bool:
        bound = {t for t in self.before if t.startswith(HOLE)}
        return bool(self.before) and self.before != self.after \
            and all(not t.startswith(HOLE) or t in bound for t in self.after)

    def describe(self) -> str:
        return f"{' '.join(self.before)} -> {' '.join(self.after)}"

    def rewrites(self, text: str, offset: int = 0) -> Iterator[tuple[int, int, str]]:
        """(start, end, new text) for each place of `text` the before side matches; positions are
        character offsets into `text` plus `offset`."""
        if not self.usable:
            return
        toks = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]
        n = len(self.before)
        for i in range(len(toks) - n + 1):
            binding = self._match(toks[i:i + n])
            if binding is not None:
                yield offset + toks[i][1], offset + toks[i + n - 1][2], _join([binding.get(t, t) for t in self.after])

    def _match(self, window: Sequence[tuple[str, int, int]]) -> dict[str, str] | None:
        binding: dict[str, str] = {}
        for want, (tok, _, _) in zip(self.before, window):
            if want.startswith(HOLE):
                if hole_kind(tok) != _hole_kind(want) or binding.setdefault(want, tok) != tok:
                    return None
            elif want != tok:
                return None
        return binding


def patterns_from_json(data: Iterable[dict]) -> tuple[Pattern, ...]:
    """The patterns `remedy learn` keeps (state `learn.patterns`), the usable ones, most fixes first."""
    out = []
    for item in data:
        try:
            p = Pattern(tuple(map(str, item["before"])), tuple(map(str, item["after"])), int(item.get("count", 2)))
        except (KeyError, TypeError, ValueError):
            continue
        if p.usable:
            out.append(p)
    return tuple(sorted(out, key=lambda p: -p.count))


def dumps(patterns: Iterable[Pattern]) -> str:
    return json.dumps([{"before": list(p.before), "after": list(p.after), "count": p.count} for p in patterns])


def _hole_kind(hole: str) -> str:
    name = hole[len(HOLE):]
    return "num" if name.startswith("N") else "str" if name.startswith("S") else "id"


def _join(tokens: Sequence[str]) -> str:
    out = tokens[0] if tokens else ""
    for prev, tok in zip(tokens, tokens[1:]):
        call = tok in ("(", "[") and (prev[0].isalnum() or prev[0] in "_)]'\"")
        tight = prev in _TIGHT_AFTER or tok in _TIGHT_BEFORE or call
        out += ("" if tight else " ") + tok
    return out
