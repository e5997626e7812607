"""pytest plugin for the warm worker (loaded with `-p remedy_worker`; no imports from `agent`).

pytest starts once and collects the given test files; then, instead of running tests, this plugin's
`pytest_runtestloop` serves requests, one JSON line each, read from the fd pair named by
$REMEDY_WORKER_FDS ("<in>,<out>"; stdin/stdout stay pytest's own):

    -> {"files": {rel: source}, "tests": [nodeid, ...], "timeout": seconds, "test_timeout": seconds}
    <- {"kind": "result", "records": [...], "timed_out": bool, "status": n, "duration": s}
    -> {"probe": [site, ...], "failing": [nodeid, ...], "tests": [...], "timeout": seconds}
    <- the same, its records ending with {"kind": "probe", "stats": {...}} (remedy_probe)
    -> {"angelic": {...}, "files": {rel: instrumented source}, "tests": [...], "timeout": s}
    <- the same, its records {"kind": "angelic", ...} and {"kind": "done"} (remedy_angelic)
    <- {"kind": "fallback", "reason": "..."}

Each request is served by a forked child: it hot-patches the candidate into the modules the parent
already imported (remedy_hotpatch), runs the selected items through pytest's own
`pytest_runtest_protocol`, streams the remedy_report records through a pipe and exits. The parent
only forks, reads and kills: a child that crashes, exits or hangs costs nothing but itself.

A request's timeout is for running its tests: hot-patching the candidate in comes first and is not
the candidate's cost (a 50,000-line module takes seconds to re-execute, however good the fix). The
child's first records say so, {"kind": "patching"} before and {"kind": "patched", "seconds": s}
after: in between the deadline waits longer, by an allowance that grows with the size of the
patched sources (PATCH_S_PER_MB, at most PATCH_ALLOWANCE_S: a candidate whose module body loops
must still be stopped), and then it moves by s.
"""
from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import sys
import time

import pytest

import remedy_hotpatch
from remedy_report import Reporter

_STATE: dict = {}
PATCH_ALLOWANCE_S = 20.0       # the most a slow hot-patch may add to a request's deadline
PATCH_BASE_S, PATCH_S_PER_MB = 2.0, 5.0


def _matches(test_id: str, nodeid: str) -> bool:
    test_id = test_id.rstrip("/")
    return (nodeid == test_id or nodeid.startswith(test_id + "::")
            or nodeid.startswith(test_id + "[") or nodeid.startswith(test_id + "/"))


def _write_line(fd: int, obj: dict) -> None:
    data = (json.dumps(obj) + "\n").encode("utf-8")
    while data:
        data = data[os.write(fd, data):]


def pytest_configure(config) -> None:
    if "REMEDY_WORKER_FDS" not in os.environ:
        return
    buffered: list[dict] = []
    reporter = Reporter(buffered.append, config.rootpath)
    config.pluginmanager.register(reporter, "remedy-worker-reporter")
    _STATE.update(reporter=reporter, buffered=buffered)


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(session, items, files: dict, out_fd: int, request: dict, deadline: float) -> None:
    os.setpgid(0, 0)
    _die_with_parent()
    status = 0
    try:
        reporter = _STATE["reporter"]
        reporter.watchdog.configure(request.get("test_timeout"), deadline)   # remedy_watchdog
        protected = {os.path.realpath(str(item.path)) for item in session.items}
        patching = time.monotonic()
        _write_line(out_fd, {"kind": "patching"})
        try:
            remedy_hotpatch.apply(str(session.config.rootpath), files, protected)
        except remedy_hotpatch.Unpatchable as exc:
            _write_line(out_fd, {"kind": "fallback", "reason": str(exc)})
            return
        patched = min(PATCH_ALLOWANCE_S, time.monotonic() - patching)
        _write_line(out_fd, {"kind": "patched", "seconds": patched})
        reporter.watchdog.configure(request.get("test_timeout"), deadline + patched)
        if request.get("angelic"):
            import remedy_angelic
            remedy_angelic.serve(session, items, request, reporter, out_fd)
            return
        reporter.sink = lambda rec: _write_line(out_fd, rec)
        probe = None
        if request.get("probe"):
            import remedy_probe
            probe = remedy_probe.Probe(request["probe"], str(session.config.rootpath),
                                       request.get("failing", ()))
            session.config.pluginmanager.register(probe, "remedy-probe")   # failed comparisons
        for i, item in enumerate(items):
            nextitem = items[i + 1] if i + 1 < len(items) else None
            if probe is not None:
                probe.begin(item.nodeid)
                sys.settrace(probe.trace)
            try:
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            finally:
                if probe is not None:
                    sys.settrace(None)
                    probe.end()
        if probe is not None:
            _write_line(out_fd, {"kind": "probe", "stats": probe.result()})
        _write_line(out_fd, {"kind": "done"})
    except BaseException as exc:            # pytest.exit() in a test, or a bug: report and stop
        status = 3
        try:
            _write_line(out_fd, {"kind": "aborted", "reason": f"{type(exc).__name__}: {exc}"})
        except OSError:
            pass
    finally:
        os._exit(status)


ANSWER_LIMIT = 64 << 20        # bytes of records one request may send back


def _ancestors() -> set[int]:
    pids, pid = {1}, os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                pid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def _kill_leftovers() -> None:
    """Kill every process a request left behind, `setsid` ones included. Only inside Remedy's
    sandbox, where this worker's PID namespace holds nothing but the worker, its init and what the
    requests started; outside it, killing the child's process group is all that can be done."""
    if os.environ.get("REMEDY_SANDBOXED") != "1":
        return
    keep = _ancestors()
    for _ in range(50):                      # a fork bomb may still be forking: repeat until empty
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in keep]
        if not others:
            return
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


class _Patch:
    """What the child's first two records say of its hot-patching: how much later the deadline is."""

    def __init__(self, files: dict) -> None:
        size = sum(len(source) for source in files.values())
        self.limit = min(PATCH_ALLOWANCE_S, PATCH_BASE_S + PATCH_S_PER_MB * size / 1e6)
        self.started = False
        self.seconds: float | None = None

    def allowance(self) -> float:
        if self.seconds is not None:
            return self.seconds
        return self.limit if self.started else 0.0

    def read(self, chunks: list[bytes]) -> None:
        if self.seconds is not None:
            return
        records = [_record(line) for line in b"".join(chunks).split(b"\n")[:-1][:2]]   # whole lines
        if not records:
            return
        if records[0].get("kind") != "patching":
            self.seconds = 0.0            # a child that says nothing of patching gets no allowance
            return
        self.started = True
        if len(records) > 1:
            done = records[1]
            seconds = done.get("seconds") if done.get("kind") == "patched" else 0.0
            self.seconds = min(self.limit, max(0.0, float(seconds))) \
                if isinstance(seconds, (int, float)) else 0.0


def _record(line: bytes) -> dict:
    try:
        record = json.loads(line)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def _read_child(read_fd: int, pid: int, deadline: float,
                patch: _Patch) -> tuple[list[bytes], bool, bool]:
    """The child's records until it closes the pipe or exits (a process it left behind may hold
    the pipe open: its exit ends the wait), the deadline passes (later by what `patch` reads of
    the child's hot-patching), or it sends too much."""
    try:
        exited = os.pidfd_open(pid)
    except (AttributeError, OSError):
        exited = -1
    chunks: list[bytes] = []
    size, gone = 0, False
    base = deadline
    try:
        while True:
            left = base + patch.allowance() - time.monotonic()
            if left <= 0:
                return chunks, True, False
            ready, _, _ = select.select([read_fd] + ([exited] if exited >= 0 and not gone else []),
                                        [], [], left)
            if exited in ready:
                gone = True                     # drain what it wrote, without waiting for more
                os.set_blocking(read_fd, False)
            if read_fd not in ready and not gone:
                continue
            try:
                chunk = os.read(read_fd, 1 << 16)
            except BlockingIOError:
                return chunks, False, False
            if not chunk:
                return chunks, False, False
            size += len(chunk)
            if size > ANSWER_LIMIT:
                return chunks, False, True
            chunks.append(chunk)
            patch.read(chunks)
    finally:
        if exited >= 0:
            os.close(exited)


def _serve(session, request: dict) -> dict:
    tests = request.get("tests", [])
    items = [it for it in session.items if any(_matches(t, it.nodeid) for t in tests)]
    unknown = [t for t in tests if not any(_matches(t, it.nodeid) for it in session.items)]
    if unknown or not items:
        return {"kind": "fallback", "reason": f"not collected: {unknown or tests}"}
    timeout = float(request.get("timeout", 30.0))
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(session, items, request.get("files", {}), write_fd, request, start + timeout)
    os.close(write_fd)
    patch = _Patch(request.get("files", {}))
    chunks, timed_out, overflow = _read_child(read_fd, pid, start + timeout, patch)
    if timed_out or overflow:
        for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                kill()
            except OSError:
                pass
    os.close(read_fd)
    _, wait_status = os.waitpid(pid, 0)
    _kill_leftovers()
    if overflow:
        return {"kind": "fallback", "reason": f"the test run sent more than {ANSWER_LIMIT} bytes"}
    status = os.waitstatus_to_exitcode(wait_status)
    records = []
    for line in b"".join(chunks).decode("utf-8", "replace").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    for rec in records:
        if rec.get("kind") == "fallback":
            return rec
    return {"kind": "result", "records": records, "timed_out": timed_out, "status": status,
            "duration": time.monotonic() - start}


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    fds = os.environ.get("REMEDY_WORKER_FDS")
    if not fds:
        return None
    in_fd, out_fd = (int(x) for x in fds.split(","))
    buffered = _STATE["buffered"]
    collected = next((r["nodeids"] for r in buffered if r.get("kind") == "collected"),
                     [it.nodeid for it in session.items])
    errors = [r for r in buffered if r.get("kind") == "collect_error"]
    _write_line(out_fd, {"kind": "ready", "collected": collected, "errors": errors,
                         "pid": os.getpid()})
    with os.fdopen(in_fd, "r", encoding="utf-8") as requests:
        for line in requests:
            try:
                answer = _serve(session, json.loads(line))
            except Exception as exc:            # a bad request must not end the worker
                answer = {"kind": "fallback", "reason": f"worker error: {exc!r}"}
            _write_line(out_fd, answer)
    return True
