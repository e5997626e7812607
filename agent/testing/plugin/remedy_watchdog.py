"""Where a hanging test was: a watchdog thread that samples the running test's stack, stops a test
that runs past its limit, and says where it was before the run is killed.

Used by remedy_report (`Reporter.watchdog`); it runs in the user's interpreter and imports nothing
from `agent`. Two limits, each optional:

- per test (`REMEDY_TEST_TIMEOUT` seconds; the warm worker request's "test_timeout"): from half the
  limit on, the test thread's stack is sampled (`sys._current_frames()`). At the limit a signal
  (SIGRTMIN+3, to the main thread, where pytest runs tests) line-traces a short burst of what the
  test still runs (a sampler only ever sees a loop at its header: that is where threads switch),
  then raises `TimedOut` there; a test in another thread gets it raised asynchronously. pytest
  reports the test and goes on with the rest, and the run's coverage is still written. The limit
  grows to ten times the slowest test that passed before in the run (a traced run is slow for
  every test); once a test has timed out, later ones get at most five times that, at least a
  second: a bug that hangs one case hangs most.
- per run (`REMEDY_DEADLINE`, seconds since the epoch; the worker request's timeout): the parent kills
  the run then. Shortly before, the running test's samples go out as a record
  `{"kind": "hang", "nodeid", "message", "frames"}`, for what the exception cannot stop (a loop in C,
  a test that swallows it).

The frames of a test that timed out are its hot frames: the call chain of the last sample with
recursion collapsed (each line once), then the lines the burst (else the samples) found running, the
hottest deepest. They read like a traceback, and fault localization weighs them like one.
"""
from __future__ import annotations

import collections
import os
import signal
import sys
import threading
import time

SAMPLES = 24            # stack samples kept per test: the last ones, nearest the limit
HOT_LINES = 8           # running lines kept in the hot frames
CHAIN = 16              # callers kept above them
GROWTH = 10.0           # a test's limit is at least this times the slowest passing one before it
AFTER_TIMEOUT = 5.0     # later tests of a run with a timeout: at most this times it
MIN_LIMIT = 1.0
RETRIES = 3             # raises into a test that swallows TimedOut before leaving it to the kill
BURST_LINES = 2000      # line events traced at the limit before TimedOut is raised
STOP_SIGNAL = getattr(signal, "SIGRTMIN", 0) and signal.SIGRTMIN + 3


class TimedOut(BaseException):
    """Raised in the test's thread at its limit; not an Exception, so `except Exception:` in the code
    under test lets it through."""


def seconds(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") or "0"


def collapse(frames) -> list:
    """Each location once, at its first (outermost) occurrence: a recursion's cycle folds to one pass."""
    seen, out = set(), []
    for frame in frames:
        loc = tuple(frame)
        if loc[:2] not in seen:
            seen.add(loc[:2])
            out.append(list(loc))
    return out


def recursion_site(frames) -> list | None:
    """The frame a RecursionError's traceback repeats most (the recursive call)."""
    counts = collections.Counter(tuple(f) for f in frames)
    if not counts:
        return None
    loc, n = counts.most_common(1)[0]
    return list(loc) if n > 1 else None


def where(frame) -> str:
    path, line, function = frame
    return f"{function}() at {path}:{line}"


def hot_frames(samples, traced=None) -> list:
    """[path, line, function] outermost first: the last sample's callers, then the running lines
    (`traced`: {location: line events}, else what the samples found innermost), the hottest last.
    Lines that ran about as often (a loop's body) are ordered by how often the samples caught them:
    a sampler catches a loop at its header, which then reads as where the test hung."""
    stacks = [s for s in samples if s]
    sampled: collections.Counter = collections.Counter(stack[-1] for stack in stacks)
    last = {stack[-1]: i for i, stack in enumerate(stacks)}
    running = collections.Counter(traced) if traced else sampled
    if traced:
        last = {loc: i for i, loc in enumerate(traced)}    # insertion order: first run first
    top = max(running.values(), default=1)
    hot = sorted(running, key=lambda loc: (round(running[loc] / top, 1), sampled[loc],
                                           last[loc]))[-HOT_LINES:]
    taken = {loc[:2] for loc in hot}
    callers = collapse(stacks[-1][:-1]) if stacks else []
    chain = [loc for loc in callers if tuple(loc[:2]) not in taken][-CHAIN:]
    return chain + [list(loc) for loc in hot]


def timeout_message(after: float, frames) -> str:
    text = f"timed out after {seconds(after)} s"
    return f"{text} in {where(frames[-1])}" if frames else text


class _Running:
    def __init__(self, nodeid: str, limit: float | None) -> None:
        self.nodeid = nodeid
        self.tid = threading.get_ident()
        self.limit = limit
        self.started = time.monotonic()
        self.samples: collections.deque = collections.deque(maxlen=SAMPLES)
        self.traced: collections.Counter = collections.Counter()
        self.burst: list[int] | None = None     # line events left to trace, once tracing
        self.in_call = False
        self.fired = 0              # stop requests sent
        self.next_fire = 0.0
        self.reported = False       # the hang record is out


class Watchdog:
    """One per test process; `begin`/`call_started`/`call_ended`/`end` follow the running test."""

    def __init__(self, relative, emit) -> None:
        self._relative = relative          # path -> project-relative posix path, or None
        self._emit = emit                  # where the hang record goes
        self.limit: float | None = None
        self.deadline: float | None = None     # time.monotonic() at which the run is killed
        self._margin = self._window = 0.0
        self._cond = threading.Condition()
        self._test: _Running | None = None
        self._owner = 0                    # pid whose thread runs; a forked child starts its own
        self._signalled = 0                # pid whose main thread has the stop handler
        self._slowest_pass = 0.0
        self._had_timeout = False
        self._paths: dict[str, str | None] = {}
        self._timeouts: dict[str, tuple[str, list]] = {}

    def configure(self, limit: float | None, deadline: float | None) -> None:
        """`limit`: seconds per test; `deadline`: time.monotonic() of the run's kill."""
        self.limit = limit if limit and limit > 0 else None
        self.deadline = deadline
        if deadline is not None:
            total = max(0.0, deadline - time.monotonic())
            self._margin = min(1.0, max(0.2, 0.1 * total))
            self._window = min(2.0, max(0.2, 0.2 * total))

    def configure_from_env(self, environ=os.environ) -> None:
        def number(name: str) -> float | None:
            try:
                return float(environ[name])
            except (KeyError, ValueError):
                return None
        epoch = number("REMEDY_DEADLINE")
        deadline = None if epoch is None else time.monotonic() + (epoch - time.time())
        self.configure(number("REMEDY_TEST_TIMEOUT"), deadline)

    # -- the running test (called from pytest hooks in the test's thread) ----------------------
    def begin(self, nodeid: str) -> None:
        if self.limit is None and self.deadline is None:
            return
        limit = self.limit
        if limit is not None and self._had_timeout:
            limit = min(limit, max(MIN_LIMIT, AFTER_TIMEOUT * self._slowest_pass))
        elif limit is not None:
            limit = max(limit, GROWTH * self._slowest_pass)
        pid = os.getpid()
        if limit is not None and STOP_SIGNAL and self._signalled != pid \
                and threading.current_thread() is threading.main_thread():
            try:
                signal.signal(STOP_SIGNAL, self._on_signal)
                self._signalled = pid
            except (ValueError, OSError):
                pass
        with self._cond:
            self._test = _Running(nodeid, limit)
            self._cond.notify()
        if self._owner != pid:
            self._owner = pid
            threading.Thread(target=self._run, name="remedy-watchdog", daemon=True).start()

    def call_started(self) -> None:
        with self._cond:
            if self._test is not None:
                self._test.in_call = True

    def call_ended(self) -> None:
        with self._cond:
            if self._test is not None:
                self._test.in_call = False

    def end(self, nodeid: str, passed: bool, duration: float) -> None:
        if passed:
            self._slowest_pass = max(self._slowest_pass, duration)
        with self._cond:
            if self._test is not None and self._test.nodeid == nodeid:
                self._test = None

    def timed_out(self, nodeid: str) -> tuple[str, list] | None:
        """(message, hot frames) when the test was stopped at its limit."""
        return self._timeouts.pop(nodeid, None)

    # -- stopping it (in the test's thread) -------------------------------------------------------
    def _stop(self, test: _Running) -> TimedOut:
        if test.nodeid not in self._timeouts:
            frames = hot_frames(list(test.samples), test.traced)
            self._timeouts[test.nodeid] = (timeout_message(test.limit or 0.0, frames), frames)
        self._had_timeout = True
        return TimedOut(f"stopped at its {seconds(test.limit or 0.0)} s limit")

    def _on_signal(self, signum, frame) -> None:
        test = self._test
        if test is None or not test.in_call or test.tid != threading.get_ident():
            return
        if test.fired > 1 or sys.gettrace() is not None:
            # Between lines (a tracer's doing) the traceback would have no line number, and
            # pytest fails on that: ask again at the next sample.
            if frame is None or frame.f_lineno is None:
                test.fired -= 1
                test.next_fire = 0.0
                return
            if test.burst is not None:
                test.burst[0] = 0
                sys.settrace(None)
            raise self._stop(test)         # a second request, or someone else traces (coverage)
        budget = test.burst = [BURST_LINES]

        def trace(frame, event, arg):
            if budget[0] <= 0:
                return None
            rel = self._path(frame.f_code.co_filename)
            if rel is None:
                return None
            if event == "line":
                test.traced[(rel, frame.f_lineno, frame.f_code.co_name)] += 1
                budget[0] -= 1
                if budget[0] <= 0:
                    raise self._stop(test)         # CPython turns the raising tracer off
            return trace

        while frame is not None:
            if self._path(frame.f_code.co_filename) is not None:
                frame.f_trace = trace
            frame = frame.f_back
        sys.settrace(trace)

    # -- the watchdog thread -------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                test, now = self._test, time.monotonic()
                wake = self._sampling_from(test)
                if test is None or wake is None or wake > now:
                    self._cond.wait(None if wake is None else wake - now)
                    continue
            try:
                self._sample(test)
                self._act(test)
            except Exception:          # the watchdog must never disturb the run
                pass
            time.sleep(self._interval(test))

    def _sampling_from(self, test: _Running | None) -> float | None:
        if test is None:
            return None
        starts = []
        if test.limit is not None:
            starts.append(test.started + 0.5 * test.limit)
        if self.deadline is not None and not test.reported:
            starts.append(self.deadline - self._margin - self._window)
        return min(starts) if starts else None

    def _interval(self, test: _Running) -> float:
        spans = [0.5 * test.limit] if test.limit is not None else []
        if self.deadline is not None:
            spans.append(self._window)
        return max(0.005, min(spans or [1.0]) / 20)

    def _path(self, filename: str) -> str | None:
        rel = self._paths.get(filename, "")
        if rel == "":
            rel = self._paths[filename] = None if filename.startswith("<") else self._relative(filename)
        return rel

    def _sample(self, test: _Running) -> None:
        frame = sys._current_frames().get(test.tid)
        stack: list = []
        while frame is not None:
            code = frame.f_code
            rel = self._path(code.co_filename)
            line = frame.f_lineno or code.co_firstlineno
            starting = not stack and line == code.co_firstlineno    # shows its `def`: count the caller
            if rel is not None and not starting:
                stack.append((rel, line, code.co_name))
            frame = frame.f_back
        stack.reverse()
        test.samples.append(tuple(stack))

    def _act(self, test: _Running) -> None:
        now = time.monotonic()
        if test.limit is not None and now >= test.started + test.limit:
            with self._cond:
                if self._test is test and test.in_call and test.fired < RETRIES and now >= test.next_fire:
                    test.fired += 1
                    test.next_fire = now + max(0.2, 0.25 * test.limit)
                    self._request_stop(test)
        if self.deadline is not None and now >= self.deadline - self._margin and not test.reported:
            test.reported = True
            frames = hot_frames(list(test.samples), test.traced)
            self._emit({"kind": "hang", "nodeid": test.nodeid, "frames": frames,
                        "message": timeout_message(now - test.started, frames) + " (killed with the run)"})

    def _request_stop(self, test: _Running) -> None:
        if self._signalled == os.getpid() and test.tid == threading.main_thread().ident:
            signal.pthread_kill(test.tid, STOP_SIGNAL)
        else:
            self._stop(test)
            _async_raise(test.tid, TimedOut)


def _async_raise(tid: int, exc: type) -> bool:
    """Raise the exception class `exc` in thread `tid` at its next bytecode; CPython only. (Never
    with NULL to drop a pending one: 3.11 then spins on its eval breaker for good.)"""
    try:
        import ctypes
        set_async = ctypes.pythonapi.PyThreadState_SetAsyncExc
    except (ImportError, AttributeError):
        return False
    return set_async(ctypes.c_ulong(tid), ctypes.py_object(exc)) == 1
