"""Turning the report plugin's JSON records into a `RunReport`.

Both ways of running tests (a pytest subprocess, a warm worker's forked child) emit the same records
(see plugin/remedy_report.py), so both end here and their results compare equal. A test that started
but never finished was running when the run was killed (TIMEOUT) or when its process died (ERROR);
a killed test takes its message and frames from the "hang" record the watchdog wrote before the kill
(plugin/remedy_watchdog.py), so it says where it hung like a test stopped at its own limit does.

The records are written by the code under test, so nothing in them is trusted: a report file is
read up to `MAX_REPORT_BYTES` only, records that are not objects are dropped, and every message
and frame is redacted (agent/secrets.py) here, before it reaches events, traces or prompts.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Iterable

from ..sandbox.workspace import project_relative
from ..secrets import redact
from ..types import Frame, Outcome, RunReport, TestResult

__all__ = ["PLUGIN_DIR", "MAX_REPORT_BYTES", "read_records", "build_report"]

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin"
MAX_REPORT_BYTES = 64 << 20      # a hostile test can write gigabytes into the report file


def read_records(path: Path, limit: int = MAX_REPORT_BYTES) -> list[dict]:
    """Parse a JSON-lines report file, at most its first `limit` bytes; a torn last line (process
    killed mid-write, or cut at the limit) is ignored. Only a regular file is read: a FIFO, device
    or symlink put in its place reads as no records."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return []
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return []
        data = fh.read(limit)
    return parse_lines(data.decode("utf-8", "replace").splitlines())


def parse_lines(lines: Iterable[str]) -> list[dict]:
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _frames(rec: dict) -> tuple[Frame, ...]:
    return tuple(Frame(redact(p), int(n), redact(f)) for p, n, f in rec.get("frames", ()))


def _result(rec: dict) -> TestResult:
    return TestResult(
        test_id=rec["nodeid"], outcome=Outcome(rec["outcome"]), message=_said(rec.get("message", "")),
        frames=_frames(rec), duration=float(rec.get("duration", 0.0)), compared=_compared(rec))


def _compared(rec: dict) -> tuple[str, ...]:
    pair = rec.get("compared")
    if isinstance(pair, list) and len(pair) == 2 and all(isinstance(r, str) for r in pair):
        return tuple(_said(r) for r in pair)
    return ()


def _said(text: str) -> str:
    """A message as the user may read it: no secrets, no paths into the scratch copy."""
    return project_relative(redact(text))


def build_report(records: list[dict], *, exit_code: int, timed_out: bool, duration: float,
                 crash_note: str = "") -> RunReport:
    """Assemble a RunReport; `crash_note` explains an unfinished test when the run did not time out."""
    report = RunReport(timed_out=timed_out, duration=duration, exit_code=exit_code)
    started: list[str] = []
    finished: set[str] = set()
    collected: list[str] | None = None
    hangs: dict[str | None, dict] = {}
    for rec in records:
        kind = rec.get("kind")
        if kind == "start":
            started.append(rec["nodeid"])
        elif kind == "hang":
            hangs[rec.get("nodeid")] = rec
        elif kind == "test":
            finished.add(rec["nodeid"])
            report.results.append(_result(rec))
        elif kind == "collect_error":
            where = f"{rec['path']}:{rec['line']}" if rec.get("line") else rec["path"]
            report.collection_errors.append(_said(f"{where}: {rec['message']}"))
        elif kind == "collected":
            collected = rec["nodeids"]
    for nodeid in started:
        if nodeid in finished:
            continue
        if timed_out:
            hang = hangs.get(nodeid, {})
            report.results.append(TestResult(nodeid, Outcome.TIMEOUT, _said(
                str(hang.get("message") or "killed at the timeout")), _frames(hang)))
        else:
            report.results.append(TestResult(nodeid, Outcome.ERROR,
                                             _said(crash_note or "test did not finish")))
    report.no_tests = collected == [] and not report.collection_errors
    return report
