"""Turning the report plugin's JSON records into a `RunReport`.

Both ways of running tests (a pytest subprocess, a warm worker's forked child) emit the same records
(see plugin/remedy_report.py), so both end here and their results compare equal. A test that started
but never finished was running when the run was killed (TIMEOUT) or when its process died (ERROR).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from ..types import Frame, Outcome, RunReport, TestResult

__all__ = ["PLUGIN_DIR", "read_records", "build_report"]

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin"


def read_records(path: Path) -> list[dict]:
    """Parse a JSON-lines report file; a torn last line (process killed mid-write) is ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return parse_lines(text.splitlines())


def parse_lines(lines: Iterable[str]) -> list[dict]:
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def _result(rec: dict) -> TestResult:
    return TestResult(
        test_id=rec["nodeid"], outcome=Outcome(rec["outcome"]), message=rec.get("message", ""),
        frames=tuple(Frame(p, int(n), f) for p, n, f in rec.get("frames", ())),
        duration=float(rec.get("duration", 0.0)))


def build_report(records: list[dict], *, exit_code: int, timed_out: bool, duration: float,
                 crash_note: str = "") -> RunReport:
    """Assemble a RunReport; `crash_note` explains an unfinished test when the run did not time out."""
    report = RunReport(timed_out=timed_out, duration=duration, exit_code=exit_code)
    started: list[str] = []
    finished: set[str] = set()
    collected: list[str] | None = None
    for rec in records:
        kind = rec.get("kind")
        if kind == "start":
            started.append(rec["nodeid"])
        elif kind == "test":
            finished.add(rec["nodeid"])
            report.results.append(_result(rec))
        elif kind == "collect_error":
            where = f"{rec['path']}:{rec['line']}" if rec.get("line") else rec["path"]
            report.collection_errors.append(f"{where}: {rec['message']}")
        elif kind == "collected":
            collected = rec["nodeids"]
    for nodeid in started:
        if nodeid not in finished:
            outcome = Outcome.TIMEOUT if timed_out else Outcome.ERROR
            message = "killed at the timeout" if timed_out else (crash_note or "test did not finish")
            report.results.append(TestResult(nodeid, outcome, message))
    report.no_tests = collected == [] and not report.collection_errors
    return report
