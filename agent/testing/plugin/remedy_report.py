"""pytest plugin that writes Remedy's structured test report (loaded with `-p remedy_report`).

It runs inside the user's interpreter, so it imports nothing from `agent`. Records are JSON lines
appended to the file named by $REMEDY_REPORT and flushed one by one, so a run killed at its timeout
still tells which tests finished and which one was running:

    {"kind": "start", "nodeid": ...}
    {"kind": "test", "nodeid", "outcome", "message", "frames": [[path, line, function]], "duration"}
        (a failed one whose failed `==` compared plain values adds "compared": [left, right] reprs,
         see remedy_compare)
    {"kind": "hang", "nodeid", "message", "frames"}      (shortly before the run is killed)
    {"kind": "collect_error", "path", "line", "message"}
    {"kind": "collected", "nodeids": [...]}
    {"kind": "finish", "exitstatus": n}

Outcomes: passed, failed, error (setup/teardown), skipped, xfailed, xpassed, timeout (stopped at
$REMEDY_TEST_TIMEOUT; its frames are where it hung, see remedy_watchdog). Paths are relative to
the rootdir (posix) and frames outside it (pytest, the stdlib, site-packages) are left out; a
RecursionError's repeating frames are collapsed. `Reporter` is reused by the warm worker plugin with
a different sink.
"""
from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest

import remedy_compare
import remedy_watchdog

MESSAGE_LIMIT = 2000
_FILE_LINE = re.compile(r'File "([^"]+)", line (\d+)')
_SHORT_FRAME = re.compile(r"^([^\s:][^:]*\.py):(\d+): ", re.M)


def _relative(path: str, rootdir: Path) -> str | None:
    try:
        rel = Path(os.path.abspath(path)).relative_to(rootdir)
    except ValueError:
        return None
    if "site-packages" in rel.parts or "dist-packages" in rel.parts:
        return None
    return rel.as_posix()


def _crash_message(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:          # skip: (path, line, reason)
        return str(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(longrepr or "")
    return text[:MESSAGE_LIMIT]


class Reporter:
    """Turns pytest's per-phase reports into one record per test and hands them to `sink`."""

    def __init__(self, sink, rootdir: Path) -> None:
        self.sink = sink
        self.rootdir = Path(os.path.abspath(rootdir))
        self._pending: dict[str, dict] = {}
        self._frames: dict[tuple[str, str], list] = {}
        self._recursion: dict[str, str] = {}
        self._sink_lock = threading.Lock()      # the watchdog's thread writes too
        self.watchdog = remedy_watchdog.Watchdog(lambda path: _relative(path, self.rootdir), self._send)
        self.compared = remedy_compare.Comparisons()

    def _send(self, record: dict) -> None:
        with self._sink_lock:
            self.sink(record)

    def _frames_of(self, excinfo) -> list:
        frames = []
        for entry in excinfo.traceback:
            rel = _relative(str(entry.path), self.rootdir)
            if rel is not None:
                frames.append([rel, entry.lineno + 1, entry.name])
        return frames

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        self.watchdog.call_started()
        try:
            return (yield)
        finally:
            self.watchdog.call_ended()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.excinfo is not None:
            if call.when == "call":
                self.compared.failed(item.nodeid, call.excinfo)
            frames = self._frames_of(call.excinfo)
            site = call.excinfo.errisinstance(RecursionError) and remedy_watchdog.recursion_site(frames)
            if site:
                self._recursion[item.nodeid] = f" (recursing in {remedy_watchdog.where(site)})"
                frames = remedy_watchdog.collapse(frames)
                deepest = call.excinfo.traceback[-1]
                if frames and frames[-1][1] == deepest.lineno + 1 \
                        and deepest.lineno == deepest.frame.code.firstlineno:
                    frames.pop()        # the call that could not start: it shows its `def`
            self._frames[(item.nodeid, call.when)] = frames
        return report

    def pytest_runtest_logstart(self, nodeid, location) -> None:
        self._pending[nodeid] = {"kind": "test", "nodeid": nodeid, "outcome": "passed",
                                 "message": "", "frames": [], "duration": 0.0}
        self._send({"kind": "start", "nodeid": nodeid})
        self.watchdog.begin(nodeid)
        self.compared.begin(nodeid)

    def pytest_assertrepr_compare(self, op, left, right) -> None:
        self.compared.saw(op, left, right)

    def pytest_runtest_logreport(self, report) -> None:
        rec = self._pending.get(report.nodeid)
        if rec is None:
            return
        rec["duration"] += getattr(report, "duration", 0.0) or 0.0
        frames = self._frames.pop((report.nodeid, report.when), [])
        wasxfail = hasattr(report, "wasxfail")
        if report.when == "call":
            stopped = self.watchdog.timed_out(report.nodeid)
            if stopped is not None:
                rec.update(outcome="timeout", message=stopped[0][:MESSAGE_LIMIT], frames=stopped[1])
            elif wasxfail:
                rec["outcome"] = "xfailed" if report.skipped else "xpassed"
                rec["message"] = str(report.wasxfail)[:MESSAGE_LIMIT]
            elif report.failed:
                message = _crash_message(report) + self._recursion.pop(report.nodeid, "")
                rec.update(outcome="failed", message=message[:MESSAGE_LIMIT], frames=frames)
                compared = self.compared.pop(report.nodeid)
                if compared is not None:
                    rec["compared"] = compared
            elif report.skipped:
                rec.update(outcome="skipped", message=_crash_message(report))
        elif report.failed and rec["outcome"] in ("passed", "xpassed"):
            rec.update(outcome="error", message=_crash_message(report), frames=frames)
        elif report.skipped and report.when == "setup":
            if wasxfail:
                rec.update(outcome="xfailed", message=str(report.wasxfail)[:MESSAGE_LIMIT])
            else:
                rec.update(outcome="skipped", message=_crash_message(report))
        if report.when == "teardown":
            self.watchdog.end(report.nodeid, rec["outcome"] == "passed", rec["duration"])
            self._send(self._pending.pop(report.nodeid))

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self._send(self.collect_error(report.nodeid, str(report.longrepr)))

    def collect_error(self, nodeid: str, text: str) -> dict:
        path, line = nodeid.split("::")[0], 0
        for file, lineno in _FILE_LINE.findall(text):
            rel = _relative(file, self.rootdir)
            if rel is not None:
                path, line = rel, int(lineno)
        if not line:
            frames = _SHORT_FRAME.findall(text)
            if frames:
                path, line = frames[-1][0], int(frames[-1][1])
        errors = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("E ")]
        message = errors[-1] if errors else (text.strip().splitlines() or [""])[-1]
        return {"kind": "collect_error", "nodeid": nodeid, "path": path, "line": line,
                "message": message[:MESSAGE_LIMIT]}

    def pytest_collection_finish(self, session) -> None:
        self._send({"kind": "collected", "nodeids": [item.nodeid for item in session.items]})

    def pytest_sessionfinish(self, session, exitstatus) -> None:
        self._send({"kind": "finish", "exitstatus": int(exitstatus)})


class _FileSink:
    def __init__(self, path: str) -> None:
        self._fh = open(path, "a", encoding="utf-8")

    def __call__(self, record: dict) -> None:
        self._fh.write(json.dumps(record) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def pytest_configure(config) -> None:
    path = os.environ.get("REMEDY_REPORT")
    if path and not config.pluginmanager.has_plugin("remedy-reporter"):
        reporter = Reporter(_FileSink(path), config.rootpath)
        reporter.watchdog.configure_from_env()
        config.pluginmanager.register(reporter, "remedy-reporter")


def pytest_unconfigure(config) -> None:
    reporter = config.pluginmanager.get_plugin("remedy-reporter")
    if reporter is not None:
        reporter.sink.close()      # an open file left to the GC warns, and warnings may be errors
