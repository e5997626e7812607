"""Per-test line coverage for Remedy's fault localization — a standalone pytest plugin.

Load it with ``-p remedy_coverage`` and this directory on PYTHONPATH. It runs in the *user's*
interpreter, so it imports nothing from ``agent``: only the standard library, pytest and coverage.

It is inert unless the environment variable ``REMEDY_COVERAGE_OUT`` names a file. Then it starts
coverage.py in-process (no data file on disk, the user's .coveragerc ignored), switches the dynamic
context to each test's node id for its whole runtest protocol (setup, call, teardown) and back to
the empty context between tests, and at the end of the session writes::

    {"version": 1, "root": "/abs/root",
     "tests": {nodeid: {"outcome": "passed|failed|error|skipped|xfailed|xpassed",
                        "lines": {relpath: [lineno, ...]}}}}

If coverage.py cannot be imported or started, the run goes on untraced and the file holds
``"tests": {}`` plus an ``"error"`` string. Not supported: pytest-xdist workers (nothing is
recorded there) and code run in subprocesses.

``REMEDY_COVERAGE_ROOT`` (default: the directory pytest was started in) bounds what is recorded:
files under it, minus installed packages (site-packages, virtualenvs) and test files
(``test_*.py``, ``*_test.py``, ``conftest.py``, anything under a ``tests``/``test`` directory).
Lines run outside any test (imports during collection) are not attributed to any test.
"""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

ENV_OUT = "REMEDY_COVERAGE_OUT"
ENV_ROOT = "REMEDY_COVERAGE_ROOT"

_TEST_DIRS = {"tests", "test"}
_VENDOR_DIRS = {"site-packages", "dist-packages", ".venv", "venv", ".tox", ".nox", "__pycache__",
                "node_modules", ".git"}
_QUIET = ["no-data-collected", "module-not-imported", "module-not-measured", "already-imported",
          "couldnt-parse", "no-ctracer", "include-ignored", "dynamic-conflict", "no-sysmon"]


def is_test_file(rel: str) -> bool:
    """True for pytest-style test files and anything under a tests/ (or test/) directory."""
    parts = rel.replace("\\", "/").split("/")
    name = parts[-1]
    if name == "conftest.py" or (name.startswith("test_") and name.endswith(".py")) \
            or name.endswith("_test.py"):
        return True
    return any(p in _TEST_DIRS for p in parts[:-1])


def _is_vendor(rel: str) -> bool:
    return any(p in _VENDOR_DIRS for p in rel.split("/")[:-1])


class _Recorder:
    def __init__(self, out: Path, root: Path) -> None:
        import coverage  # imported lazily: without REMEDY_COVERAGE_OUT the plugin costs nothing

        self.out = out
        self.root = root
        self.outcomes: dict[str, str] = {}
        self.order: list[str] = []
        # Coverage's globs: "*" never crosses a slash, so these match file names only. Vendor
        # directories are anchored at the root (an ancestor of the root may well be called venv).
        omit = ["*/test_*.py", "*/*_test.py", "*/conftest.py"]
        if not any(c in str(root) for c in "[]*?"):
            omit += [f"{root}/**/{d}/*" for d in sorted(_VENDOR_DIRS)]
        self.cov = coverage.Coverage(data_file=None, config_file=False, branch=False,
                                     source=[str(root)], omit=omit)
        self.cov.set_option("run:disable_warnings", list(_QUIET))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.cov.start()
        self.running = True

    # -- per test -------------------------------------------------------------------------
    def enter(self, nodeid: str) -> None:
        if nodeid not in self.outcomes:
            self.order.append(nodeid)
            self.outcomes[nodeid] = "passed"
        if self.running:
            self.cov.switch_context(nodeid)

    def leave(self) -> None:
        if self.running:
            self.cov.switch_context("")

    def report(self, rep: pytest.TestReport) -> None:
        nodeid = rep.nodeid
        if nodeid not in self.outcomes:
            self.order.append(nodeid)
            self.outcomes[nodeid] = "passed"
        current = self.outcomes[nodeid]
        wasxfail = hasattr(rep, "wasxfail")
        if rep.when == "call":
            if wasxfail:
                outcome = "xfailed" if rep.skipped else "xpassed" if rep.passed else "failed"
            else:
                outcome = rep.outcome  # passed | failed | skipped
            if current not in ("error",):
                self.outcomes[nodeid] = outcome
        elif rep.failed:                        # setup or teardown error
            self.outcomes[nodeid] = "error"
        elif rep.skipped and rep.when == "setup":
            self.outcomes[nodeid] = "xfailed" if wasxfail else "skipped"

    # -- end ------------------------------------------------------------------------------
    def finish(self) -> None:
        if not self.running:
            return
        self.running = False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.cov.stop()
            data = self.cov.get_data()
        tests: dict[str, dict] = {
            n: {"outcome": self.outcomes[n], "lines": {}} for n in self.order}
        root = self.root
        for filename in sorted(data.measured_files()):
            try:
                rel = Path(filename).resolve().relative_to(root).as_posix()
            except (ValueError, OSError):
                continue
            if _is_vendor(rel) or is_test_file(rel):
                continue
            for lineno, contexts in data.contexts_by_lineno(filename).items():
                for ctx in contexts:
                    if not ctx:
                        continue
                    entry = tests.get(ctx)
                    if entry is None:  # a context we did not see reported (e.g. interrupted)
                        entry = tests[ctx] = {"outcome": "unknown", "lines": {}}
                    entry["lines"].setdefault(rel, []).append(lineno)
        for entry in tests.values():
            for lines in entry["lines"].values():
                lines.sort()
        payload = {"version": 1, "root": str(root), "tests": tests}
        self.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.out.with_name(self.out.name + ".tmp")
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(tmp, self.out)


_recorder: _Recorder | None = None


def _start(config: pytest.Config | None) -> None:
    global _recorder
    out = os.environ.get(ENV_OUT)
    if not out or _recorder is not None:
        return
    if hasattr(config, "workerinput"):  # an xdist worker: would need one file per worker
        return
    root_env = os.environ.get(ENV_ROOT)
    if root_env:
        root = Path(root_env)
    elif config is not None:
        root = Path(config.invocation_params.dir)
    else:
        root = Path.cwd()
    try:
        _recorder = _Recorder(Path(out).absolute(), root.resolve())
    except Exception as exc:  # coverage missing or unusable: the run itself must still work
        _write_failure(Path(out).absolute(), root, f"{type(exc).__name__}: {exc}")


def _write_failure(out: Path, root: Path, why: str) -> None:
    """An empty result that says why (Remedy then ranks traceback frames only)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"version": 1, "root": str(root), "tests": {},
                                   "error": why}), encoding="utf-8")
    except OSError:
        pass


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Start before the initial conftests import the project, when we are loaded early (-p).
    _start(early_config)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    _start(config)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    rec = _recorder
    if rec is None:
        yield
        return
    rec.enter(item.nodeid)
    try:
        yield
    finally:
        rec.leave()


def pytest_runtest_logreport(report):
    if _recorder is not None:
        _recorder.report(report)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if _recorder is not None:
        _recorder.finish()


def pytest_unconfigure(config):
    global _recorder
    if _recorder is not None:
        _recorder.finish()
        _recorder = None
