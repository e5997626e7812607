"""Per-test line coverage for Remedy's fault localization — a standalone pytest plugin.

Load it with ``-p remedy_coverage`` and this directory on PYTHONPATH. It runs in the *user's*
interpreter (Python 3.8+), so it imports nothing from ``agent``: only the standard library,
pytest, its sibling ``remedy_tracer`` and, when the project's environment has it, coverage.py.

It is inert unless the environment variable ``REMEDY_COVERAGE_OUT`` names a file. Then it records,
per test, the lines run during its whole runtest protocol (setup, call, teardown) and at the end
of the session writes::

    {"version": 1, "root": "/abs/root", "tracer": "coverage.py|sys.monitoring|settrace",
     "test_files": [relpath, ...],
     "tests": {nodeid: {"outcome": "passed|failed|error|skipped|xfailed|xpassed",
                        "lines": {relpath: [lineno, ...]}}}}

The lines come from coverage.py (in-process, no data file, the user's .coveragerc ignored, one
dynamic context per test) when it can be imported, else from ``remedy_tracer`` (sys.monitoring on
3.12+, sys.settrace before), so that a project's virtualenv without coverage still localizes.
``REMEDY_COVERAGE_TRACER=remedy`` (or ``coverage``) forces one. If neither can run, the run goes on
untraced and the file holds ``"tests": {}`` plus an ``"error"`` string. Not supported: pytest-xdist
workers (nothing is recorded there) and code run in subprocesses.

With Remedy's tracer each test also adds a line to ``<out>.partial`` as it ends (``{"nodeid",
"outcome", "lines"}``, after a header line with the other top-level keys), removed once the file
itself is written: a run killed at its time limit still tells what its finished tests ran.

``REMEDY_COVERAGE_BUDGET`` (seconds) bounds what tracing may cost a long suite: once the traced
tests have taken that long, the others run untraced (``"traced": false``, no lines), except those
that ``REMEDY_COVERAGE_FOCUS`` (a JSON list of node ids, files or folders) selects: the failing
tests to explain are traced whatever it costs.

``REMEDY_COVERAGE_ROOT`` (default: the directory pytest was started in) bounds what is recorded:
files under it, minus installed packages (site-packages, virtualenvs) and test files. Test files are
the modules pytest collected test functions from (whatever its ``python_files`` says; listed as
``test_files``) and, by name, ``test_*.py``, ``*_test.py``, ``conftest.py`` and anything under a
``tests``/``test`` directory. Lines run outside any test (imports during collection) are not
attributed to any test.
"""
from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import IO

import pytest

ENV_OUT = "REMEDY_COVERAGE_OUT"
ENV_ROOT = "REMEDY_COVERAGE_ROOT"
ENV_TRACER = "REMEDY_COVERAGE_TRACER"
ENV_BUDGET = "REMEDY_COVERAGE_BUDGET"
ENV_FOCUS = "REMEDY_COVERAGE_FOCUS"

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


class _Paths:
    """Which files count: under the root, not installed, not a test file."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.prefix = self.root.rstrip(os.sep) + os.sep
        self.test_files: set[str] = set()

    def relative(self, filename: str) -> str | None:
        real = os.path.realpath(filename)
        if not real.startswith(self.prefix):
            return None
        return real[len(self.prefix):].replace(os.sep, "/")

    def wanted(self, rel: str | None) -> bool:
        return rel is not None and rel.endswith(".py") and not _is_vendor(rel) \
            and not is_test_file(rel) and rel not in self.test_files

    def wanted_file(self, filename: str) -> bool:
        return self.wanted(self.relative(filename))


class _CoverageLines:
    """Lines from coverage.py, one dynamic context per test."""

    def __init__(self, paths: _Paths) -> None:
        import coverage  # imported lazily: without REMEDY_COVERAGE_OUT the plugin costs nothing

        self.paths = paths
        root = paths.root
        # Coverage's globs: "*" never crosses a slash, so these match file names only. Vendor
        # directories are anchored at the root (an ancestor of the root may well be called venv).
        omit = ["*/test_*.py", "*/*_test.py", "*/conftest.py"]
        if not any(c in root for c in "[]*?"):
            omit += [f"{root}/**/{d}/*" for d in sorted(_VENDOR_DIRS)]
        self.cov = coverage.Coverage(data_file=None, config_file=False, branch=False,
                                     source=[root], omit=omit)
        self.cov.set_option("run:disable_warnings", list(_QUIET))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.cov.start()
        self.running = True
        self.kind = "coverage.py"

    def enter(self, nodeid: str, traced: bool) -> None:
        if traced != self.running:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.cov.start() if traced else self.cov.stop()
            self.running = traced
        if traced:
            self.cov.switch_context(nodeid)

    def leave(self, nodeid: str) -> None:
        """None: coverage.py's lines are read at the end only."""
        if self.running:
            self.cov.switch_context("")

    def collect(self) -> dict[str, dict[str, set[int]]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.running:
                self.cov.stop()
            data = self.cov.get_data()
        found: dict[str, dict[str, set[int]]] = {}
        for filename in data.measured_files():
            rel = self.paths.relative(filename)
            if rel is None or not self.paths.wanted(rel):
                continue
            for lineno, contexts in data.contexts_by_lineno(filename).items():
                for ctx in contexts:
                    if ctx:
                        found.setdefault(ctx, {}).setdefault(rel, set()).add(lineno)
        return found


class _TracerLines:
    """Lines from remedy_tracer, started at the first test (after collection, when pytest has
    said which files are test modules)."""

    def __init__(self, paths: _Paths) -> None:
        import remedy_tracer

        self.paths = paths
        self.start = remedy_tracer.start_tracer
        self.tracer = None
        self.tracing = False
        self.kind = "sys.monitoring" if hasattr(sys, "monitoring") else "settrace"
        self.found: dict[str, dict[str, set[int]]] = {}
        self.rels: dict[str, str | None] = {}

    def enter(self, nodeid: str, traced: bool) -> None:
        if not traced:
            if self.tracer is not None and self.tracing:
                self.tracer.pause()
                self.tracing = False
            return
        if self.tracer is None:
            self.tracer = self.start(self.paths.wanted_file)
            if self.tracer is None:
                raise RuntimeError("another tracer or monitoring tool holds the interpreter")
            self.kind = self.tracer.kind
        elif not self.tracing:
            self.tracer.resume()
        self.tracing = True
        self.tracer.switch()           # lines run between tests belong to none

    def leave(self, nodeid: str) -> dict[str, set[int]] | None:
        """This test's lines so far, per file (it may run again: a rerun plugin)."""
        if self.tracer is None or not self.tracing:
            return None
        files = self.found.setdefault(nodeid, {})
        for filename, lineno in self.tracer.switch():
            if filename not in self.rels:
                rel = self.paths.relative(filename)
                self.rels[filename] = rel if self.paths.wanted(rel) else None
            rel = self.rels[filename]
            if rel is not None:
                files.setdefault(rel, set()).add(lineno)
        return files

    def collect(self) -> dict[str, dict[str, set[int]]]:
        if self.tracer is not None:
            self.tracer.stop()
            self.tracer = None
        return self.found


def _line_source(paths: _Paths):
    choice = os.environ.get(ENV_TRACER, "").strip().lower()
    if choice != "remedy":
        try:
            return _CoverageLines(paths)
        except Exception:
            if choice == "coverage":
                raise
    return _TracerLines(paths)


class _Recorder:
    def __init__(self, out: Path, root: Path) -> None:
        self.out = out
        self.root = root
        self.paths = _Paths(root)
        self.outcomes: dict[str, str] = {}
        self.order: list[str] = []
        self.source = _line_source(self.paths)
        self.error = ""
        self.running = True
        self.budget = _budget()
        self.focus = _focus()
        self.spent = 0.0
        self.untraced: set[str] = set()
        self.started = 0.0
        self.partial: IO[str] | None = None     # the ``.partial`` file, once a test has ended

    # -- collection ------------------------------------------------------------------------
    def collected(self, items) -> None:
        for item in items:
            if not isinstance(item, pytest.Function):    # a doctest's file is the project's
                continue
            path = getattr(item, "path", None) or getattr(item, "fspath", None)
            rel = self.paths.relative(str(path)) if path is not None else None
            if rel is not None:
                self.paths.test_files.add(rel)

    # -- per test -------------------------------------------------------------------------
    def enter(self, nodeid: str) -> None:
        if nodeid not in self.outcomes:
            self.order.append(nodeid)
            self.outcomes[nodeid] = "passed"
        if not self.running or self.error:
            return
        traced = self.spent < self.budget or any(_selects(f, nodeid) for f in self.focus)
        if not traced:
            self.untraced.add(nodeid)
        try:
            self.source.enter(nodeid, traced)
        except Exception as exc:         # the run itself must go on
            self.error = f"{type(exc).__name__}: {exc}"
        self.started = time.perf_counter()

    def leave(self, nodeid: str) -> None:
        if self.running and not self.error:
            files = self.source.leave(nodeid)
            if nodeid not in self.untraced:
                self.spent += time.perf_counter() - self.started
            self._append(nodeid, files)

    def _append(self, nodeid: str, files: dict[str, set[int]] | None) -> None:
        """One line per test in ``<out>.partial`` (after a header line), for a run that is killed
        before its end: the tests it finished still count."""
        if not isinstance(self.source, _TracerLines):    # coverage.py's lines come at the end
            return
        record: dict[str, object] = {
            "nodeid": nodeid, "outcome": self.outcomes.get(nodeid, "unknown"),
            "lines": {rel: sorted(lines) for rel, lines in sorted((files or {}).items())}}
        if nodeid in self.untraced:
            record["traced"] = False
        try:
            if self.partial is None:
                self.out.parent.mkdir(parents=True, exist_ok=True)
                self.partial = open(self.out.with_name(self.out.name + ".partial"), "w",
                                    encoding="utf-8")
                self.partial.write(json.dumps(self._header()) + "\n")
            self.partial.write(json.dumps(record) + "\n")
            self.partial.flush()
        except OSError:
            pass

    def _header(self) -> dict:
        return {"version": 1, "root": str(self.root), "tracer": self.source.kind,
                "test_files": sorted(self.paths.test_files)}

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
        found = self.source.collect()
        tests: dict[str, dict] = {
            n: {"outcome": self.outcomes[n], "lines": {}} for n in self.order}
        for nodeid, files in found.items():
            entry = tests.get(nodeid)
            if entry is None:  # a context we did not see reported (e.g. interrupted)
                entry = tests[nodeid] = {"outcome": "unknown", "lines": {}}
            entry["lines"] = {rel: sorted(lines) for rel, lines in sorted(files.items())}
        for nodeid in self.untraced & set(tests):
            tests[nodeid]["traced"] = False
        payload = {**self._header(), "tests": tests}
        if self.error:
            payload["error"] = self.error
        self.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.out.with_name(self.out.name + ".tmp")
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(tmp, self.out)
        if self.partial is not None:
            self.partial.close()
            try:
                os.unlink(self.partial.name)
            except OSError:
                pass


def _budget() -> float:
    try:
        return float(os.environ.get(ENV_BUDGET, "inf"))
    except ValueError:
        return float("inf")


def _focus() -> list[str]:
    try:
        focus = json.loads(os.environ.get(ENV_FOCUS, "[]"))
    except ValueError:
        return []
    return [str(f) for f in focus] if isinstance(focus, list) else []


def _selects(target: str, nodeid: str) -> bool:
    target = target.rstrip("/")
    return nodeid == target or nodeid.startswith((target + "::", target + "[", target + "/"))


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
    except Exception as exc:  # no line source usable: the run itself must still work
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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    if _recorder is not None:      # before any deselection: a deselected test's file is one too
        _recorder.collected(items)


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
        rec.leave(item.nodeid)


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
