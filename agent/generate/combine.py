"""Multi-location fixes from partial ones: when no single candidate passes every failing test, a
pair (then a triple) of candidates that each made progress, with edits on different statements,
may fix it all. Progress is what validation and the value probe saw: a failing target that passes,
a failed comparison that moved towards the expected value (agent.progress), or a value at the
candidate's site that moved the way a failed comparison wants (agent.rank.probe's `toward`)."""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..ast.parser import is_valid_python
from ..types import Candidate
from ..diff import apply_edits

__all__ = ["Partial", "Combined", "combine_partials", "POOL"]

POOL = {2: 12, 3: 8}     # the candidates with the most progress that a pair / a triple draws from


@dataclass(frozen=True)
class Partial:
    """A validated candidate that failed but made progress."""
    candidate: Candidate
    passed: frozenset[str] = frozenset()   # failing targets it made pass
    closer: frozenset[str] = frozenset()   # failing targets whose failure moved closer to passing
    toward: bool = False                   # the probe saw its value move the way a test wants
    order: int = 0                         # validation order (the ranking): lower is better

    @property
    def progressed(self) -> bool:
        return bool(self.passed or self.closer or self.toward)

    def key(self) -> tuple:
        return (-len(self.passed), -len(self.closer - self.passed), not self.toward, self.order)


@dataclass(frozen=True)
class Combined:
    candidate: Candidate
    parts: tuple[Candidate, ...]


def combine_partials(partials: Sequence[Partial], files: Mapping[str, bytes], *, size: int = 2,
                     limit: int = 60) -> list[Combined]:
    """Combinations of `size` candidates that made progress, most promising first: the most
    failing targets passed by some part, then the most moved closer, then the most parts the probe
    saw move the right way, then the best ranked. A combination is kept when its edits are disjoint
    and on different lines, every part adds a target the others do not pass (when any part passes
    one), and the combined file parses and compiles."""
    pool = sorted((p for p in partials if p.progressed), key=Partial.key)[:POOL.get(size, 8)]
    scored: list[tuple[tuple, Combined]] = []
    seen: set[str] = set()
    for group in itertools.combinations(pool, size):
        if not _useful(group) or not all(_disjoint(a.candidate, b.candidate)
                                         for a, b in itertools.combinations(group, 2)):
            continue
        combined = _combine([p.candidate for p in group])
        patched = apply_edits(files, combined.edits)
        if not all(is_valid_python(data, path) for path, data in patched.items()):
            continue
        digest = hashlib.sha1(b"".join(patched[p] for p in sorted(patched))).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        passed = frozenset().union(*(p.passed for p in group))
        closer = frozenset().union(*(p.closer for p in group)) - passed
        key = (-len(passed), -len(closer), -sum(p.toward for p in group), sum(p.order for p in group))
        scored.append((key, Combined(replace(combined, id=digest[:12]), tuple(p.candidate for p in group))))
    scored.sort(key=lambda s: s[0])
    return [c for _, c in scored[:limit]]


def _useful(group: Sequence[Partial]) -> bool:
    """No part is redundant: when parts pass targets, each passes one that the others do not;
    parts that pass nothing must have moved something closer or the right way."""
    for i, part in enumerate(group):
        others = frozenset().union(*(p.passed for j, p in enumerate(group) if j != i))
        if part.passed and part.passed <= others:
            return False
    return True


def _disjoint(a: Candidate, b: Candidate) -> bool:
    if a.path == b.path and a.line == b.line:
        return False
    return all(ea.path != eb.path or ea.end <= eb.start or eb.end <= ea.start
               for ea in a.edits for eb in b.edits)


def _combine(parts: Sequence[Candidate]) -> Candidate:
    edits = tuple(sorted((e for c in parts for e in c.edits), key=lambda e: (e.path, e.start)))
    main = min(parts, key=lambda c: (c.path, c.line))
    return Candidate(edits=edits, template="combined", path=main.path, line=main.line,
                     description="; ".join(c.description for c in parts),
                     suspiciousness=min(c.suspiciousness for c in parts), source=parts[0].source)
