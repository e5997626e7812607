"""Re-running chosen tests on demand, on the project as saved: what the editor does after a fix
was accepted and saved, so that its failing-test diagnostics follow the truth with watch off too.

    recheck = Recheck(root, config)
    recheck.prepare(["tests/test_x.py"])   # optional, ahead of time: starts the warm path
    report = recheck.run(["pkg/x.py"], ["tests/test_x.py::test_y"])   # the saved files, the tests
    recheck.close()

The tests run with the project's interpreter, found as the CLI finds it (`Config.python`, else the
project's virtualenv, else Remedy's), with Remedy's pytest plugins on its path. `prepare` copies the
project and starts a warm worker (watch/warm.py), so that a later `run` whose saved files are all
non-test modules only hot-patches them in; anything else runs pytest in a fresh sandbox copy.
Calls block (threads, subprocesses): the language server makes them from a worker thread.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

from ..config import Config
from ..sandbox.process import Limits
from ..sandbox.workspace import Sandbox
from ..testing.runner import PytestRunner
from ..types import RunReport
from .observer import Change
from .auto_repair import NICE
from .fast_check import WarmPath

__all__ = ["Recheck", "project_runner"]


def project_runner(root: Path, config: Config) -> PytestRunner:
    """The runner for the project's own tests: its interpreter, its settings, at nice 10."""
    from ..project import detect_python, source_path_env
    from ..sandbox.confine import Confinement

    python = config.python or detect_python(root)
    return PytestRunner(python, config.pytest_args, config.test_timeout, limits=Limits(nice=NICE),
                        env=source_path_env(root),
                        confinement=Confinement.for_project(root, python, config.unsafe_sandbox))


class Recheck:
    def __init__(self, root: Path | str, config: Config) -> None:
        self.root = Path(root).resolve()
        self.config = config
        self._warm: WarmPath | None = None
        self._lock = threading.Lock()          # one run (or preparation) at a time
        self.warm_runs = 0                     # how many runs the warm path answered

    def prepare(self, test_files: Sequence[str]) -> None:
        """Start the warm path over a copy of the project as it is on disk now."""
        with self._lock:
            if self._warm is None:
                self._warm = WarmPath(self.root, project_runner(self.root, self.config), test_files)
                self._warm.rebase(test_files)

    def run(self, saved: Sequence[str], test_ids: Sequence[str]) -> RunReport:
        """Run `test_ids` on the project as saved, `saved` being the files saved since `prepare`."""
        with self._lock:
            if self._warm is not None:
                report = self._warm.run([Change(p, deleted=not (self.root / p).is_file()) for p in saved],
                                        list(test_ids))
                if report is not None and not report.collection_errors and report.results:
                    self.warm_runs += 1
                    return report
            with Sandbox(self.root) as copy:
                return project_runner(self.root, self.config).run(copy.path, list(test_ids))

    def close(self) -> None:
        with self._lock:
            if self._warm is not None:
                self._warm.close()
                self._warm = None
