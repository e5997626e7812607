"""Order candidates before validation. `rank_candidates` is the one entry point the session uses;
rankers: "ebm" (the shipped energy model, scored in numpy; falls back to "prior" when the
checkpoint or its numpy scorer is missing), "features" (its features-only linear model), "prior"
(suspiciousness x template prior) and "none" (generation order). `validation_plan` turns the ranked
list's calibrated probabilities into the adaptive-compute decision: how many candidates to validate
at once and when to stop."""
from __future__ import annotations

import logging
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ..types import Candidate, SuspiciousLine, TestResult
from .budget import ValidationPlan, validation_plan
from .project_model import ProjectModel

__all__ = ["RankContext", "Ranked", "rank_candidates", "preload", "ValidationPlan", "validation_plan",
           "scored_set_of"]

log = logging.getLogger("agent.rank")
MEMORY_WEIGHT = 16.0  # energy units for a recalled fix of weight 1 (agent.memory.recall): one past success
# at a similarity of 0.55 reaches the project model's PREFERRED, and goes before the probe's order
NEAR_TIE = 0.05     # energies this close (a ~5% odds ratio) say nothing about which goes first


@dataclass
class RankContext:
    files: dict[str, bytes]
    lines: Sequence[SuspiciousLine]
    failing: Sequence[TestResult]
    project_sources: dict[str, bytes] = field(default_factory=dict)
    outcomes: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # id -> (passed, failed)
    seed: int | None = None     # a bench rollout's: near-ties in a seeded order (near_ties_shuffled)
    project: ProjectModel | None = None     # what this project taught (agent.rank.project_model)
    recalled: Mapping[tuple[str, str], float] = field(default_factory=dict)   # (shape, site) -> weight


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    energy: float | None = None
    probability: float | None = None
    learned: float = 0.0        # the project model's part of `energy` (negative: the project favours it)


@dataclass(frozen=True)
class ScoredSet:
    """What the model read for one ranking, kept so an editor decision can become training data."""
    ids: tuple[str, ...]
    features: object      # np.ndarray [n, F]
    tokens: object        # np.ndarray [n, L] int16
    aux: object           # np.ndarray [n, L] uint8
    energies: tuple[float, ...]
    candidates: tuple[Candidate, ...] = ()


_recent: "OrderedDict[str, ScoredSet]" = OrderedDict()
_recent_lock = threading.Lock()
_RECENT_MAX = 4096


def scored_set_of(candidate_id: str) -> ScoredSet | None:
    """The scored set a candidate was ranked in (recent rankings of this process only)."""
    with _recent_lock:
        return _recent.get(candidate_id)


def _remember(scored: ScoredSet) -> None:
    with _recent_lock:
        for cid in scored.ids:
            _recent[cid] = scored
            _recent.move_to_end(cid)
        while len(_recent) > _RECENT_MAX:
            _recent.popitem(last=False)


def _prior(cands: Sequence[Candidate], ctx: RankContext) -> list[Ranked]:
    from ..generate.generator import prior_order
    from ..generate.site import prior_of
    ordered = prior_order(list(cands))
    learned = _learned(ordered, None, ctx)
    energies = [-math.log(max(c.suspiciousness, 1e-6) * max(prior_of(c.template), 1e-6)) + d
                for c, d in zip(ordered, learned)]
    order = sorted(range(len(ordered)), key=lambda i: (energies[i], i)) if any(learned) else range(len(ordered))
    return [Ranked(ordered[i], energy=energies[i], learned=learned[i]) for i in order]


def _learned(cands: Sequence[Candidate], features, ctx: RankContext) -> list[float]:
    """The energy correction of each candidate from what the project taught: the project model's,
    and the recalled past fixes' (MEMORY_WEIGHT x their weight for the same shape at the same kind
    of site, half that at another kind); zeros without either."""
    model = ctx.project if ctx.project is not None and not ctx.project.empty else None
    if model is None and not ctx.recalled:
        return [0.0] * len(cands)
    from .shape import shape_of, site_of
    shapes = [(c.template, shape_of(c, ctx.files)) for c in cands]
    out = [float(d) for d in model.delta(features, shapes)] if model is not None else [0.0] * len(cands)
    if ctx.recalled:
        by_shape: dict[str, float] = {}
        for (shape, _), w in ctx.recalled.items():
            by_shape[shape] = max(by_shape.get(shape, 0.0), w)
        trees: dict = {}
        for i, (c, (_, shape)) in enumerate(zip(cands, shapes)):
            if shape in by_shape:
                here = ctx.recalled.get((shape, site_of(c, ctx.files, trees)))
                out[i] -= MEMORY_WEIGHT * (here if here is not None else 0.5 * by_shape[shape])
    return out


def _variant(ranker: str) -> str:
    return "full" if ranker == "ebm" else "features_only"


def _model(cands: Sequence[Candidate], ranker: str, ctx: RankContext) -> list[Ranked] | None:
    """The model's ranking, scored in numpy (never torch); None when the checkpoint has no numpy
    scorer for the ranker's variant (`remedy ebm train` writes one)."""
    import numpy as np

    from .calibrate import set_log_probs
    from .encoding import ENCODED_LEN, encode_windows, shrink
    from .scorer import load_calibration, load_fast
    from .features import extract

    fast = load_fast().get(_variant(ranker))
    if fast is None:
        return None
    ex = extract(cands, ctx)
    ids, aux = shrink(*encode_windows(ex.windows, ENCODED_LEN, fast.vocab), fast.max_len)
    energy = fast.energy(ex.features, ids, aux).astype(np.float64)
    calib = load_calibration().get("ebm" if ranker == "ebm" else "features")
    probs = calib(set_log_probs(energy)) if calib is not None else np.full(len(cands), np.nan)
    learned = np.asarray(_learned(cands, ex.features, ctx))     # the order's, not the calibrated odds'
    energy = energy + learned
    _remember(ScoredSet(tuple(c.id for c in cands), ex.features, ids, aux, tuple(map(float, energy)),
                         tuple(cands)))
    order = sorted(range(len(cands)), key=lambda i: (energy[i], i))
    return [Ranked(cands[i], float(energy[i]), float(probs[i]), float(learned[i])) for i in order]


def rank_candidates(cands: Sequence[Candidate], ranker: str, ctx: RankContext) -> list[Ranked]:
    ranked = _rank(cands, ranker, ctx)
    return ranked if ctx.seed is None else near_ties_shuffled(ranked, ctx.seed)


def near_ties_shuffled(ranked: list[Ranked], seed: int, tie: float = NEAR_TIE) -> list[Ranked]:
    """`ranked` with each run of candidates whose energies lie within `tie` of the run's first in an
    order drawn from `seed`: what one rollout of `remedy bench --rollouts N` varies. Candidates
    without an energy (generation order) keep their places."""
    rng = random.Random(seed)
    runs: list[list[Ranked]] = []
    for r in ranked:
        head = runs[-1][0] if runs else None
        if head is not None and r.energy is not None and head.energy is not None \
                and abs(r.energy - head.energy) <= tie:
            runs[-1].append(r)
        else:
            runs.append([r])
    for run in runs:
        if len(run) > 1:
            rng.shuffle(run)
    return [r for run in runs for r in run]


def _rank(cands: Sequence[Candidate], ranker: str, ctx: RankContext) -> list[Ranked]:
    if ranker == "none" or not cands:
        return [Ranked(c) for c in cands]
    if ranker in ("ebm", "features"):
        try:
            ranked = _model(cands, ranker, ctx)
        except (KeyError, ValueError, IndexError, RuntimeError) as exc:   # never lose a session to ranking
            log.warning("ranker %r failed (%s: %s); using the template prior", ranker,
                        type(exc).__name__, exc)
            return _prior(cands, ctx)
        if ranked is not None:
            return ranked
        log.warning("ranker %r unavailable (no EBM checkpoint); using the template prior", ranker)
    return _prior(cands, ctx)


def preload(ranker: str) -> None:
    """Load the scorer ahead of time (a session does it while the failure is reproduced), so ranking
    later costs only the scoring: the checkpoint's numpy scorer (scorer.json, trunk.npz) and
    calibration."""
    if ranker in ("ebm", "features"):
        from .scorer import load_calibration, load_fast
        from .features import FEATURE_NAMES  # noqa: F401  (imports the feature extractors)
        if _variant(ranker) in load_fast():
            load_calibration()
