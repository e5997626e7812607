"""The warm worker: validating a candidate without paying interpreter and pytest start-up.

A `WarmWorker` keeps one pytest process alive in a sandbox copy of the project (its own process
group, the sandbox's limits). That process collected the test files once; each `run` sends it the
candidate's files and the test ids, and it answers with the same report records a fresh pytest run
would produce, from a forked child that hot-patched the candidate in (plugin/remedy_worker.py,
plugin/remedy_hotpatch.py). `run` returns None when the worker cannot vouch for the answer (a
conftest or test module changed, a class's bases changed, the worker died, ...): the caller then
uses the plain subprocess path.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Sequence

from ..sandbox.process import BoundedCapture, Limits, kill_group, popen_limited
from ..types import RunReport
from .report import build_report
from .runner import PytestRunner, base_args

__all__ = ["WarmWorker"]

START_TIMEOUT = 120.0
WORKER_LIMITS = Limits(cpu_seconds=24 * 3600)     # the worker lives long; its children start at 0
LOG_LIMIT = 256 << 10                             # of the worker's stderr kept: its head and tail
ANSWER_LIMIT = 80 << 20                           # bytes of one answer line (the plugin sends <= 64 MiB)


class WarmWorker:
    def __init__(self, runner: PytestRunner) -> None:
        self.runner = runner
        self.root: Path | None = None
        self.collected: list[str] = []
        self.collect_errors: list[dict] = []
        self.fallback_reason = ""
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._requests: IO[str] | None = None
        self._answers = -1
        self._buffer = b""
        self._log: BoundedCapture | None = None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self, root_copy: Path, test_files: Sequence[str], timeout: float = START_TIMEOUT) -> bool:
        """Start pytest in `root_copy` (a sandbox copy) collecting `test_files`; False on failure
        (or when it is not ready within `timeout`)."""
        with self._lock:
            self.root = Path(root_copy).resolve()
            req_r, req_w = os.pipe()
            ans_r, ans_w = os.pipe()
            self._log = BoundedCapture(LOG_LIMIT)
            cmd = [self.runner.python, "-m", "pytest", *base_args(self.root), "-p", "remedy_worker",
                   *self.runner.pytest_args, *test_files]
            env = self.runner.env_for(REMEDY_WORKER_FDS=f"{req_r},{ans_w}")
            try:
                self._proc = popen_limited(cmd, self.root, env, limits=WORKER_LIMITS,
                                           confinement=self.runner.confinement,
                                           pass_fds=(req_r, ans_w), stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            finally:
                os.close(req_r)
                os.close(ans_w)
            threading.Thread(target=self._log.drain, args=(self._proc.stderr,), daemon=True,
                             name="remedy-worker-stderr").start()
            self._requests = os.fdopen(req_w, "w", encoding="utf-8")
            self._answers = ans_r
            ready = self._read_answer(timeout)
            if ready is None or ready.get("kind") != "ready":
                self._kill()
                return False
            self.collected = ready["collected"]
            self.collect_errors = ready["errors"]
            return True

    def run(self, files: dict[str, bytes], test_ids: Sequence[str]) -> RunReport | None:
        """Run `test_ids` with `files` patched in; None means "use the subprocess path"."""
        answer = self._ask(files, test_ids, {})
        return None if answer is None else self._report(answer)

    def probe(self, sites: list[dict], failing: Sequence[str], test_ids: Sequence[str],
              timeout: float) -> dict | None:
        """Run `test_ids` on the unpatched project under the value probe (plugin/remedy_probe.py);
        its per-candidate statistics, or None when the worker could not run it to the end."""
        answer = self._ask({}, test_ids, {"probe": sites, "failing": list(failing), "timeout": timeout})
        if answer is None or answer.get("timed_out") or answer.get("status"):
            return None
        return next((r["stats"] for r in answer["records"] if r.get("kind") == "probe"), None)

    def angelic(self, files: dict[str, bytes], spec: dict, test_ids: Sequence[str],
                timeout: float) -> dict | None:
        """Run `test_ids` with `files` (conditions rewritten as calls to the angelic hook) patched in,
        recording and then forcing the conditions (plugin/remedy_angelic.py); its answer record, or
        None when the worker could not run it to the end (`fallback_reason` says why when it
        declined, as for a module it cannot hot-patch)."""
        self.fallback_reason = ""
        answer = self._ask(files, test_ids, {"angelic": spec, "timeout": timeout})
        if answer is None or answer.get("timed_out") or answer.get("status"):
            return None
        return next((r for r in answer["records"] if r.get("kind") == "angelic"), None)

    def _ask(self, files: dict[str, bytes], test_ids: Sequence[str], extra: dict) -> dict | None:
        with self._lock:
            if not self.alive or self.collect_errors:
                self.fallback_reason = "worker not available" if not self.alive else "collect errors"
                return None
            try:
                sources = {rel: data.decode("utf-8") for rel, data in files.items()}
            except UnicodeDecodeError:
                self.fallback_reason = "non-UTF-8 file"
                return None
            timeout = float(extra.get("timeout") or self.runner.warm_timeout or self.runner.timeout)
            request = {"files": sources, "tests": list(test_ids), "timeout": timeout, **extra}
            if self.runner.test_timeout and "probe" not in request:     # traced runs are slower
                request.setdefault("test_timeout", self.runner.test_timeout)
            assert self._requests is not None       # alive: start() opened it
            try:
                self._requests.write(json.dumps(request) + "\n")
                self._requests.flush()
            except (OSError, ValueError):
                self._kill()
                return None
            answer = self._read_answer(timeout + 30.0)
            if answer is None:
                self._kill()
                self.fallback_reason = "worker stopped answering"
                return None
            if answer.get("kind") != "result":
                self.fallback_reason = answer.get("reason", "fallback")
                return None
            return answer

    @staticmethod
    def _report(answer: dict) -> RunReport:
        status, timed_out = int(answer["status"]), bool(answer["timed_out"])
        records = answer["records"]
        aborted = next((r["reason"] for r in records if r.get("kind") == "aborted"), "")
        note = aborted or (f"test process died (signal {-status})" if status < 0
                           else f"test process exited with code {status} mid-test")
        report = build_report(records, exit_code=status, timed_out=timed_out,
                              duration=float(answer["duration"]), crash_note=note)
        if timed_out:
            report.exit_code = -9
        elif status == 0:
            report.exit_code = 0 if all(r.outcome.ok for r in report.results) else 1
        return report

    def _read_answer(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or self._answers < 0:
                return None
            ready, _, _ = select.select([self._answers], [], [], min(left, 1.0))
            if not ready:
                if not self.alive:
                    return None
                continue
            chunk = os.read(self._answers, 1 << 16)
            if not chunk or len(self._buffer) > ANSWER_LIMIT:
                return None          # closed, or a flood that is no answer: the caller kills
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError:
            return None

    def stderr_tail(self, limit: int = 4000) -> str:
        return "" if self._log is None else self._log.text()[-limit:]

    def _kill(self) -> None:
        if self._proc is not None:
            kill_group(self._proc)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for closer in (lambda: self._requests and self._requests.close(),
                       lambda: os.close(self._answers) if self._answers >= 0 else None):
            try:
                closer()
            except OSError:
                pass
        self._requests, self._answers, self._buffer = None, -1, b""

    def close(self) -> None:
        """Stop the worker and everything it started. Safe to call twice, and from a cancel: the
        kill comes first, so a `run` in progress sees the worker gone and lets go of the lock."""
        if self._proc is not None:
            kill_group(self._proc)
        with self._lock:
            self._kill()
            if self._proc is not None and self._proc.stderr is not None:
                self._proc.stderr.close()
            self._log = None
