"""Running pytest in a subprocess and reading back structured results.

`PytestRunner.run` starts the target interpreter's pytest in its own process group under the
sandbox's limits, with the `remedy_report` plugin on PYTHONPATH, and turns the plugin's records into
a `RunReport`. It is the reference path: the warm worker (warm.py) must agree with it, and falls
back to it whenever it cannot be sure it would.
"""
from __future__ import annotations

import functools
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Mapping, Sequence

from ..cancel import CancelToken
from ..errors import PytestMissing, UnknownTest
from ..sandbox.confine import Confinement
from ..secrets import redact
from ..sandbox.process import Limits, minimal_env, run_limited
from ..sandbox.workspace import project_relative, read_regular
from ..types import RunReport
from .report import PLUGIN_DIR, build_report, read_records

__all__ = ["PytestRunner", "check_pytest", "matches", "base_args"]


@functools.lru_cache(maxsize=16)
def _has_pytest(python: str, confinement: Confinement) -> bool:
    if _is_own_interpreter(python):       # no need to start another interpreter to know
        import importlib.util
        return importlib.util.find_spec("pytest") is not None
    try:        # the project's interpreter is project code: it runs confined like its tests
        done = run_limited([python, "-c", "import pytest"], Path(tempfile.gettempdir()), timeout=60,
                           env=minimal_env(), confinement=confinement)
    except OSError:
        return False
    return done.returncode == 0 and not done.timed_out


def check_pytest(python: str, confinement: Confinement = Confinement()) -> None:
    """Raise PytestMissing unless `python` runs and can import pytest (SandboxUnavailable when it
    cannot be run confined)."""
    confinement.check()
    if not _has_pytest(python, confinement):
        raise PytestMissing(f"pytest is not installed for {python}")


def matches(test_id: str, nodeid: str) -> bool:
    """Whether the collected `nodeid` is selected by `test_id` (a node id, class, file or folder)."""
    test_id = test_id.rstrip("/")
    return (nodeid == test_id or nodeid.startswith(test_id + "::")
            or nodeid.startswith(test_id + "[") or nodeid.startswith(test_id + "/"))


# Remedy's own test tooling, installed beside it; loading it costs every pytest start about a second.
_OWN_TOOLING_PLUGINS = ("pytest-lsp",)
# Async test plugins Remedy's dependencies bring (anyio via httpx; pytest-asyncio with its tests):
# a third of a second per pytest start, for nothing when the project has no async tests.
_ASYNC_PLUGINS = ("asyncio", "anyio")
_ASYNC_WORDS = re.compile(rb"\basync\s+def\b|asyncio|anyio|\btrio\b")
_CONFIG_FILES = ("pyproject.toml", "pytest.ini", "setup.cfg", "tox.ini")


def _without_own_tooling(python: str, root: Path | None = None,
                         test_files: Sequence[str] = ()) -> tuple[str, ...]:
    """When the user's tests run on Remedy's own interpreter, leave out plugins that only Remedy
    brought there: its test tooling always, the async plugins when neither `test_files` (with the
    conftests) nor any pytest configuration pytest could find mention async code. A project with
    its own interpreter is untouched."""
    if not _is_own_interpreter(python):
        return ()
    names = list(_OWN_TOOLING_PLUGINS)
    if root is not None and test_files and not _mentions_async(Path(root), test_files):
        names += _ASYNC_PLUGINS
    return tuple(arg for name in names for arg in ("-p", f"no:{name}"))


def _is_own_interpreter(python: str) -> bool:
    """The same binary in the same folder: a virtualenv's python links to its base interpreter, so
    the binary alone would take any venv made from it for this one."""
    real = os.path.realpath

    def folder(path: str) -> str:
        return real(os.path.dirname(os.path.abspath(path)))

    try:
        return real(python) == real(sys.executable) and folder(python) == folder(sys.executable)
    except OSError:
        return False


def _mentions_async(root: Path, test_files: Sequence[str]) -> bool:
    conftests = {str(Path(t).parent / "conftest.py") for t in test_files} | {"conftest.py"}
    files = [root / rel for rel in (*test_files, *sorted(conftests))]
    # pytest looks for its configuration upwards from where it runs: the project's folders and,
    # for the sandbox copies, the temporary directory's (an `asyncio_mode` there needs the plugin)
    for base in (root.resolve(), Path(tempfile.gettempdir()).resolve()):
        files += [folder / name for folder in (base, *base.parents) for name in _CONFIG_FILES]
    for path in files:
        try:
            if _ASYNC_WORDS.search(read_regular(path)):      # never a FIFO or a device
                return True
        except OSError:
            continue
    return False


def base_args(root: Path) -> list[str]:
    return ["-q", "-p", "no:cacheprovider", "-p", "remedy_report", f"--rootdir={root}",
            "-o", "console_output_style=classic"]


def _normalize(root: Path, test_id: str) -> str:
    path, sep, rest = test_id.replace("\\", "/").partition("::")
    if os.path.isabs(path):
        try:
            path = Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    while path.startswith("./"):
        path = path[2:]
    return path + sep + rest


class PytestRunner:
    """Runs pytest for a project (usually a sandbox copy) and reports structured results."""

    def __init__(self, python: str = sys.executable, pytest_args: Sequence[str] = (),
                 timeout: float = 30.0, limits: Limits = Limits(),
                 confinement: Confinement = Confinement(), env: Mapping[str, str] | None = None,
                 warm_timeout: float | None = None, root: Path | None = None,
                 test_files: Sequence[str] = (), test_timeout: float | None = None) -> None:
        """`root`/`test_files`: the project and its test files, to tell whether plugins Remedy's
        own installation brings can be left out (see `_without_own_tooling`). `test_timeout`: one
        test's limit, past which the test is stopped and reported TIMEOUT with where it hung
        (plugin/remedy_watchdog.py); the run goes on. None: only the run's limit."""
        self.python = python
        self.pytest_args = _without_own_tooling(python, root, test_files) + tuple(pytest_args)
        self.timeout = timeout                # a whole pytest process, start-up included
        self.warm_timeout = warm_timeout      # one warm-worker request (no start-up); None = timeout
        self.test_timeout = test_timeout      # one test, in either
        self.limits = limits
        self.confinement = confinement
        self.env = dict(env or {})     # added to every run's environment (and the warm workers')

    def check(self) -> None:
        check_pytest(self.python, self.confinement)

    def env_for(self, plugin_paths: Sequence[Path] = (), env: Mapping[str, str] | None = None,
                **extra: str) -> dict[str, str]:
        """The minimal environment plus our plugin folder(s) on PYTHONPATH and no bytecode writes
        (a candidate of the same size written within one second would otherwise reuse a stale .pyc)."""
        merged = minimal_env({**self.env, **(env or {})})
        paths = [str(PLUGIN_DIR), *map(str, plugin_paths)]
        if merged.get("PYTHONPATH"):
            paths.append(merged["PYTHONPATH"])
        merged.update(PYTHONPATH=os.pathsep.join(paths), PYTHONDONTWRITEBYTECODE="1", **extra)
        return merged

    def run(self, root: Path, test_ids: Sequence[str], *, extra_plugins: Sequence[str] = (),
            plugin_paths: Sequence[Path] = (), env: Mapping[str, str] | None = None,
            cancel: CancelToken | None = None, extra_args: Sequence[str] = (),
            writable: Sequence[Path] = ()) -> RunReport:
        """Run `test_ids` in `root` (a sandbox copy: the run may write there, and into `writable`,
        e.g. where a plugin writes its output)."""
        root = Path(root).resolve()
        with tempfile.TemporaryDirectory(prefix="remedy-run-") as tmp:
            report_path = Path(tmp) / "report.jsonl"
            cmd = [self.python, "-m", "pytest", *base_args(root)]
            for name in extra_plugins:
                cmd += ["-p", name]
            cmd += [*self.pytest_args, *extra_args, *(_normalize(root, t) for t in test_ids)]
            limits = {"REMEDY_DEADLINE": repr(time.time() + self.timeout)}
            if self.test_timeout:
                limits["REMEDY_TEST_TIMEOUT"] = repr(float(self.test_timeout))
            done = run_limited(cmd, root, timeout=self.timeout, cancel=cancel, limits=self.limits,
                               confinement=self.confinement, writable=(Path(tmp), *writable),
                               env=self.env_for(plugin_paths, env, REMEDY_REPORT=str(report_path),
                                                **limits))
            records = read_records(report_path)
        rc = done.returncode
        note = f"pytest died (signal {-rc})" if rc < 0 else f"pytest exited with code {rc} mid-test"
        report = build_report(records, exit_code=rc, timed_out=done.timed_out,
                              duration=done.duration, crash_note=note)
        finished = any(r.get("kind") == "finish" for r in records)
        if not done.timed_out and not report.collection_errors and (rc in (2, 3, 4) or not finished):
            tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-12:]
            report.collection_errors.append(project_relative(redact(" ".join(line.strip() for line in tail)[:2000]))
                                            or f"pytest exited with code {rc}")
        return report

    def collect(self, root: Path, test_ids: Sequence[str] = (),
                cancel: CancelToken | None = None) -> list[str]:
        """Node ids selected by `test_ids` (all tests when empty); UnknownTest names the first id
        that selects nothing."""
        self.check()
        root = Path(root).resolve()
        ids = [_normalize(root, t) for t in test_ids]
        for test_id in ids:
            if not (root / test_id.split("::")[0]).exists():
                raise UnknownTest(f"unknown test: {test_id} (no such file)")
        files = list(dict.fromkeys(t.split("::")[0] for t in ids))
        with tempfile.TemporaryDirectory(prefix="remedy-collect-") as tmp:
            report_path = Path(tmp) / "report.jsonl"
            done = run_limited([self.python, "-m", "pytest", *base_args(root), "--collect-only",
                                *self.pytest_args, *files], root, timeout=self.timeout,
                               cancel=cancel, limits=self.limits, confinement=self.confinement,
                               writable=(Path(tmp),), env=self.env_for(REMEDY_REPORT=str(report_path)))
            records = read_records(report_path)
        collected: list[str] = next((r["nodeids"] for r in records if r.get("kind") == "collected"), [])
        broken = {r["nodeid"] for r in records if r.get("kind") == "collect_error"}
        if done.timed_out:
            return collected
        for test_id in ids:
            if test_id.split("::")[0] in broken:
                continue                     # cannot tell yet; the run will report the error
            if not any(matches(test_id, nid) for nid in collected):
                raise UnknownTest(f"unknown test: {test_id}")
        if not ids:
            return collected
        return [nid for nid in collected if any(matches(t, nid) for t in ids)]
