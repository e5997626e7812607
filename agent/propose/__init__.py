"""Propose: the plausible patch the validation kept, as a unified diff plus the structured hunks the
editor reviews one by one, with the file contents it was computed on."""
from __future__ import annotations

import uuid

from ..diff import hunks_between, unified_diff
from ..source_encoding import decode_source
from ..types import Proposal
from ..validate import Plausible

__all__ = ["propose"]


def propose(best: Plausible, files: dict[str, bytes]) -> Proposal:
    """`files`: the contents `best` was applied to."""
    before = {p: decode_source(files[p], p) for p in best.patched}
    after = {p: decode_source(data, p) for p, data in best.patched.items()}
    cand = best.ranked.candidate
    return Proposal(
        id=uuid.uuid4().hex[:12], patch=unified_diff(before, after), files=sorted(after),
        hunks=hunks_between(before, after), summary=cand.description or cand.template,
        energy=best.ranked.energy, probability=best.ranked.probability,
        tests={"passed": best.passed, "failed": []}, candidate=cand, base_texts=before)
