"""Adaptive compute: how much validation the ranked list deserves.

The calibrated probability of the best candidate and its margin over the runner-up decide:
- a confident, well-separated leader is validated alone first (no parallel speculation) and the
  search stops at the first plausible patch;
- a confident leader with a close runner-up is validated beside it and one more is looked at;
- an uncertain list uses every worker and, after the first plausible patch, keeps looking for a
  smaller one a while (the uncalibrated default).
Without probabilities (rankers "none"/"prior") the plan is the default.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

__all__ = ["ValidationPlan", "validation_plan", "DEFAULT_EXTRA"]

DEFAULT_EXTRA = 6
CONFIDENT = 0.5       # calibrated P(correct) of the leader
SEPARATED = 0.25      # leader's probability minus the runner-up's


class ValidationPlan(NamedTuple):
    parallelism: int          # candidates validated at the same time (<= workers)
    stop_after_first: bool    # stop as soon as one candidate is plausible
    extra_after_first: int    # else: how many more candidates to try after the first plausible one


def validation_plan(ranked: Sequence, workers: int = 2) -> ValidationPlan:
    """`ranked`: the list `rank_candidates` returned (Ranked records, best first)."""
    workers = max(1, workers)
    probs = [r.probability for r in ranked[:2]]
    if not probs or probs[0] is None or (isinstance(probs[0], float) and math.isnan(probs[0])):
        return ValidationPlan(workers, False, DEFAULT_EXTRA)
    p1 = probs[0]
    p2 = probs[1] if len(probs) > 1 and probs[1] is not None else 0.0
    if p1 >= CONFIDENT and p1 - p2 >= SEPARATED:
        return ValidationPlan(1, True, 0)
    if p1 >= CONFIDENT:
        return ValidationPlan(min(2, workers), False, 1)
    if p1 >= CONFIDENT / 2:
        return ValidationPlan(workers, False, 3)
    return ValidationPlan(workers, False, DEFAULT_EXTRA)
