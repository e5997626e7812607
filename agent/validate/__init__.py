"""Validation: run candidates, best-ranked first, in parallel sandbox workers — the failing
targets first (fast reject), then the tests that passed before (no regressions). Stops when the
budget runs out or shortly after the first plausible patch, keeping the smallest plausible one that
shows no anti-pattern (agent.rank.antipatterns); while every plausible patch shows one, it keeps
looking a while longer. A candidate that fails is kept as progress when it made a failing target
pass or moved one's failure closer to passing (agent.progress), for multi-edit repair.
`Validator` runs one round; a session's rounds are sequenced in rounds.py, its warm workers
started in workers.py."""
from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import AsyncIterator, Sequence

from ..cancel import CancelToken
from ..diff import changed_lines
from ..errors import Cancelled
from ..events import Event, Validation
from ..project import Project, node_file
from ..progress import moved_closer
from ..rank import Ranked, validation_plan
from ..rank.antipatterns import anti_patterns
from ..types import RunReport, TestResult

__all__ = ["Plausible", "Validator", "ANTI_EXTRA"]

ANTI_EXTRA = 40     # candidates still tried after a plausible patch while every one so far is an anti-pattern


@dataclass
class Plausible:
    ranked: Ranked
    patched: dict[str, bytes]
    passed: list[str]
    size: int
    order: int
    anti: tuple[str, ...] = ()      # the anti-patterns it shows (agent.rank.antipatterns)

    def key(self) -> tuple:
        """Which plausible patch to propose: no anti-pattern first, then the smallest, then the
        best ranked."""
        return bool(self.anti), self.size, self.order


@dataclass
class _Outcome:
    order: int
    ranked: Ranked
    plausible: bool
    passed: int
    failed: int
    stage: str
    patched: dict[str, bytes]
    passed_ids: list[str]
    targets_passed: frozenset[str] = frozenset()
    targets_closer: frozenset[str] = frozenset()


class Validator:
    def __init__(self, project: Project, runner, pool, cancel: CancelToken, files: dict[str, bytes],
                 reproduced: RunReport, failing: Sequence[TestResult], workers: int = 2) -> None:
        self.project, self.runner, self.pool = project, runner, pool
        self.files, self.cancel = files, cancel
        self.failing_ids = [t.test_id for t in failing]
        self.reproduced_failures = {t.test_id: t for t in failing}
        self.regression_ids = [r.test_id for r in reproduced.passing]
        reproduced_files = {node_file(r.test_id) for r in reproduced.results}
        # Other test files that import a suspicious module: checked last, in a fresh pytest.
        self.extra_files = sorted({t for path in files for t in project.files_importing(path)}
                                  - reproduced_files)
        self.extra_ids: list[str] = []
        self.extra_limit: float | None = None      # one extra test's limit, from the baseline
        self.extra_timeout: float | None = None    # their run's, from the baseline too
        self.workers = max(1, workers)
        self.tests_run = 0
        self.tried = 0
        self.submitted = 0        # how many of the ranked list were taken up (the rest waits)
        self.plausible: list[Plausible] = []
        # Candidates that failed a target: (order, candidate, the targets it made pass, the targets
        # whose failure it moved closer to passing)
        self.progress: list[tuple[int, Ranked, frozenset[str], frozenset[str]]] = []
        self._lock = threading.Lock()
        self._baseline_done = False

    def best(self) -> Plausible | None:
        return min(self.plausible, key=Plausible.key, default=None)

    async def run(self, ranked: Sequence[Ranked], deadline: float) -> AsyncIterator[Event]:
        """Validate best first. The ranker's calibrated confidence sets the pace (agent.rank.budget):
        a confident, well-separated leader is tried alone and ends the search if it passes; the
        first failure widens to every worker. After the first plausible patch a few more are tried
        in case a smaller one passes too; while every plausible patch is an anti-pattern, at least
        ANTI_EXTRA more (the deadline still rules)."""
        await asyncio.to_thread(self._baseline, deadline)
        plan = validation_plan(ranked, self.workers)
        extra = 0 if plan.stop_after_first else plan.extra_after_first
        width = plan.parallelism
        executor = ThreadPoolExecutor(self.workers, thread_name_prefix="remedy-validate")
        queue = iter(enumerate(ranked))
        pending: set[asyncio.Future] = set()
        stop_at: int | None = None
        next_order = 0
        try:
            while True:
                while (len(pending) < width and time.monotonic() < deadline
                       and not self.cancel.cancelled and (stop_at is None or next_order <= stop_at)):
                    item = next(queue, None)
                    if item is None:
                        break
                    next_order = self.submitted = item[0] + 1
                    pending.add(asyncio.wrap_future(executor.submit(self._validate_one, *item)))
                if not pending:
                    break
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for future in done:
                    outcome: _Outcome = future.result()
                    self.tried += 1
                    c = outcome.ranked.candidate
                    yield Validation(c.id, c.description, outcome.plausible, outcome.passed,
                                     outcome.failed, outcome.stage, outcome.order + 1)
                    if outcome.stage == "target" and not outcome.plausible:
                        self.progress.append((outcome.order, outcome.ranked, outcome.targets_passed,
                                              outcome.targets_closer))
                    if outcome.plausible:
                        if self._keep(outcome).anti:
                            width = self.workers
                            if stop_at is None:
                                stop_at = outcome.order + max(extra, ANTI_EXTRA)
                        else:
                            horizon = outcome.order + extra
                            stop_at = horizon if stop_at is None else min(stop_at, horizon)
                    else:
                        width = self.workers     # the leader was wrong: stop trusting the ranking
        finally:
            for future in pending:
                future.cancel()
            executor.shutdown(wait=True, cancel_futures=True)
        self.cancel.check()

    def _baseline(self, deadline: float) -> None:
        """Tests in other files that import the suspicious modules: those passing now must keep
        passing. A check on top of the reproduced files': it gets a quarter of the budget left."""
        if not self.extra_files:
            return
        limit = min(self.runner.timeout, max(5.0, 0.25 * (deadline - time.monotonic())))
        report = self._fresh_run({}, self.extra_files, None, limit)
        self.extra_ids = [r.test_id for r in report.passing]
        self.extra_timeout = max(self.runner.timeout, 2.0 * report.duration)
        if self.runner.test_timeout:     # the reproduction did not time these: this run does
            self.extra_limit = max(1.0, 5.0 * max((r.duration for r in report.passing), default=0.0))

    def _fresh_run(self, patched: dict[str, bytes], test_ids: Sequence[str],
                   test_timeout: float | None, timeout: float | None = None) -> RunReport:
        import copy

        from ..sandbox.workspace import Sandbox

        runner = copy.copy(self.runner)
        runner.test_timeout = test_timeout
        runner.timeout = timeout or runner.timeout
        with Sandbox(self.project.root) as sbx:
            for rel, data in patched.items():
                sbx.write(rel, data)
            report = runner.run(sbx.path, test_ids, cancel=self.cancel)
        self._count(report)
        return report

    def _validate_one(self, order: int, ranked: Ranked) -> _Outcome:
        from ..diff import apply_edits

        if self.cancel.cancelled:
            raise Cancelled("repair cancelled")
        patched = apply_edits(self.files, ranked.candidate.edits)
        report = self.pool.validate(patched, self.failing_ids)
        self._count(report)
        if not self._all_pass(report, self.failing_ids):
            fixed = frozenset(r.test_id for r in report.passing) if not report.timed_out else frozenset()
            return _Outcome(order, ranked, False, len(report.passing), max(len(report.failing), 1),
                            "target", patched, [], fixed, self._closer(report))
        if self.regression_ids:
            report2 = self.pool.validate(patched, self.regression_ids)
            self._count(report2)
            if not self._all_pass(report2, self.regression_ids):
                return _Outcome(order, ranked, False, len(report.passing) + len(report2.passing),
                                max(len(report2.failing), 1), "regression", patched, [])
            report.results.extend(report2.results)
        if self.extra_ids:
            report3 = self._fresh_run(patched, self.extra_ids, self.extra_limit, self.extra_timeout)
            if not self._all_pass(report3, self.extra_ids):
                return _Outcome(order, ranked, False, len(report.passing) + len(report3.passing),
                                max(len(report3.failing), 1), "regression", patched, [])
            report.results.extend(report3.results)
        return _Outcome(order, ranked, True, len(report.results), 0, "regression" if self.regression_ids
                        else "target", patched, [r.test_id for r in report.results])

    @staticmethod
    def _all_pass(report: RunReport, test_ids: Sequence[str]) -> bool:
        if not report.all_ok:
            return False
        outcomes = {r.test_id: r.outcome for r in report.results}
        return all(any(tid == t or tid.startswith((t + "::", t + "[")) for tid in outcomes)
                   for t in test_ids)

    def _count(self, report: RunReport) -> None:
        with self._lock:
            self.tests_run += len(report.results)

    def _closer(self, report: RunReport) -> frozenset[str]:
        """Failing targets whose failure this run moved closer to passing."""
        return frozenset(r.test_id for r in report.failing if r.test_id in self.reproduced_failures
                         and moved_closer(self.reproduced_failures[r.test_id], r))

    def _keep(self, outcome: _Outcome) -> Plausible:
        size = sum(changed_lines(self.files[p].decode("utf-8", "replace"), data.decode("utf-8", "replace"))
                   for p, data in outcome.patched.items())
        kept = Plausible(outcome.ranked, outcome.patched, outcome.passed_ids, size, outcome.order,
                         anti_patterns(self.files, outcome.patched))
        self.plausible.append(kept)
        return kept
