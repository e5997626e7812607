"""Two-location fixes from partial ones: when no single candidate passes every failing test but
some make a part of them pass, a pair whose edits touch different statements may fix it all."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..ast.parser import is_valid_python
from ..types import Candidate
from .generator import apply_candidate

__all__ = ["combine_partials"]


def combine_partials(partials: Sequence[tuple[Candidate, frozenset[str]]], files: Mapping[str, bytes],
                     *, limit: int = 60) -> list[Candidate]:
    """Pairs of partial candidates (each with the failing tests it makes pass), best covering first.

    A pair is kept when its edits are disjoint and on different lines, the union of what the two
    make pass is larger than either alone, and the combined file parses and compiles.
    """
    pairs: list[tuple[int, int, Candidate]] = []
    seen: set[str] = set()
    for i, (a, passed_a) in enumerate(partials):
        for j in range(i + 1, len(partials)):
            b, passed_b = partials[j]
            union = passed_a | passed_b
            if len(union) <= max(len(passed_a), len(passed_b)) or not _disjoint(a, b):
                continue
            combined = _combine(a, b)
            patched = apply_candidate(files, combined)
            if not all(is_valid_python(data, path) for path, data in patched.items()):
                continue
            key = hashlib.sha1(b"".join(patched[p] for p in sorted(patched))).hexdigest()
            if key in seen:
                continue
            seen.add(key)
            pairs.append((-len(union), i + j, replace(combined, id=key[:12])))
    pairs.sort(key=lambda p: (p[0], p[1]))
    return [c for _, _, c in pairs[:limit]]


def _disjoint(a: Candidate, b: Candidate) -> bool:
    if a.path == b.path and a.line == b.line:
        return False
    return all(ea.path != eb.path or ea.end <= eb.start or eb.end <= ea.start
               for ea in a.edits for eb in b.edits)


def _combine(a: Candidate, b: Candidate) -> Candidate:
    return Candidate(edits=a.edits + b.edits, template="combined", path=a.path, line=min(a.line, b.line),
                     description=f"{a.description}; {b.description}",
                     suspiciousness=min(a.suspiciousness, b.suspiciousness), source=a.source)
