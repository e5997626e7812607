"""The background pipeline behind "Background watch": change batch -> affected tests -> a run in a
sandbox copy -> `WatchUpdate` (what fails now, what passes again) -> optional auto-repair.

    watcher = Watcher(root, config, on_update, on_event)
    watcher.start()                 # NotAProject for a bad root
    watcher.notify_saved(path)      # the editor's didSave
    watcher.reconfigure(config)     # settings changed: stop, restart or just switch auto-repair
    watcher.stop()

One worker thread runs the batches, so there is never more than one test run: a newer batch
cancels the run in progress (its changes are merged into the next run, not lost). Runs happen in
one long-lived sandbox copy kept in step with the root file by file, with per-test coverage that
feeds the impact cache, at nice 10. Callbacks are called from Remedy's threads: a server hands them
to its event loop (`loop.call_soon_threadsafe`). Nothing here ever writes to the user's files
except the cache under `.remedy/`.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..cancel import CancelToken
from ..config import Config
from ..errors import BadInput, Cancelled, NotAProject
from ..events import Event
from ..localize import COVERAGE, changed_lines
from ..memory.test_history import TestHistory
from ..project import is_source_file, node_file, read_regular
from ..reproduce import traced_run
from ..sandbox.workspace import Sandbox
from ..types import Outcome, RunReport, TestResult
from .impact import Impact, ImpactIndex
from .observer import Change, ChangeFeed
from .recheck import project_runner
from .auto_repair import RepairJob, start_repair
from .fast_check import WarmPath

log = logging.getLogger("agent.watch")

__all__ = ["Watcher", "WatchUpdate"]


@dataclass
class WatchUpdate:
    """The outcome of one background run.

    failing: every test failing after this run that the run saw (a test file that could not be
    collected appears as a TestResult whose test_id is the file); fixed: ids that failed before and
    pass again, or whose test is gone; ran: the ids or files that were run; changed: the files
    whose change caused the run; errors: collection errors, one line each."""
    failing: list[TestResult]
    fixed: list[str]
    ran: list[str]
    changed: list[str]
    errors: list[str] = field(default_factory=list)
    duration: float = 0.0

    def to_data(self) -> dict[str, Any]:
        return {"failing": [{"testId": r.test_id, "outcome": r.outcome.value, "message": r.message,
                             "path": r.frames[-1].path if r.frames else node_file(r.test_id),
                             "line": r.frames[-1].line if r.frames else 0} for r in self.failing],
                "fixed": self.fixed, "ran": self.ran, "changed": self.changed,
                "errors": self.errors, "duration": self.duration}


class Watcher:
    def __init__(self, root: Path | str, config: Config,
                 on_update: Callable[[WatchUpdate], None],
                 on_event: Callable[[RepairJob, Event], None] | None = None) -> None:
        self.root = Path(root).expanduser()
        self.config = config
        self.on_update = on_update
        self.on_event = on_event or (lambda job, event: None)
        self.failing: dict[str, TestResult] = {}
        self.runs = 0                       # test runs started (cancelled ones included)
        self._warm: WarmPath | None = None    # the fast path, made in the worker thread
        self.repair: RepairJob | None = None
        self.errors: list[str] = []         # runs that failed for reasons of Remedy's own
        self._feed: ChangeFeed | None = None
        self._pending: dict[str, Change] = {}
        self._run_token: CancelToken | None = None
        self._busy = False
        self._cond = threading.Condition()
        self._stopped = True
        self._thread: threading.Thread | None = None

    # -- the server's API -------------------------------------------------------------------
    def start(self) -> None:
        if not self.root.is_dir():
            raise NotAProject(f"root is not a directory: {self.root}")
        self.root = self.root.resolve()
        with self._cond:
            if not self._stopped:
                return
            self._stopped = False
        self._thread = threading.Thread(target=self._work, name="remedy-watch", daemon=True)
        self._thread.start()
        self._feed = ChangeFeed(self.root, self._on_batch, self.config.watch.debounce_s)
        self._feed.start()

    def stop(self) -> None:
        if self._feed is not None:
            self._feed.stop()
            self._feed = None
        with self._cond:
            self._stopped = True
            if self._run_token is not None:
                self._run_token.cancel()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self._stop_repair()

    def notify_saved(self, path: str | Path) -> None:
        if self._feed is not None:
            self._feed.notify_saved(path)

    def reconfigure(self, config: Config) -> None:
        old, self.config = self.config, config
        if not config.watch.enabled:
            self.stop()
            return
        if not config.watch.auto_repair:
            self._stop_repair()
        if self._stopped:
            self.start()
        elif (old.python, old.pytest_args, old.watch.debounce_s, old.test_timeout) != \
                (config.python, config.pytest_args, config.watch.debounce_s, config.test_timeout):
            self.stop()
            self.start()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no change is queued and no run is in progress (tests, the bench)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    @property
    def problems(self) -> list[str]:
        return list(self._feed.problems) if self._feed is not None else []

    # -- scheduling -------------------------------------------------------------------------
    def _on_batch(self, changes: list[Change]) -> None:
        with self._cond:
            for change in changes:
                self._pending[change.path] = change
            if self._run_token is not None:
                self._run_token.cancel()          # a newer batch wins
            self._cond.notify_all()
        job = self.repair
        if job is not None and job.running and job.files & {c.path for c in changes}:
            job.stop()

    def _work(self) -> None:
        sandbox: Sandbox | None = None
        impact: ImpactIndex | None = None
        try:
            while True:
                if sandbox is None:            # made before the first save: it would be awaited
                    sandbox, impact = self._prepare()
                with self._cond:
                    while not self._stopped and not self._pending:
                        self._cond.wait()
                    if self._stopped:
                        return
                    batch, self._pending = self._pending, {}
                    token = self._run_token = CancelToken()
                    self._busy = True
                try:
                    if sandbox is not None and impact is not None:
                        self._run_batch(sandbox, impact, list(batch.values()), token)
                except Cancelled:
                    with self._cond:
                        self._pending = {**batch, **self._pending}
                except Exception as exc:       # one bad run must not end the watching
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                finally:
                    with self._cond:
                        self._run_token, self._busy = None, False
                        self._cond.notify_all()
        finally:
            if sandbox is not None:
                sandbox.close()
            if impact is not None:
                impact.close()
            if self._warm is not None:
                self._warm.close()

    def _prepare(self) -> tuple[Sandbox | None, ImpactIndex | None]:
        try:
            sandbox = Sandbox(self.root).__enter__()
        except OSError as exc:
            self.errors.append(f"cannot copy the project: {exc}")
            return None, None
        impact = ImpactIndex(self.root)
        self._warm = WarmPath(self.root, self._runner(), impact.test_files)
        self._warm.rebase(impact.test_files)
        return sandbox, impact

    def _runner(self):
        return project_runner(self.root, self.config)

    # -- one run ----------------------------------------------------------------------------
    def _run_batch(self, sandbox: Sandbox, impact: ImpactIndex, changes: list[Change],
                   token: CancelToken) -> None:
        started = time.monotonic()
        before = _contents(sandbox, changes)
        _sync(sandbox, self.root, changes)
        impact.update_files(changes)
        chosen = impact.affected(changes)
        impact.forget(changes)
        token.check()
        gone = self._forget_deleted_tests(changes)
        if not chosen:
            if gone:
                self._deliver(WatchUpdate([], gone, [], _paths(changes)))
            return
        self.runs += 1
        tests = sorted(impact.test_files) if chosen.everything else chosen.tests
        report = self._warm.run(changes, tests) if self._warm is not None else None
        warm = report is not None and not report.collection_errors and bool(report.results)
        if not warm:
            report, coverage = self._run_tests(sandbox, chosen, token)
            token.check()
            impact.record(coverage)
        assert report is not None      # warm, or the fresh run's
        update = self._update(report, chosen, changes, impact)
        update.fixed = sorted(set(update.fixed) | set(gone))
        update.duration = time.monotonic() - started
        self._remember(report, update, before, sandbox)
        self._deliver(update)
        self._maybe_repair(update, changes, impact)
        if not warm and self._warm is not None:
            self._warm.rebase(impact.test_files)      # after the update: it must not delay it
        elif chosen.via_graph:
            self._learn_impact(sandbox, impact, chosen, token)

    def _learn_impact(self, sandbox: Sandbox, impact: ImpactIndex, chosen: Impact,
                      token: CancelToken) -> None:
        """The warm path records no coverage: run once more, after the update, to learn which tests
        exercise the files the import graph had to guess for. A newer batch simply cancels it."""
        try:
            _, coverage = self._run_tests(sandbox, chosen, token)
            token.check()
        except Cancelled:
            return
        impact.record(coverage)

    def _run_tests(self, sandbox: Sandbox, chosen: Impact, token: CancelToken
                   ) -> tuple[RunReport, dict]:
        runner = self._runner()
        tests = [] if chosen.everything else chosen.tests
        report, data = traced_run(runner, sandbox.path, tests, token, COVERAGE, root=sandbox.path, partial=False)
        if report.exit_code == 4 and not report.results and any("::" in t for t in tests):
            # a cached node id no longer exists: run the whole files instead
            files = sorted({node_file(t) for t in tests})
            report, data = traced_run(runner, sandbox.path, files, token, COVERAGE, root=sandbox.path,
                                      partial=False)
        return report, data.get("tests", {})

    def _update(self, report: RunReport, chosen: Impact, changes: list[Change],
                impact: ImpactIndex) -> WatchUpdate:
        ran_files = set(impact.test_files) if chosen.everything else {node_file(t) for t in chosen.tests}
        now_failing = {r.test_id: r for r in report.failing}
        for error in report.collection_errors:
            path = next((f for f in ran_files if error.startswith(f)), "")
            if path:
                now_failing[path] = TestResult(path, Outcome.ERROR, error)
        seen = {r.test_id for r in report.results} | set(now_failing)
        fixed = []
        for test_id in list(self.failing):
            if test_id in now_failing:
                continue
            if test_id in seen or node_file(test_id) in ran_files:
                fixed.append(test_id)
                del self.failing[test_id]
        self.failing.update(now_failing)
        ran = sorted(impact.test_files) if chosen.everything else chosen.tests
        return WatchUpdate(sorted(now_failing.values(), key=lambda r: r.test_id), sorted(fixed), ran,
                           _paths(changes), list(report.collection_errors))

    def _remember(self, report: RunReport, update: WatchUpdate, before: dict[str, str],
                  sandbox: Sandbox) -> None:
        """The test-run history (agent.memory.test_history): which tests passed now, and the lines
        this batch changed for those it broke."""
        save = {}
        for path, old in before.items():
            try:
                new = sandbox.read(path).decode("utf-8", errors="replace")
            except (OSError, BadInput):
                continue
            save[path] = changed_lines(old, new)
        passed = [r.test_id for r in report.results if r.outcome is Outcome.PASSED]
        try:
            history = TestHistory(self.root)
            try:
                history.record_run(passed, [t.test_id for t in update.failing], save)
            finally:
                history.close()
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not record the test history: %s", exc)

    def _forget_deleted_tests(self, changes: list[Change]) -> list[str]:
        deleted = {c.path for c in changes if c.deleted}
        gone = [t for t in self.failing if node_file(t) in deleted]
        for test_id in gone:
            del self.failing[test_id]
        return gone

    def _deliver(self, update: WatchUpdate) -> None:
        try:
            self.on_update(update)
        except Exception:     # the server's bug must not stop the watcher
            pass

    # -- auto-repair ------------------------------------------------------------------------
    def _maybe_repair(self, update: WatchUpdate, changes: list[Change], impact: ImpactIndex) -> None:
        job = self.repair
        failing = sorted(t for t in self.failing if "::" in t)
        if job is not None and job.running:
            if sorted(job.tests) == failing:
                return
            job.stop()
        if not (self.config.watch.auto_repair and failing and update.failing):
            return
        files = set(_paths(changes)) | {node_file(t) for t in failing}
        for test_id in failing:
            files |= set(impact.sources_of(test_id))
        self.repair = start_repair(self.root, failing, files, self.config.with_(workers=1),
                                   self.on_event)

    def _stop_repair(self) -> None:
        if self.repair is not None:
            self.repair.stop()


def _paths(changes: list[Change]) -> list[str]:
    return sorted(c.path for c in changes)


def _contents(sandbox: Sandbox, changes: list[Change]) -> dict[str, str]:
    """The copy's text of the changed source files before the batch is synced into it."""
    out = {}
    for change in changes:
        if is_source_file(change.path) and change.path.endswith(".py") and sandbox.exists(change.path):
            try:
                out[change.path] = sandbox.read(change.path).decode("utf-8", errors="replace")
            except (OSError, BadInput):
                continue
    return out


def _sync(sandbox: Sandbox, root: Path, changes: list[Change]) -> None:
    """Bring the long-lived copy in step with the root for the changed files."""
    for change in changes:
        try:
            if change.deleted or not (root / change.path).is_file():
                sandbox.remove(change.path)
            else:
                sandbox.write(change.path, read_regular(root / change.path, root=root))
        except (OSError, BadInput):
            continue             # deleted again meanwhile: the next batch will say so
