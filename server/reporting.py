"""A repair job as the editor sees it: `$/progress` (begin/report/end, cancellable),
`remedy/event {jobId, type, data}` for every session event, `remedy/proposal` when a fix is ready
(and, for clients without it, the fix shown with standard LSP: plain_clients.py), diagnostics from
test runs, and a message or prompt when the job ends."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from agent import (CandidatesRanked, Event, FixStatus, Localized, PlanUpdated, ProposalReady, TestsRan,
                   Validation)

from . import convert, diagnostics, plain_clients
from .jobs import Job, JobState
from .proposals import PendingProposal
from .prompts import CANCEL, RUN_ANYWAY

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["JobReporter", "EVENT", "PROPOSAL", "record"]

EVENT, PROPOSAL = "remedy/event", "remedy/proposal"
log = logging.getLogger(__name__)


class JobReporter:
    def __init__(self, ls: "RemedyServer") -> None:
        self._ls = ls
        self._tasks: set[asyncio.Task[None]] = set()

    def _notify(self, job: Job, kind: str, data: dict) -> None:
        self._ls.protocol.notify(EVENT, {"jobId": job.id, "type": kind, "data": data})

    def queued(self, job: Job, ahead: list[Job]) -> None:
        self._ls.prompts.bind(asyncio.get_running_loop())
        self._notify(job, "JobQueued", {"testIds": job.test_ids, "behind": [j.id for j in ahead]})

    async def started(self, job: Job) -> None:
        token = f"remedy/{job.id}"
        window = self._ls.client_capabilities.window
        if window is not None and window.work_done_progress:
            await self._ls.work_done_progress.create_async(token)
            self._ls.work_done_progress.tokens[token].add_done_callback(
                lambda f: job.cancel.cancel() if f.cancelled() else None)
            job.extra["token"] = token
            job.extra["percentage"] = 0
            self._ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                title="Remedy", cancellable=True, percentage=0,
                message=f"fixing {', '.join(job.test_ids) or 'failing tests'}"))
        self._notify(job, "JobStarted", {"testIds": job.test_ids})

    def event(self, job: Job, event: Event) -> None:
        self._ls.protocol.notify(EVENT, convert.event_payload(job.id, event))
        self._report(job, event)
        pending = record(self._ls, job.id, job.root, job.test_ids, event)
        if pending is not None:       # the user asked for this fix: show it where it applies
            self._spawn(plain_clients.announce(self._ls, pending, job.test_ids, background=False))

    def _report(self, job: Job, event: Event) -> None:
        token = job.extra.get("token")
        message = _progress_message(event)
        if token is None or message is None:
            return
        if isinstance(event, PlanUpdated) and event.steps:
            done = sum(1 for s in event.steps if s.get("status") == "done")
            job.extra["percentage"] = max(job.extra["percentage"], int(100 * done / len(event.steps)))
        self._ls.work_done_progress.report(token, types.WorkDoneProgressReport(
            message=message, percentage=job.extra["percentage"]))

    async def finished(self, job: Job) -> None:
        token = job.extra.pop("token", None)
        summary = _summary(job)
        if token is not None:
            self._ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=summary))
            self._ls.work_done_progress.tokens.pop(token, None)
        self._notify(job, "JobFinished", {"state": job.state.value, "message": summary})
        if job.state is JobState.FAILED:
            self._ls.show(summary, types.MessageType.Error)
        elif job.done is not None and job.done.result.status is FixStatus.ALREADY_PASSING:
            self._spawn(self._not_reproduced(job))
        elif job.done is not None and job.done.result.status is FixStatus.NO_FIX:
            self._ls.show(summary, types.MessageType.Warning)

    async def _not_reproduced(self, job: Job) -> None:
        tests = ", ".join(job.test_ids) or "the tests"
        answer = await self._ls.prompts.ask(
            f"could not reproduce the failure: {tests} already passes. Run anyway?", [RUN_ANYWAY, CANCEL])
        if answer == RUN_ANYWAY:
            again = self._ls.jobs.submit(job.root, job.test_ids, self._ls.config, uri=job.uri)
            self._ls.show(f"running {tests} again as {again.id}")

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def record(ls: "RemedyServer", job_id: str, root: Path, test_ids: list[str],
           event: Event) -> PendingProposal | None:
    """What a session event means beyond its `remedy/event`: diagnostics from its test runs and
    localization, and a proposal that waits for review (returned) when a fix is ready. Shared by
    user jobs and the background watch's repairs."""
    store = ls.test_diagnostics
    if isinstance(event, TestsRan):
        diagnostics.publish(ls, root, store.on_tests_ran(root, event))
    elif isinstance(event, Localized):
        diagnostics.publish(ls, root, store.on_localized(root, event))
    elif isinstance(event, ProposalReady):
        pending = PendingProposal(event.proposal, job_id, root, list(test_ids))
        ls.proposals.add(pending)
        ls.protocol.notify(PROPOSAL, convert.proposal_payload(root, event.proposal, job_id))
        diagnostics.publish(ls, root, {h.path for h in event.proposal.hunks})
        ls.refresh_lenses()
        return pending
    return None


def _progress_message(event: Event) -> str | None:
    if isinstance(event, PlanUpdated):
        running = [s["title"] for s in event.steps if s.get("status") == "running"]
        return running[0] if running else None
    if isinstance(event, TestsRan):
        return f"{event.purpose}: {len(event.failed)} failing, {len(event.passed)} passing"
    if isinstance(event, CandidatesRanked):
        return f"ranked {event.count} candidates"
    if isinstance(event, Validation):
        return f"{event.description}: {'plausible' if event.plausible else 'rejected'}"
    if isinstance(event, ProposalReady):
        return "fix ready for review"
    return None


def _summary(job: Job) -> str:
    if job.state is JobState.CANCELLED:
        return "cancelled"
    if job.errors and job.state is JobState.FAILED:
        return job.errors[-1].message
    if job.done is not None:
        result = job.done.result
        return result.message or result.status.value
    return job.state.value

