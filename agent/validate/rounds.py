"""Validation rounds of one session on a shared pool: single edits first, then multi-edit patches
from the singles that made progress (`search`), then the LLM's later samples (`later`). Counts add
up across rounds, and the best plausible patch is kept (`Plausible.key`: a patch with an
anti-pattern only when nothing else passed)."""
from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Mapping, Sequence

from ..cancel import CancelToken
from ..events import CandidatesRanked, Event, Validation
from ..generate.stage import Generated, Sampler, Work
from ..project import Project
from ..rank import Ranked
from ..rank.ordering import order_candidates
from ..types import RunReport, TestResult
from . import Plausible, Validator

__all__ = ["Rounds", "SINGLES_SHARE", "PAIRS_BEFORE_REST"]

SINGLES_SHARE = 0.6     # of the validation time, for single edits before multi-edit patches get a turn
PAIRS_BEFORE_REST = 20  # pairs tried then, before the single edits that still wait


class Rounds:
    """`files`: the contents candidates are applied to; `reproduced`: the reproduction's report."""

    def __init__(self, project: Project, runner, pool, files: dict[str, bytes], reproduced: RunReport,
                 failing: Sequence[TestResult], cancel: CancelToken, workers: int, deadline: float) -> None:
        self.project, self.runner, self.pool = project, runner, pool
        self.files, self.reproduced, self.failing = files, reproduced, failing
        self.cancel, self.workers, self.deadline = cancel, workers, deadline
        self.best: Plausible | None = None
        self.progress: dict[str, tuple] = {}    # failed candidate's id -> (order, Ranked, passed, closer)
        self.taken = 0                           # candidates taken up so far: the next round's place 0
        self.left: list = []                     # what the last round did not take up
        self.tried_ids: set[str] = set()
        self.offered: set[str] = set()           # multi-edit candidates already counted as generated
        self.generated = self.tests_run = self.tried = 0

    @property
    def settled(self) -> bool:
        """A plausible patch without an anti-pattern was found: no further round is needed."""
        return self.best is not None and not self.best.anti

    def combinations(self, size: int, evidence: Mapping) -> list[Ranked]:
        """Candidates of `size` edits from single ones that made progress (agent.generate.combine),
        each a Ranked whose energy is its parts' sum and whose probability is their product (every
        part must be right)."""
        from ..generate.combine import Partial, combine_partials   # the templates' modules: loaded late

        ranked = {r.candidate.id: r for _, r, _, _ in self.progress.values()}
        partials = [Partial(r.candidate, passed, closer, _toward(evidence.get(cid)), order)
                    for cid, (order, r, passed, closer) in self.progress.items()
                    if r.candidate.template != "combined"]
        out = []
        for c in combine_partials(partials, self.files, size=size):
            parts = [ranked[p.id] for p in c.parts]
            energies = [p.energy for p in parts]
            probs = [p.probability for p in parts]
            out.append(Ranked(c.candidate, sum(energies) if None not in energies else None,
                              math.prod(probs) if None not in probs else None))
        return out

    async def search(self, ranked: list[Ranked], evidence: Mapping) -> AsyncIterator[Event]:
        """Single edits first, for SINGLES_SHARE of the time left. Then multi-edit patches from the
        singles that made progress (issue 22): pairs (when singles still wait, the best
        PAIRS_BEFORE_REST within half of what is left; the singles get the rest, then the other
        pairs and those their progress allows), then triples. `evidence`: the probe's, by id."""
        async for event in self(ranked, _share(self.deadline, SINGLES_SHARE)):
            yield event
        rest = self.left if self.best is None else []
        for size in (2, 2, 3) if rest else (2, 3):
            if self.settled or time.monotonic() >= self.deadline:
                return
            more = [r for r in await asyncio.to_thread(self.combinations, size, evidence)
                    if r.candidate.id not in self.tried_ids][:PAIRS_BEFORE_REST if rest else None]
            if more:
                self.generated += len({r.candidate.id for r in more} - self.offered)
                self.offered.update(r.candidate.id for r in more)
                yield CandidatesRanked.of(more)
                async for event in self(more, _share(self.deadline, 0.5) if rest else None):
                    yield event
            if rest and not self.settled:
                async for event in self(rest):
                    yield event
            rest = []

    async def later(self, samples: Sampler, work: Work, ranker: str) -> AsyncIterator[Event]:
        """Rounds of the samples a generator makes on demand (the LLM's, K = 2, 4, 8), ranked as
        they come, while no plausible patch without an anti-pattern was found."""
        for k in samples.schedule():
            if self.settled or time.monotonic() >= self.deadline:
                break
            more = Generated()
            async for event in samples.run(work, more, k):
                yield event
            ranking = await order_candidates(more.candidates, ranker, work)
            self.generated += len(ranking.ranked)
            if ranking.ranked:
                yield CandidatesRanked.of(ranking.ranked)
                async for event in self(ranking.ranked):
                    yield event

    async def __call__(self, ranked: list[Ranked], until: float | None = None) -> AsyncIterator[Event]:
        """One round: validate `ranked` in order until `until` (default: the deadline)."""
        validator = Validator(self.project, self.runner, self.pool, self.cancel, self.files, self.reproduced,
                              self.failing, workers=self.workers)
        base = self.taken      # the round's places, 0-based, become the session's by adding this
        try:
            async for event in validator.run(ranked, min(self.deadline, until or self.deadline)):
                if isinstance(event, Validation):
                    event.position += base
                yield event
        finally:
            self.taken += validator.submitted
            self.tests_run += validator.tests_run
            self.tried += validator.tried
        self.left = list(ranked[validator.submitted:])
        self.tried_ids.update(r.candidate.id for r in ranked[:validator.submitted])
        for order, r, passed, closer in validator.progress:
            self.progress.setdefault(r.candidate.id, (base + order, r, passed, closer))
        found = validator.best()
        if found is not None:
            found.order += base
            if self.best is None or found.key() < self.best.key():
                self.best = found


def _share(deadline: float, fraction: float) -> float:
    """The moment `fraction` of the time left until `deadline` will have passed."""
    now = time.monotonic()
    return now + fraction * max(0.0, deadline - now)


def _toward(evidence) -> bool:
    """The probe saw the candidate's value move the way a failed comparison wants (agent.rank.probe)."""
    return evidence is not None and (evidence.matches > 0 or evidence.toward > evidence.away)
