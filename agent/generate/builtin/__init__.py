"""The built-in generator: tree-sitter templates at the suspicious lines (generator) while the warm
pool records and forces the suspicious conditions, then conditions synthesized from the values
that made the failing tests pass (angelic)."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable

from typing import TYPE_CHECKING

from ...events import Event
from ...types import Candidate, Outcome
from ..stage import Generated, Work

if TYPE_CHECKING:
    from ..angelic import AngelicRequest

# The templates and the angelic sites (tree-sitter queries, some 70 modules) are imported by the
# functions below, on a session's first generation: `import agent` (the server, the CLI) stays light.

__all__ = ["Builtin"]


class Builtin:
    """`pool`: the warm validation pool being started (an awaitable); `deadline`: the session's."""

    def __init__(self, pool: Awaitable, runner, deadline: float, max_candidates: int) -> None:
        self.pool, self.runner, self.deadline, self.max_candidates = pool, runner, deadline, max_candidates

    async def run(self, work: Work, out: Generated) -> AsyncIterator[Event]:
        # The worker forces the conditions while the templates run; the parsing on either side
        # of it does not overlap theirs (CPython 3.11's ast conversion is not thread-safe).
        request = await asyncio.to_thread(_angelic_request, work)
        templates, answer = await asyncio.gather(asyncio.to_thread(_templates, work, self.max_candidates),
                                                 self._ask_angels(request, out))
        synthesized = await asyncio.to_thread(_synthesize, request, answer, work.files)
        fresh = {c.id for c in synthesized}
        out.candidates += synthesized + [c for c in templates if c.id not in fresh]
        out.first += [c.id for c in synthesized]
        return
        yield   # an async generator that reports nothing while it works

    async def _ask_angels(self, request: AngelicRequest | None, out: Generated) -> dict | None:
        """One warm-worker request that records and forces the conditions, within a quarter of the
        budget left."""
        timeout = min(max(4.0, 2.0 * self.runner.warm_timeout), 0.25 * (self.deadline - time.monotonic()))
        if request is None or timeout < 2.0:
            return None
        answer = await asyncio.to_thread((await self.pool).angelic, request.files, request.spec,
                                         request.tests, timeout)
        if answer is not None:
            out.tests_run += sum(len(run.get("tests") or ()) for run in [answer.get("record") or {},
                                                                         *answer.get("plans", ())])
        return answer


def _angelic_request(work: Work) -> AngelicRequest | None:
    """The suspicious conditions to force, or None."""
    from ..angelic import angelic_request

    if any(t.outcome is Outcome.TIMEOUT for t in work.failing):
        return None     # a test that hangs records no outcome to force: the budget goes to validation
    return angelic_request(work.files, work.lines, [t.test_id for t in work.failing], work.passing,
                           work.coverage.get("tests") or {})


def _synthesize(request: AngelicRequest | None, answer: dict | None,
                files: dict[str, bytes]) -> list[Candidate]:
    """Conditions synthesized from the angelic values: `condition.synthesized` candidates."""
    from ..angelic import angelic_candidates

    return [] if request is None or answer is None else angelic_candidates(request, answer, files)


def _templates(work: Work, max_candidates: int) -> list[Candidate]:
    from ..generator import generate_candidates
    from ..mentions import failing_test_strings
    from ..neighbours import ProjectSources

    failing = work.failing[:3]
    return generate_candidates(work.files, work.lines, max_candidates=max_candidates,
                               message="\n".join(t.message for t in failing),
                               compared=[t.compared for t in failing if t.compared],
                               test_strings=failing_test_strings(work.project.read, failing),
                               sources=ProjectSources(work.project.sources, work.project.read),
                               patterns=work.patterns)
