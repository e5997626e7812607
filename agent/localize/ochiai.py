"""Ochiai suspiciousness with a traceback boost.

    ochiai(s) = ef / sqrt(F * (ef + ep))

F is the number of failing tests observed. Lines that appear in the failing tests' traceback
frames inside project (non-test) code get a boost: the deepest project frame of a test the most,
each frame further up half as much, averaged over the failing tests. The final score is
(ochiai + boost * proximity) / (1 + boost), so it stays within [0, 1].

Without coverage (the test crashed at import, or the run could not be traced) the traceback
frames alone are ranked: they count as covered by their failing test, nothing else is.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..types import SuspiciousLine, TestResult
from ..project import is_source_file
from .spectrum import Loc, Spectrum, StatementIndex

__all__ = ["ochiai", "frame_locations", "traceback_proximity", "rank", "DEFAULT_BOOST"]

DEFAULT_BOOST = 0.3
_DECAY = 0.5


def ochiai(ef: int, ep: int, total_failed: int) -> float:
    if ef <= 0 or total_failed <= 0:
        return 0.0
    return ef / math.sqrt(total_failed * (ef + ep))


def frame_locations(result: TestResult, index: StatementIndex | None = None) -> list[Loc]:
    """The test's frames in project non-test code, deepest first, de-duplicated, each line
    normalized to its statement's first line."""
    out: list[Loc] = []
    seen: set[Loc] = set()
    for frame in reversed(result.frames):
        rel = frame.path.replace("\\", "/")
        if rel.startswith("./"):
            rel = rel[2:]
        if not is_source_file(rel) or frame.line <= 0:
            continue
        line = frame.line
        if index is not None:
            norm = index.normalize(rel, line)
            line = norm if norm is not None else line
        loc = (rel, line)
        if loc not in seen:
            seen.add(loc)
            out.append(loc)
    return out


def traceback_proximity(failing: Sequence[TestResult], index: StatementIndex | None = None
                        ) -> tuple[dict[Loc, float], dict[Loc, int]]:
    """(proximity in [0, 1] averaged over the failing tests, smallest depth seen) per frame line;
    depth 0 is a test's deepest project frame."""
    weight: dict[Loc, float] = {}
    depth: dict[Loc, int] = {}
    n = len(failing)
    if not n:
        return weight, depth
    for result in failing:
        for d, loc in enumerate(frame_locations(result, index)):
            weight[loc] = weight.get(loc, 0.0) + _DECAY ** d / n
            depth[loc] = min(depth.get(loc, d), d)
    return weight, depth


def rank(spectrum: Spectrum, failing: Sequence[TestResult], *, root: Path | None = None,
         boost: float = DEFAULT_BOOST, limit: int | None = None,
         index: StatementIndex | None = None, changed: Mapping[Loc, float] | None = None,
         changed_boost: float = 0.0) -> list[SuspiciousLine]:
    """Lines covered by at least one failing test (or in a failing traceback), best first: by
    score, then traceback proximity, then path and line. Only statement lines of non-test files.
    `changed`: a weight in [0, 1] for lines changed since the tests last passed
    (agent.localize.regression), which adds `changed_boost` times it, as the traceback does; a
    changed line no failing test ran gains nothing."""
    changed = changed or {}
    total_boost = boost + (changed_boost if changed else 0.0)
    index = index or StatementIndex(root)
    proximity, depth = traceback_proximity(failing, index)
    total_failed = spectrum.total_failed
    if total_failed == 0 and proximity:
        total_failed = len(failing)   # no observation at all: the frames are all we have
    scored: list[tuple[float, int, str, int]] = []
    for loc in spectrum.locations() | set(proximity):
        rel, line = loc
        if not is_source_file(rel) or not index.is_statement(rel, line):
            continue
        ef, ep = spectrum.counts(loc)
        if loc in proximity and ef == 0:
            ef = 1      # a frame line ran in a failing test even if coverage missed it
        base = ochiai(ef, ep, max(total_failed, ef))
        if base <= 0.0:
            continue
        score = (base + boost * proximity.get(loc, 0.0) + changed_boost * changed.get(loc, 0.0)) \
            / (1.0 + total_boost)
        scored.append((score, depth.get(loc, 1 << 30), rel, line))
    scored.sort(key=lambda t: (-t[0], t[1], t[2], t[3]))
    if limit is not None:
        scored = scored[:max(limit, 0)]
    return [SuspiciousLine(path=rel, line=line, score=round(score, 6))
            for score, _, rel, line in scored]
