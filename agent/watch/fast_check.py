"""The watcher's fast path: a warm pytest worker (agent.testing.warm) over a base copy of the
project, so a save that only touches non-test modules is checked without pytest start-up.

The worker's copy is frozen at the moment it started; every non-test module saved since then is
sent along with each request (the worker hot-patches it into a forked child). A change the worker
cannot vouch for — a test file, a conftest, pytest configuration, a file created or deleted —
sends the run down the plain path and re-bases the worker on the current project afterwards.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..project import is_conftest, is_test_file, read_regular
from ..sandbox.workspace import Sandbox
from ..testing.runner import PytestRunner
from ..testing.warm import WarmWorker
from ..types import RunReport
from .observer import Change

__all__ = ["WarmPath"]


class WarmPath:
    def __init__(self, root: Path, runner: PytestRunner, test_files: Sequence[str]) -> None:
        self.root, self.runner, self.test_files = Path(root), runner, list(test_files)
        self.sandbox: Sandbox | None = None
        self.worker: WarmWorker | None = None
        self.drift: dict[str, bytes] = {}       # non-test modules changed since the worker started
        self.stale = True                       # the worker must be (re)started before use

    def accepts(self, changes: Sequence[Change]) -> bool:
        """Whether these changes can be hot-patched into the running worker."""
        return all(c.path.endswith(".py") and not c.deleted
                   and not is_test_file(c.path) and not is_conftest(c.path)
                   and (self.sandbox is None or (self.sandbox.path / c.path).exists())
                   for c in changes)

    def run(self, changes: Sequence[Change], test_ids: Sequence[str]) -> RunReport | None:
        """The report for `test_ids` with the saved state of the project, or None (use the plain path)."""
        if self.stale or self.worker is None or not self.worker.alive or not self.accepts(changes):
            self.stale = True
            return None
        for change in changes:
            try:
                self.drift[change.path] = read_regular(self.root / change.path, root=self.root)
            except OSError:
                self.stale = True
                return None
        return self.worker.run(dict(self.drift), list(test_ids))

    def rebase(self, test_files: Sequence[str]) -> None:
        """Start a fresh worker on a fresh copy of the project (after the plain path ran)."""
        self.close()
        self.test_files = list(test_files)
        try:
            self.sandbox = Sandbox(self.root).__enter__()
            self.worker = WarmWorker(self.runner)
            self.stale = not self.worker.start(self.sandbox.path, self.test_files)
        except OSError:
            self.stale = True

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
        if self.sandbox is not None:
            self.sandbox.close()
        self.worker, self.sandbox, self.drift, self.stale = None, None, {}, True
