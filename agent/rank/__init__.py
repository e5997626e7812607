"""Order candidates before validation. `rank_candidates` is the one entry point the session uses;
rankers: "ebm" (the shipped energy model, when present), "features", "prior" (suspiciousness x
template prior) and "none" (generation order)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from ..types import Candidate, SuspiciousLine, TestResult

__all__ = ["RankContext", "Ranked", "rank_candidates"]


@dataclass
class RankContext:
    files: dict[str, bytes]
    lines: Sequence[SuspiciousLine]
    failing: Sequence[TestResult]
    project_sources: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    energy: float | None = None
    probability: float | None = None


def rank_candidates(cands: Sequence[Candidate], ranker: str, ctx: RankContext) -> list[Ranked]:
    if ranker == "none" or not cands:
        return [Ranked(c) for c in cands]
    from ..repair.generator import prior_order, template_prior
    ordered = prior_order(list(cands))
    return [Ranked(c, energy=-math.log(max(c.suspiciousness, 1e-6) * max(template_prior(c.template), 1e-6)))
            for c in ordered]
