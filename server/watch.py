"""Background watch (DESIGN.md, "Background watch"): while `remedy.watch.enabled` is on, one
`agent.Watcher` per workspace folder notices changes on disk by any tool (and the editor's didSave,
de-duplicated by the watcher), runs the affected tests and hands over what fails now and what
passes again; this module turns that into failing-test diagnostics, for test files open or not.

With `remedy.watch.autoRepair` the watcher starts a low-priority repair after a failing run. Its
events go out as `remedy/event`, its proposal waits in the proposal store like any other (lenses,
acceptHunk/rejectHunk and the stale checks apply), and the user is told: a client that renders
`remedy/proposal` is offered "Review" through a `window/showMessageRequest` that no handler waits
on, any other gets a plain `window/showMessage` (plain_clients.py). An unsaved edit of one of the
repair's files cancels it. Nothing here ever applies an edit.

The watchers call back from their own threads; every callback hops onto the server's loop.
Starting and stopping a watcher blocks (threads, inotify), so it runs in a worker thread, one
settings change at a time, the latest settings winning.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from lsprotocol import types

from agent import BadInput, Done, Event, FixStatus, ProposalReady, RemedyError, RepairJob, WatchUpdate, Watcher

from . import convert, diagnostics, plain_clients, reporting, review
from .proposals import PendingProposal

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["WatchService", "REVIEW"]

REVIEW = "Review"
log = logging.getLogger(__name__)


class WatchService:
    def __init__(self, ls: "RemedyServer") -> None:
        self._ls = ls
        self._watchers: dict[Path, Watcher] = {}
        self._repairs: dict[str, RepairJob] = {}        # background repairs not yet done
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dirty = False
        self._syncing: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- settings and workspace folders ------------------------------------------------------
    def sync(self) -> asyncio.Future[None]:
        """Bring the watchers in line with the settings and the workspace folders; await the
        result to wait until they are (handlers need not)."""
        self._loop = asyncio.get_running_loop()
        self._dirty = True
        if self._syncing is None or self._syncing.done():
            self._syncing = self._loop.create_task(self._sync())
        return asyncio.shield(self._syncing)

    async def _sync(self) -> None:
        try:
            await self._apply()
        except Exception:         # a bug here must not end the server, nor go unnoticed
            log.exception("updating the background watch failed")

    async def _apply(self) -> None:
        while self._dirty:
            self._dirty = False
            config = self._ls.config
            wanted = set(self._ls.roots()) if config.watch.enabled else set()
            for root in [r for r in self._watchers if r not in wanted]:
                await asyncio.to_thread(self._watchers.pop(root).stop)
                self._log(f"stopped watching {root}")
            for root in sorted(wanted):
                try:
                    if root in self._watchers:
                        await asyncio.to_thread(self._watchers[root].reconfigure, config)
                        continue
                    watcher = Watcher(root, config, self._hop(self._updated, root),
                                      self._hop(self._repair_event, root))
                    await asyncio.to_thread(watcher.start)
                except (RemedyError, OSError) as exc:
                    self._ls.show(f"cannot watch {root}: {exc}", types.MessageType.Warning)
                    continue
                self._watchers[root] = watcher
                self._log(f"watching {root}")

    async def stop_all(self) -> None:
        self._dirty = False
        watchers, self._watchers = list(self._watchers.values()), {}
        for watcher in watchers:
            await asyncio.to_thread(watcher.stop)

    # -- the editor's buffers ----------------------------------------------------------------
    def saved(self, uri: str) -> None:
        found = self._locate(uri)
        if found is not None:
            self._watchers[found[0]].notify_saved(found[1])

    def edited(self, uri: str) -> None:
        """An unsaved edit makes the background repairs of that file stale: cancel them."""
        found = self._locate(uri)
        if found is None:
            return
        jobs = dict(self._repairs)
        current = self._watchers[found[0]].repair       # started, but no event from it yet
        if current is not None:
            jobs[current.id] = current
        for job in jobs.values():
            if job.running and found[1] in job.files:
                job.stop()

    def _locate(self, uri: str) -> tuple[Path, str] | None:
        try:
            root = self._ls.root_for(uri)
            return (root, convert.relative_path(root, uri)) if root in self._watchers else None
        except BadInput:
            return None

    # -- from the watchers' threads ----------------------------------------------------------
    def _hop(self, handler: Callable[..., None], root: Path) -> Callable[..., None]:
        loop = self._loop
        assert loop is not None

        def call(*args: Any) -> None:
            try:
                loop.call_soon_threadsafe(handler, root, *args)
            except RuntimeError:       # the server's loop is gone: nobody is listening any more
                pass
        return call

    def _updated(self, root: Path, update: WatchUpdate) -> None:
        if root not in self._watchers:        # stopped meanwhile
            return
        failing = {r.test_id: r.message or r.outcome.value for r in update.failing}
        store = self._ls.test_diagnostics
        diagnostics.publish(self._ls, root, store.on_watch_run(root, failing, update.ran, update.fixed))

    def _repair_event(self, root: Path, job: RepairJob, event: Event) -> None:
        ls = self._ls
        if job.id not in self._repairs and not isinstance(event, Done):
            self._repairs[job.id] = job
            ls.protocol.notify(reporting.EVENT, {"jobId": job.id, "type": "JobStarted",
                                                 "data": {"testIds": job.tests, "background": True}})
        if isinstance(event, ProposalReady) and job.cancel.cancelled:
            return                      # cancelled by an edit while the fix was on its way: stale
        ls.protocol.notify(reporting.EVENT, convert.event_payload(job.id, event))
        pending = reporting.record(ls, job.id, root, job.tests, event)
        if pending is not None:
            self._spawn(self._offer(pending, job))
        if isinstance(event, Done):
            self._repairs.pop(job.id, None)
            state = ("cancelled" if job.cancel.cancelled else
                     "failed" if event.result.status is FixStatus.ERROR else "done")
            ls.protocol.notify(reporting.EVENT, {"jobId": job.id, "type": "JobFinished", "data": {
                "state": state, "message": event.result.message or event.result.status.value}})

    async def _offer(self, pending: PendingProposal, job: RepairJob) -> None:
        """Tell the user a fix waits: a plain client in one message (plain_clients.py); a rich
        one with a "Review" prompt that brings its first hunk into view."""
        if not plain_clients.is_rich(self._ls):
            await plain_clients.announce(self._ls, pending, job.tests, background=True)
            return
        names = ", ".join(diagnostics.split_test_id(t)[1] or t for t in job.tests)
        try:
            answer = await self._ls.window_show_message_request_async(types.ShowMessageRequestParams(
                type=types.MessageType.Info, message=f"Remedy has a fix for {names}",
                actions=[types.MessageActionItem(title=REVIEW)]))
        except Exception as exc:     # a client without this request: the lenses still show it
            log.warning("showMessageRequest failed: %s", exc)
            return
        if answer is not None and answer.title == REVIEW and pending in self._ls.proposals.all():
            await review.reveal(self._ls, pending)

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _log(self, message: str) -> None:
        self._ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info,
                                                           message=f"Remedy: {message}"))
