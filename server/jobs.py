"""Repair jobs: a queue per workspace, the engine driven off the event loop, cancellation.

Policy: one job runs per workspace at a time. A second job on the same workspace *queues* behind
the first (it is never replaced: the first may be about to propose a fix the user is waiting for);
user jobs run before background jobs, first come first served within a priority. The background
file watcher submits `Priority.BACKGROUND` jobs through the same `Jobs.submit`.

The session is an async generator that does blocking, CPU-heavy work. The real engine runs each job
in a child process (server/engine_process.py), so it cannot starve the server of the GIL and a
crash ends only that job; an injected `SessionFn` (tests, embedders) runs in a worker thread with
its own event loop, every event hopped back onto the server's loop. This module knows nothing
of LSP: a `JobListener` (server/reporting.py) turns a job's life into progress and notifications.
"""
from __future__ import annotations

import asyncio
import enum
import inspect
import itertools
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Protocol, Sequence

from agent import CancelToken, Cancelled, Config, Done, Error, Event, FixStatus, run_repair

from .engine_process import EngineProcess

__all__ = ["Priority", "JobState", "Job", "JobListener", "Jobs", "SessionFn", "Approver",
           "engine_session"]

log = logging.getLogger(__name__)

Approver = Callable[[str], bool]
"""Asked from the engine's thread before a risky action; True allows it."""

SessionFn = Callable[[Path, Sequence[str], Config, CancelToken, Approver], AsyncIterator[Event]]

CANCEL_GRACE_S = 10.0   # after this, a cancelled engine that has not stopped is abandoned


def engine_session(root: Path, test_ids: Sequence[str], config: Config, cancel: CancelToken,
                   approve: Approver) -> AsyncIterator[Event]:
    """The real engine. The approval port is handed over once `run_repair` takes one."""
    if "approve" in inspect.signature(run_repair).parameters:
        return run_repair(root, list(test_ids), config, cancel, approve=approve)
    return run_repair(root, list(test_ids), config, cancel)


class Priority(enum.IntEnum):
    USER = 0
    BACKGROUND = 1


class JobState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class Job:
    id: str
    root: Path
    test_ids: list[str]
    config: Config
    priority: Priority = Priority.USER
    uri: str | None = None
    cancel: CancelToken = field(default_factory=CancelToken)
    state: JobState = JobState.QUEUED
    done: Done | None = None
    errors: list[Error] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    extra: dict[str, Any] = field(default_factory=dict)


class JobListener(Protocol):
    def queued(self, job: Job, ahead: list[Job]) -> None: ...
    async def started(self, job: Job) -> None: ...
    def event(self, job: Job, event: Event) -> None: ...
    async def finished(self, job: Job) -> None: ...


class Jobs:
    def __init__(self, session: SessionFn | None, listener: JobListener, approve: Approver) -> None:
        """`session` None: the real engine, one child process per job."""
        self._session, self._listener, self._approve = session, listener, approve
        self._process = EngineProcess(CANCEL_GRACE_S)
        self._ids = itertools.count(1)
        self._jobs: dict[str, Job] = {}
        self._queues: dict[Path, list[Job]] = {}
        self._running: dict[Path, Job] = {}
        self._drainers: dict[Path, asyncio.Task[None]] = {}

    def submit(self, root: Path, test_ids: Sequence[str], config: Config, *, uri: str | None = None,
               priority: Priority = Priority.USER) -> Job:
        job = Job(id=f"job-{next(self._ids)}", root=root, test_ids=list(test_ids), config=config,
                  priority=priority, uri=uri)
        self._jobs[job.id] = job
        queue = self._queues.setdefault(root, [])
        queue.append(job)
        queue.sort(key=lambda j: j.priority)          # stable: FIFO within a priority
        ahead = ([self._running[root]] if root in self._running else []) + queue[:queue.index(job)]
        self._listener.queued(job, ahead)
        if root not in self._drainers or self._drainers[root].done():
            self._drainers[root] = asyncio.get_running_loop().create_task(self._drain(root))
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def active(self) -> list[Job]:
        return [j for j in self._jobs.values() if j.state in (JobState.QUEUED, JobState.RUNNING)]

    def cancel(self, job: Job) -> None:
        """Cancel a queued or running job; a finished one is left as it is."""
        job.cancel.cancel()
        queue = self._queues.get(job.root, [])
        if job in queue:
            queue.remove(job)
            job.state = JobState.CANCELLED
            job.errors.append(Error("repair cancelled before it started", "cancelled"))
            asyncio.get_running_loop().create_task(self._finish(job))

    async def _drain(self, root: Path) -> None:
        queue = self._queues[root]
        while queue:
            job = queue.pop(0)
            self._running[root] = job
            try:
                await self._run(job)
            finally:
                del self._running[root]

    async def _run(self, job: Job) -> None:
        job.state = JobState.RUNNING
        try:
            await self._listener.started(job)
            async for event in self._events(job):
                if isinstance(event, Done):
                    job.done = event
                elif isinstance(event, Error):
                    job.errors.append(event)
                self._listener.event(job, event)
        except Exception as exc:      # a listener bug ends this job, never the server
            log.exception("job %s failed", job.id)
            job.errors.append(Error(f"internal error: {exc}"))
        if job.cancel.cancelled:
            job.state = JobState.CANCELLED
        elif job.errors and (job.done is None or job.done.result.status is FixStatus.ERROR):
            job.state = JobState.FAILED
        else:
            job.state = JobState.DONE
        await self._finish(job)

    async def _finish(self, job: Job) -> None:
        try:
            await self._listener.finished(job)
        except Exception:
            log.exception("job %s: reporting the end failed", job.id)
        job.finished.set()

    def _events(self, job: Job) -> AsyncIterator[Event]:
        if self._session is None:
            return self._process.events(job.root, job.test_ids, job.config, job.cancel, self._approve)
        return self._thread_events(job, self._session)

    async def _thread_events(self, job: Job, session: SessionFn) -> AsyncIterator[Event]:
        """The session's events, produced in a worker thread and delivered on this loop."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event | None] = asyncio.Queue()

        def put(item: Event | None) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:      # the server's loop is gone: nobody is listening any more
                pass

        def work() -> None:
            async def drive() -> None:
                async for event in session(job.root, job.test_ids, job.config, job.cancel,
                                                 self._approve):
                    put(event)
            try:
                asyncio.run(drive())
            except Cancelled:
                put(Error("repair cancelled", "cancelled"))
            except BaseException as exc:  # the engine failed: end this job with an Error event
                log.exception("engine failed in %s", job.id)
                put(Error(f"engine failed: {type(exc).__name__}: {exc}".strip()))
            finally:
                put(None)

        threading.Thread(target=work, name=f"remedy-{job.id}", daemon=True).start()
        unregister = job.cancel.on_cancel(lambda: put(_CANCEL_MARK))
        deadline: float | None = None
        try:
            while True:
                timeout = None if deadline is None else max(0.0, deadline - loop.time())
                try:
                    item = await asyncio.wait_for(queue.get(), timeout)
                except asyncio.TimeoutError:
                    yield Error("the engine did not stop after cancellation; abandoned", "cancelled")
                    return
                if item is None:
                    return
                if item is _CANCEL_MARK:
                    deadline = loop.time() + CANCEL_GRACE_S
                    continue
                yield item
        finally:
            unregister()


_CANCEL_MARK = Error("cancel requested", "cancelled")   # in-queue marker only, never forwarded
