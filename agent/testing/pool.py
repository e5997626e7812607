"""Validating many candidates concurrently: warm workers first, a fresh pytest when they decline.

A `ValidationPool` owns N slots; each slot is a sandbox copy of the project with a `WarmWorker`
serving it. `validate` borrows a free slot, asks its worker (fast path), and when the worker
declines runs `PytestRunner` in the same copy with the candidate written in, then restores the
copy. Either way the copy is checked afterwards and healed if a candidate's tests changed or
deleted project files, so one bad candidate cannot poison the next.
"""
from __future__ import annotations

import contextlib
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from ..cancel import CancelToken
from ..errors import Cancelled
from ..project import project_files
from ..sandbox.workspace import Sandbox
from ..types import RunReport
from .runner import PytestRunner
from .warm import WarmWorker

__all__ = ["ValidationPool"]

MAX_RESTARTS = 3


class _Slot:
    def __init__(self, root: Path, runner: PytestRunner, test_files: Sequence[str]) -> None:
        self.sandbox = Sandbox(root).__enter__()
        self.runner = runner
        self.test_files = list(test_files)
        self.worker = WarmWorker(runner)
        self.restarts = 0
        self.manifest = self._stat_all()
        self.worker.start(self.sandbox.path, self.test_files)

    def _stat_all(self) -> dict[str, tuple[int, int]]:
        stats = {}
        for rel in project_files(self.sandbox.path):
            try:
                st = (self.sandbox.path / rel).lstat()     # a link is compared as a link
            except OSError:
                continue
            stats[rel] = (st.st_size, st.st_mtime_ns)
        return stats

    def heal(self) -> None:
        """Restore project files that a candidate's run changed or deleted in this copy."""
        for rel, stat in list(self.manifest.items()):
            path = self.sandbox.path / rel
            try:
                st = path.lstat()
                same = (st.st_size, st.st_mtime_ns) == stat
            except OSError:
                same = False
            if not same:
                self.sandbox.restore(rel)
                try:
                    st = path.lstat()
                except OSError:          # gone from the user's project too (deleted meanwhile)
                    del self.manifest[rel]
                    continue
                self.manifest[rel] = (st.st_size, st.st_mtime_ns)

    def ensure_worker(self) -> None:
        if not self.worker.alive and self.restarts < MAX_RESTARTS:
            self.restarts += 1
            self.worker.close()
            self.worker = WarmWorker(self.runner)
            self.worker.start(self.sandbox.path, self.test_files)

    def close(self) -> None:
        self.worker.close()
        self.sandbox.close()


class ValidationPool:
    """Thread-safe: call `validate` from several threads; at most `workers` run at once."""

    def __init__(self, root: Path, test_files: Sequence[str], runner: PytestRunner,
                 workers: int = 2, cancel: CancelToken | None = None) -> None:
        self.runner = runner
        self.cancel = cancel
        self.tests_run = 0
        self.fast_path_hits = 0
        self.fallbacks = 0
        self._counts = threading.Lock()
        self._idle: queue.Queue[_Slot] = queue.Queue()
        with ThreadPoolExecutor(max_workers=max(1, workers)) as ex:
            self._slots = list(ex.map(lambda _: _Slot(Path(root), runner, test_files),
                                      range(max(1, workers))))
        for slot in self._slots:
            self._idle.put(slot)
        self._unregister = cancel.on_cancel(self._kill_workers) if cancel else (lambda: None)

    def __enter__(self) -> "ValidationPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def validate(self, files: Mapping[str, bytes], test_ids: Sequence[str]) -> RunReport:
        """Run `test_ids` against the project with `files` (relative path -> bytes) replaced."""
        if self.cancel is not None:
            self.cancel.check()
        with self._borrowed() as slot:
            report = slot.worker.run(dict(files), test_ids)
            fast = report is not None
            if report is None:
                report = self._in_subprocess(slot, files, test_ids)
            with self._counts:
                self.tests_run += len(report.results)
                if fast:
                    self.fast_path_hits += 1
                else:
                    self.fallbacks += 1
            if self.cancel is not None and self.cancel.cancelled:
                raise Cancelled("cancelled")
            return report

    def probe(self, sites: list[dict], failing: Sequence[str], test_ids: Sequence[str],
              timeout: float) -> dict | None:
        """The value probe (agent.rank.probe) on one warm worker; None where no worker can run it."""
        with self._borrowed() as slot:
            return slot.worker.probe(sites, failing, test_ids, timeout)

    def angelic(self, files: Mapping[str, bytes], spec: dict, test_ids: Sequence[str],
                timeout: float) -> dict | None:
        """Angelic values of suspicious conditions (agent.generate.angelic) on one warm worker, or,
        where it cannot hot-patch the files (a class with a custom metaclass, say), on a worker
        started for this request with them on disk; None where neither can run it in `timeout`."""
        deadline = time.monotonic() + timeout
        with self._borrowed() as slot:
            answer = slot.worker.angelic(dict(files), spec, test_ids, timeout)
            left = deadline - time.monotonic()
            if answer is not None or not slot.worker.fallback_reason or left < 2.0:
                return answer
            fresh = WarmWorker(self.runner)
            unregister = self.cancel.on_cancel(fresh.close) if self.cancel else (lambda: None)
            written: list[str] = []
            try:
                for rel, data in files.items():
                    slot.sandbox.write(rel, data)
                    written.append(rel)
                if not fresh.start(slot.sandbox.path, slot.test_files, left):
                    return None
                return fresh.angelic({}, spec, test_ids, max(1.0, deadline - time.monotonic()))
            finally:
                unregister()
                fresh.close()
                for rel in written:
                    slot.sandbox.restore(rel)

    @contextlib.contextmanager
    def _borrowed(self) -> Iterator[_Slot]:
        """An idle slot with its worker started; healed and handed back afterwards."""
        slot = self._idle.get()
        try:
            slot.ensure_worker()
            yield slot
        finally:
            slot.heal()
            self._idle.put(slot)

    def _in_subprocess(self, slot: _Slot, files: Mapping[str, bytes],
                       test_ids: Sequence[str]) -> RunReport:
        written: list[str] = []
        try:
            for rel, data in files.items():
                slot.sandbox.write(rel, data)
                written.append(rel)
            return self.runner.run(slot.sandbox.path, test_ids, cancel=self.cancel)
        finally:
            for rel in written:
                slot.sandbox.restore(rel)

    def _kill_workers(self) -> None:
        for slot in self._slots:
            slot.worker.close()

    def close(self) -> None:
        self._unregister()
        for slot in self._slots:
            slot.close()
        self._slots = []
