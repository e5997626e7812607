"""The repair session: sequences reproduce -> localize -> generate -> rank -> validate -> propose.

`run_repair()` is an async generator of typed events (agent.events), so the CLI, the language server
and the bench drive the same code. Blocking steps run in worker threads; the cancel token is checked
between steps and kills every subprocess the session started."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import AsyncIterator, Sequence

from .cancel import CancelToken
from .config import Config
from .errors import BadInput, Cancelled, RemedyError
from .events import CandidatesRanked, Done, Error, Event, Localized, ProposalReady, TestsRan
from .agent_loop.samples import LlmSamples
from .generate.builtin import Builtin
from .generate.stage import Generated, Work, generate
from .localize import COVERAGE, localize
from .memory.learning import learned_patterns, project_model, recalled_fixes, record_proposal
from .memory.test_history import regression_hints
from .plan import Plan
from .project import Project, open_project
from .propose import propose
from .rank.ordering import Probe, order_candidates, preloaded
from .reproduce import reproduce, reproduction_runner, target_files
from .traces import write_session_trace
from .types import FixResult, FixStatus, RunReport, TestResult
from .validate.rounds import Rounds
from .validate.workers import warm_pool

__all__ = ["run_repair"]

STEPS = ("Reproduce the failure", "Localize the fault", "Generate candidates", "Rank candidates",
         "Validate candidates", "Propose a patch")


async def run_repair(root: Path | str, test_ids: Sequence[str] | None = None, config: Config | None = None,
                 cancel: CancelToken | None = None, approve=None) -> AsyncIterator[Event]:
    """Run one repair session; yields events and always ends with `Done`.

    test_ids: pytest node ids or test files relative to root; empty/None = all failing tests.
    Bad input raises nothing: it yields Error(kind="bad_input") then Done(status=error).
    approve(question) -> bool is asked before risky agent actions (default: deny).
    """
    session = _Session(Path(root), list(test_ids or ()), config or Config(), cancel or CancelToken(), approve)
    try:
        async for event in session.run():
            yield event
    except RemedyError as exc:
        kind = "bad_input" if isinstance(exc, BadInput) else "cancelled" if isinstance(exc, Cancelled) else "error"
        yield Error("repair cancelled" if kind == "cancelled" else str(exc), kind)
        yield Done(session.result(FixStatus.ERROR, "cancelled" if kind == "cancelled" else str(exc)))


class _Session:
    def __init__(self, root: Path, targets: list[str], config: Config, cancel: CancelToken, approve) -> None:
        self.root, self.targets, self.config, self.cancel, self.approve = root, targets, config, cancel, approve
        self.started = time.monotonic()
        self.deadline = self.started + config.time_budget
        self.plan = Plan(STEPS)
        self.tests_run = self.generated = 0     # besides what the stages' outputs count
        self.failing: list[TestResult] = []
        self.made = Generated()
        self.rounds: Rounds | None = None
        self.llm: LlmSamples                    # once the runner exists (run)

    def result(self, status: FixStatus, message: str = "", **kw) -> FixResult:
        rounds = self.rounds
        return FixResult(status=status, message=message, elapsed_s=time.monotonic() - self.started,
                         tests_run=self.tests_run + self.made.tests_run + (rounds.tests_run if rounds else 0),
                         candidates_generated=self.generated + (rounds.generated if rounds else 0),
                         candidates_tried=rounds.tried if rounds else 0, engine=self.config.engine,
                         failing_tests=[t.test_id for t in self.failing], **kw)

    def _llm_note(self, message: str) -> str:
        return f"{message} ({self.llm.note})" if self.llm.note else message

    async def run(self) -> AsyncIterator[Event]:
        project = await asyncio.to_thread(open_project, self.root, self.config.python)
        runner = await asyncio.to_thread(reproduction_runner, project, self.config)
        self.llm = LlmSamples(self.config, runner, self.cancel, self.approve)
        test_files = target_files(project, self.targets)
        yield self.plan.start(0)
        # The scorer loads and the warm validation workers start while the failure is reproduced.
        async with preloaded(self.config.ranker), \
                warm_pool(project.root, test_files, runner, self.config.workers, self.cancel) as pool:
            async for event in self._stages(project, runner, test_files, pool):
                if isinstance(event, Done) and self.llm.engine is not None:
                    write_session_trace(project.root, self.config, self.llm.engine, event.result)
                yield event

    async def _stages(self, project: Project, runner, test_files: list[str], pool) -> AsyncIterator[Event]:
        found = await asyncio.to_thread(reproduce, project, runner, self.targets, test_files, self.cancel, COVERAGE)
        self.tests_run += len(found.report.results)
        yield TestsRan.from_report("reproduce", found.report)
        found.check(project)
        self.failing = found.failing
        found.limit_validation(runner, self.config.test_timeout)
        if not self.failing:
            yield self.plan.finish_all()
            what = ", ".join(self.targets) or "all tests"
            yield Done(self.result(FixStatus.ALREADY_PASSING, f"{what}: already passing"))
            return
        yield self.plan.start(1)
        changed = await asyncio.to_thread(regression_hints, project.root, [t.test_id for t in self.failing])
        lines = await asyncio.to_thread(localize, project.root, self.failing, found.coverage, changed=changed)
        found.check_reached(project, lines)
        yield Localized(lines[:10])
        self.cancel.check()
        yield self.plan.start(2)
        patterns = await asyncio.to_thread(learned_patterns, project.root)
        async for event in self._repair(Work.at(project, lines, found, self.config.seed, patterns), runner, pool,
                                        found.report):
            yield event

    async def _repair(self, work: Work, runner, pool, reproduced: RunReport) -> AsyncIterator[Event]:
        builtin = [Builtin(pool, runner, self.deadline, self.config.max_candidates)]
        async for event in generate(work, [*(builtin if self.config.engine != "llm" else []), self.llm],
                                    self.made):
            yield event
        self.generated = len(self.made.candidates)
        yield self.plan.start(3)
        probe = Probe(pool, runner, self.made.first, self.config.test_timeout, self.deadline) \
            if self.config.probe else None
        learned, recalled = await asyncio.gather(asyncio.to_thread(project_model, work.project.root),
                                                 asyncio.to_thread(recalled_fixes, work.project.root, work.failing))
        ranking = await order_candidates(self.made.candidates, self.config.ranker, work, probe, learned, recalled)
        self.tests_run += ranking.tests_run
        yield CandidatesRanked.of(ranking.ranked)
        if not ranking.ranked:
            yield self.plan.fail(3)
            yield Done(self.result(FixStatus.NO_FIX, "no candidate patch could be generated"))
            return
        yield self.plan.start(4)
        rounds = self.rounds = Rounds(work.project, runner, await pool, work.files, reproduced, work.failing,
                                      self.cancel, self.config.workers, self.deadline)
        async for event in rounds.search(ranking.ranked, ranking.evidence):
            yield event
        async for event in rounds.later(self.llm, work, self.config.ranker):
            yield event
        if rounds.best is None:
            yield self.plan.fail(4)
            why = "time budget exhausted" if time.monotonic() >= self.deadline else "no candidate passed"
            done = self.result(FixStatus.NO_FIX)
            done.message = self._llm_note(f"no plausible patch found ({why}; {done.candidates_tried} of "
                                          f"{done.candidates_generated} candidates tried)")
            yield Done(done)
            return
        yield self.plan.start(5)
        proposal = propose(rounds.best, work.files)
        await asyncio.to_thread(record_proposal, work.project.root, proposal, work.files, work.failing)
        yield ProposalReady(proposal)
        yield self.plan.finish_all()
        yield Done(self.result(FixStatus.FIXED, self._llm_note(proposal.summary), patch=proposal.patch,
                               files=proposal.files, proposal=proposal))
