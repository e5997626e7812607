"""The rank stage's entry point: the generated candidates in the ranker's energy order
(`rank_candidates`), then, with the probe on, the value probe's reordering (agent.rank.probe) and
the candidates the angelic evidence names first."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from ..generate.stage import Work
from ..types import Candidate, Outcome
from . import RankContext, Ranked, preload, rank_candidates
from .project_model import PREFERRED, ProjectModel

if TYPE_CHECKING:
    from ..testing.runner import PytestRunner
    from .probe import Evidence

__all__ = ["Probe", "Ranking", "order_candidates", "preloaded"]


@dataclass
class Probe:
    """What reordering by evidence needs. `pool`: the warm validation pool being started (an
    awaitable, awaited only when a probe runs); `first`: the ids that go before the rest."""
    pool: Awaitable
    runner: PytestRunner
    first: Sequence[str]
    test_timeout: float
    deadline: float


@dataclass
class Ranking:
    ranked: list[Ranked]
    evidence: dict[str, Evidence] = field(default_factory=dict)    # candidate id -> what the probe saw
    tests_run: int = 0


async def order_candidates(candidates: Sequence[Candidate], ranker: str, work: Work,
                           probe: Probe | None = None, project: ProjectModel | None = None,
                           recalled: Mapping[tuple[str, str], float] | None = None) -> Ranking:
    """Candidates in the order to validate them: by energy (the shipped model's plus what `project`
    learned, and the past fixes `recalled` like this failure), then (with `probe`) by evidence; the
    shapes the project clearly favours first."""
    context = RankContext(files=work.files, lines=work.lines, failing=work.failing, seed=work.seed,
                          project=project, recalled=recalled or {})
    out = Ranking(await asyncio.to_thread(rank_candidates, candidates, ranker, context))
    if probe is not None:
        if ranker != "none" and len(out.ranked) > 1 \
                and not any(t.outcome is Outcome.TIMEOUT for t in work.failing):   # it would hang too
            out = await asyncio.to_thread(_probe, await probe.pool, probe, out.ranked, work)
        out.ranked = _first(out.ranked, probe.first)   # angelic evidence orders like the probe's: before the rest
    out.ranked = _first(out.ranked, _favoured(out))
    return out


def _favoured(ranking: Ranking) -> list[str]:
    """The candidates whose learned correction reaches `PREFERRED` (a shape the project accepted
    clearly more often than it rejected, or a past fix recalled for a similar failure), in their order, unless the probe saw them not reach the failing tests or leave
    every value as it was: what the project's developers keep choosing goes before the probe's
    order, not after it."""
    from .probe.evidence import evidence_classes
    classes = evidence_classes(ranking.ranked, ranking.evidence) if ranking.evidence else None
    return [r.candidate.id for n, r in enumerate(ranking.ranked)
            if r.learned <= PREFERRED and (classes is None or classes[n][0] <= 1)]


@asynccontextmanager
async def preloaded(ranker: str) -> AsyncIterator[None]:
    """The ranker's scorer loads in the background meanwhile (`preload`); waited for on exit."""
    loading = asyncio.ensure_future(asyncio.to_thread(preload, ranker))
    try:
        yield
    finally:
        await asyncio.gather(loading, return_exceptions=True)


def _probe(pool, probe: Probe, ranked: list[Ranked], work: Work) -> Ranking:
    """Reorder by what one traced run of the failing tests says; unchanged when nothing could be
    probed or the probe did not finish."""
    # Imported on the first probe, with the templates' kinds: `import agent` stays light.
    from ..generate.templates import EVIDENCE, SPECULATIVE
    from .probe import Evidence, place_speculative, probe_request

    failing_ids = [t.test_id for t in work.failing]
    sites, payload, tests = probe_request([r.candidate for r in ranked], work.files, failing_ids,
                                          work.coverage.get("tests") or {})
    if not sites:
        return Ranking(ranked)
    warm = probe.runner.warm_timeout or probe.runner.timeout     # None: the run's own limit
    timeout = min(probe.test_timeout, max(5.0, 3.0 * warm),
                  max(1.0, probe.deadline - time.monotonic()))
    stats = pool.probe(payload, failing_ids, tests, timeout)
    if stats is None:
        return Ranking(ranked)
    by_id = {s.candidate_id: s for s in sites}
    evidence = {cid: Evidence.from_stats(v, by_id[cid]) for cid, v in stats.items() if cid in by_id}
    return Ranking(place_speculative(ranked, evidence, SPECULATIVE, EVIDENCE), evidence, len(tests))


def _first(ranked: list[Ranked], ids: Sequence[str]) -> list[Ranked]:
    """`ranked` with the candidates `ids` names first, in that order."""
    by_id, named = {r.candidate.id: r for r in ranked}, set(ids)
    return [by_id[i] for i in ids if i in by_id] + [r for r in ranked if r.candidate.id not in named]
