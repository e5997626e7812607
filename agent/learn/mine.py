"""One fix commit replayed: the engine's candidates rebuilt at the lines the fix changed, on the
parent revision, ranked by the shipped model, and the candidate that makes the human change (the
same module, by its AST) found among them.

The localization is what a failing test would give at best: the changed lines first, their
neighbours after (`NEIGHBOURS`), so the set holds the candidates the engine would weigh there."""
from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass

from ..diff import apply_edits
from ..generate.generator import generate_candidates
from ..pyast import parse_python
from ..rank import RankContext, Ranked, rank_candidates
from ..rank.shape import edit_shape
from ..types import Candidate, SuspiciousLine
from .history import FixCommit

__all__ = ["Mined", "mine_fix", "human_shape", "NEIGHBOURS"]

NEIGHBOURS = 2
MAX_CANDIDATES = 400


@dataclass
class Mined:
    commit: FixCommit
    path: str
    shape: str                       # the human edit's shape (agent.rank.shape.edit_shape)
    ranked: list[Ranked]             # the candidates at the site, shipped order
    human: Candidate | None          # the candidate that makes the human change, if any

    @property
    def rank(self) -> int | None:
        """1-based place of the human change in the shipped order."""
        if self.human is None:
            return None
        return next(i + 1 for i, r in enumerate(self.ranked) if r.candidate.id == self.human.id)


def mine_fix(commit: FixCommit, ranker: str = "ebm") -> Mined | None:
    """The replay of a one-file fix; None for a fix of two files or one that does not parse."""
    if len(commit.files) != 1:
        return None
    [(path, (before, after))] = commit.files.items()
    try:
        target = ast.dump(parse_python(after))
        parse_python(before)
    except (SyntaxError, ValueError):
        return None
    old, new = before.decode("utf-8", "replace"), after.decode("utf-8", "replace")
    changed = _changed_old_lines(old, new)
    if not changed:
        return None
    lines = _suspicious(path, changed, len(old.splitlines()))
    cands = generate_candidates({path: before}, lines, max_candidates=MAX_CANDIDATES)
    ranked = rank_candidates(cands, ranker, RankContext(files={path: before}, lines=lines, failing=[])) if cands else []
    human = next((c for c in cands if _makes(c, path, before, target)), None)
    return Mined(commit, path, human_shape(old, new), ranked, human)


def human_shape(old: str, new: str) -> str:
    """The shape of the human edit: its changed lines, names abstracted (agent.rank.shape)."""
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    a, b = old.splitlines(), new.splitlines()
    parts = [("\n".join(a[i1:i2]).strip(), "\n".join(b[j1:j2]).strip())
             for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    return edit_shape(parts)


def _makes(cand: Candidate, path: str, before: bytes, target: str) -> bool:
    try:
        return ast.dump(parse_python(apply_edits({path: before}, cand.edits)[path])) == target
    except (SyntaxError, ValueError, KeyError):
        return False


def _changed_old_lines(old: str, new: str) -> list[int]:
    """1-based lines of `old` the fix replaced or removed (an insertion: the line before it)."""
    out: list[int] = []
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            out.extend(range(i1 + 1, i2 + 1) if i2 > i1 else [max(1, i1)])
    return sorted(set(out))


def _suspicious(path: str, changed: list[int], n_lines: int) -> list[SuspiciousLine]:
    out = [SuspiciousLine(path, line, 1.0) for line in changed]
    seen = set(changed)
    for d in range(1, NEIGHBOURS + 1):
        for line in changed:
            for near in (line - d, line + d):
                if 1 <= near <= n_lines and near not in seen:
                    seen.add(near)
                    out.append(SuspiciousLine(path, near, 1.0 - 0.25 * d))
    return out
