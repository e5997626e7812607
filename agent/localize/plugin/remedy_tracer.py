"""Remedy's own line tracer: per-test executed lines where coverage.py is not installed.

Used by ``remedy_coverage`` in the user's interpreter (Python 3.8+, standard library only). It
records ``(filename, line)`` for the code of files that ``wanted(filename)`` accepts and keeps the
cost of everything else near zero:

- Python 3.12+: ``sys.monitoring``. A PY_START callback turns LINE events on for the code objects
  of wanted files only (``set_local_events``); every callback returns DISABLE, so each line and
  each function reports once until ``switch()`` re-arms them all (``restart_events``) for the
  next test.
- Older Pythons: ``sys.settrace``, whose global function returns a local tracer only for frames of
  wanted files (one per code object, adding to that code object's own set of lines); other frames
  run untraced.

``switch()`` returns the lines recorded since the previous call and starts a fresh set; ``pause()``
and ``resume()`` stop and restart recording between tests (a test left untraced costs nothing).
"""
from __future__ import annotations

import sys
import threading
from typing import Any

__all__ = ["start_tracer"]


def start_tracer(wanted):
    """A started tracer (`kind`, `switch()`, `pause()`, `resume()`, `stop()`), sys.monitoring
    where the interpreter has it; None when neither mechanism is free (a debugger or another tool
    already holds it)."""
    if hasattr(sys, "monitoring"):
        tool = _free_tool_id()
        if tool is not None:
            return _MonitoringTracer(wanted, tool)
    if sys.gettrace() is None:
        return _SettraceTracer(wanted)
    return None


def _monitoring() -> Any:
    """``sys.monitoring``, on the Pythons that have it (3.12+; the callers check)."""
    return sys.monitoring  # type: ignore[attr-defined]  # (mypy checks the project's 3.11)


def _free_tool_id():
    mon = sys.monitoring
    for tool in (mon.COVERAGE_ID, 3, 4, mon.PROFILER_ID):
        if mon.get_tool(tool) is None:
            return tool
    return None


class _Filter:
    """`wanted` cached per file name (one path resolution per file, not per event)."""

    def __init__(self, wanted) -> None:
        self.wanted = wanted
        self.cache: dict[str, bool] = {}

    def __call__(self, filename: str) -> bool:
        ok = self.cache.get(filename)
        if ok is None:
            try:
                ok = bool(self.wanted(filename))
            except Exception:
                ok = False
            self.cache[filename] = ok
        return ok


class _MonitoringTracer:
    kind = "sys.monitoring"

    def __init__(self, wanted, tool: int) -> None:
        mon = _monitoring()
        self.tool = tool
        self.lines: set[tuple[str, int]] = set()
        add = self.lines.add
        accept = _Filter(wanted)
        disable = mon.DISABLE
        line_event = mon.events.LINE
        set_local = mon.set_local_events
        armed: set[Any] = set()         # code objects
        self.armed = armed

        def py_start(code, offset):
            if code not in armed and accept(code.co_filename):
                armed.add(code)
                set_local(tool, code, line_event)
            return disable

        def line(code, lineno):
            add((code.co_filename, lineno))
            return disable

        mon.use_tool_id(tool, "remedy")
        mon.register_callback(tool, mon.events.PY_START, py_start)
        mon.register_callback(tool, line_event, line)
        self.resume()

    def switch(self):
        found = set(self.lines)
        self.lines.clear()
        sys.monitoring.restart_events()
        return found

    def pause(self) -> None:
        mon = _monitoring()
        mon.set_events(self.tool, 0)
        for code in self.armed:
            try:
                mon.set_local_events(self.tool, code, 0)
            except ValueError:
                pass
        self.armed.clear()

    def resume(self) -> None:
        mon = _monitoring()
        mon.set_events(self.tool, mon.events.PY_START)
        mon.restart_events()

    def stop(self) -> None:
        mon = _monitoring()
        self.pause()
        mon.register_callback(self.tool, mon.events.PY_START, None)
        mon.register_callback(self.tool, mon.events.LINE, None)
        mon.free_tool_id(self.tool)


class _SettraceTracer:
    kind = "settrace"

    def __init__(self, wanted) -> None:
        accept = _Filter(wanted)
        locals_: dict[Any, Any] = {}    # code -> its local trace function, or False
        seen: dict[Any, set[int]] = {}  # code -> the lines it ran since the last switch
        self.seen = seen

        def local_for(code):
            lines = seen[code] = set()
            add = lines.add

            # Every event a local tracer gets (line, return, exception) is on a line that ran.
            def local(frame, event, arg):
                add(frame.f_lineno)
                return local
            return local

        def trace(frame, event, arg):
            code = frame.f_code
            local = locals_.get(code)
            if local is None:
                local = locals_[code] = local_for(code) if accept(code.co_filename) else False
            return local or None

        self.trace = trace
        self.resume()

    def switch(self):
        found = set()
        for code, lines in self.seen.items():
            if lines:
                filename = code.co_filename
                found.update((filename, line) for line in lines)
                lines.clear()
        # Called between tests in pytest's main thread: puts the tracer back where a test took it.
        if sys.gettrace() is None:
            sys.settrace(self.trace)
        return found

    def pause(self) -> None:
        if sys.gettrace() is self.trace:
            sys.settrace(None)
        threading.settrace(None)

    def resume(self) -> None:
        threading.settrace(self.trace)
        if sys.gettrace() is None:
            sys.settrace(self.trace)

    def stop(self) -> None:
        self.pause()
