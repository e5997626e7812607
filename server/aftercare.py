"""After a hunk is accepted: the diagnostics follow the truth, and an undo is noticed.

- Every save of a file that an accepted fix changed re-runs the tests that fix was for, on the
  project as saved (`agent.Recheck`: a warm worker started at the accept, the saved modules
  hot-patched in), and replaces their failing-test diagnostics with what that run found. With
  watch on, the watcher does this already and nothing more is run.
- An edit that puts a hunk's old text back where the accept had written the new one (the editor's
  undo) makes the hunk pending again: the accept is recorded as undone in
  `.remedy/decisions.jsonl`, and the proposal is back in the store, with its lenses, and sent again
  (`remedy/proposal`) so that the editor shows it again.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from agent import BadInput, Config, Hunk, Recheck, node_file, record_decision

from . import convert, diagnostics, review
from .proposals import PendingProposal
from .reporting import PROPOSAL

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["Aftercare", "AcceptedHunk"]

log = logging.getLogger(__name__)
KEEP = 50            # accepted hunks followed for an undo, newest kept


@dataclass
class AcceptedHunk:
    pending: PendingProposal
    hunk: Hunk
    uri: str
    start: int                  # the line where the accepted new text starts in the buffer
    seen: bool = False          # the buffer was seen holding the new text

    def follow(self, lines: list[str]) -> bool:
        """Track the new text in `lines`; True when the old text is back in its place instead."""
        new, old = _lines(self.hunk.new_text), _lines(self.hunk.old_text)
        if _at(lines, self.start, new):
            self.seen = True
            return False
        spots = [i for i in range(len(lines) - len(new) + 1) if _at(lines, i, new)]
        if len(spots) == 1:
            self.start, self.seen = spots[0], True
            return False
        return self.seen and _at(lines, self.start, old)


class Aftercare:
    def __init__(self, ls: "RemedyServer") -> None:
        self._ls = ls
        self._accepted: list[AcceptedHunk] = []
        self._tests: dict[tuple[Path, str], set[str]] = {}     # (root, file) -> tests to re-run
        self._rechecks: dict[Path, tuple[Config, Recheck]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def accepted(self, pending: PendingProposal, placed: list[tuple[Hunk, str, int]]) -> None:
        """`placed`: each accepted hunk with its document's uri and the line it was applied at."""
        for hunk, uri, start in placed:
            self._tests.setdefault((pending.root, hunk.path), set()).update(pending.test_ids)
            if hunk.old_text and hunk.new_text:     # a pure insertion or deletion leaves no trace to follow
                accepted = AcceptedHunk(pending, hunk, uri, start)
                self._accepted.append(accepted)
                self._look(accepted)         # the editor may have sent the edit before its answer
        del self._accepted[:-KEEP]
        if not self._ls.config.watch.enabled:
            test_files = sorted({node_file(t) for t in pending.test_ids})
            self._spawn(asyncio.to_thread(self._recheck(pending.root).prepare, test_files))

    def edited(self, uri: str) -> None:
        for accepted in [a for a in self._accepted if a.uri == uri]:
            if self._look(accepted):
                self._undone(accepted)

    def _look(self, accepted: AcceptedHunk) -> bool:
        try:
            return accepted.follow(_lines(self._ls.document(accepted.uri)[0]))
        except BadInput:
            return False

    def saved(self, uri: str) -> None:
        if self._ls.config.watch.enabled:
            return                       # the watcher re-runs the affected tests on save
        try:
            root = self._ls.root_for(uri)
            path = convert.relative_path(root, uri)
        except BadInput:
            return
        tests = self._tests.get((root, path))
        if tests:
            saved = sorted(p for r, p in self._tests if r == root)
            self._spawn(self._rerun(root, saved, sorted(tests)))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        rechecks, self._rechecks = [r for _, r in self._rechecks.values()], {}
        for recheck in rechecks:
            await asyncio.to_thread(recheck.close)

    # -- re-running -------------------------------------------------------------------------
    def _recheck(self, root: Path) -> Recheck:
        config = self._ls.config
        known = self._rechecks.get(root)
        if known is not None and known[0] == config:
            return known[1]
        if known is not None:
            self._spawn(asyncio.to_thread(known[1].close))
        recheck = Recheck(root, config)
        self._rechecks[root] = (config, recheck)
        return recheck

    async def _rerun(self, root: Path, saved: list[str], tests: list[str]) -> None:
        recheck = self._recheck(root)
        try:
            report = await asyncio.to_thread(recheck.run, saved, tests)
        except Exception as exc:       # a run that cannot start leaves the diagnostics as they were
            log.warning("re-running %s failed: %s", ", ".join(tests), exc)
            return
        failing = {r.test_id: r.message or r.outcome.value for r in report.failing}
        for error in report.collection_errors:
            path = next((node_file(t) for t in tests if error.startswith(node_file(t))), "")
            failing[path or node_file(tests[0])] = error
        store = self._ls.test_diagnostics
        diagnostics.publish(self._ls, root, store.on_watch_run(root, failing, tests, []))
        verdict = f"{len(failing)} still failing" if failing else "all pass"
        self._ls.window_log_message(types.LogMessageParams(
            type=types.MessageType.Info, message=f"Remedy: re-ran {', '.join(tests)} after the fix: {verdict}"))

    # -- undo -------------------------------------------------------------------------------
    def _undone(self, accepted: AcceptedHunk) -> None:
        self._accepted.remove(accepted)
        pending, ls = accepted.pending, self._ls
        pending.unmark(accepted.hunk)
        try:
            record_decision(pending.root, pending.id, accepted.hunk, False, pending.proposal.candidate,
                            undone=True)
        except OSError as exc:        # a read-only workspace must not block the review
            log.warning("could not record the undo: %s", exc)
        ls.proposals.add(pending)
        ls.protocol.notify(PROPOSAL, review.payload(pending))
        ls.refresh_lenses()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r\n") for line in text.splitlines()]


def _at(lines: list[str], start: int, block: list[str]) -> bool:
    return bool(block) and 0 <= start and lines[start:start + len(block)] == block
