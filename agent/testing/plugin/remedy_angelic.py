"""Angelic values for suspicious conditions, served by the warm worker's forked child (no imports
from `agent`).

The request's files carry the suspicious modules with each condition `C` rewritten as
`__remedy_cond__(ID, thunk=lambda: (C))` (or `__remedy_cond__(ID, (C))` where a lambda would change
its meaning); this module puts that hook into builtins. The hook runs the condition as written,
counts the evaluation, records its truth and a summary of the site's terms (in-scope names and
pure expressions, evaluated in the caller's frame) and returns either the value as written or the
value a plan forces. A condition that raises is an evaluation whose truth is null: "true" and
"false" give it a value, the other plans let it raise. The request

    {"angelic": {"sites": [{"id": n, "terms": [expr, ...]}], "plans": ["true", ...],
                 "failing": [nodeid, ...]}, "tests": [...], "timeout": s}

is served by grandchildren forked from the patched child, so every run starts from the same state:
first one records every test as written (the failing tests and the passing ones that share their
code); then one per (site, plan) runs the failing tests with that site forced. Plans: "true" and
"false" (every evaluation), "negate" (every one flipped), "first" and "last" (only the first or
the last evaluation the recording saw flipped, per test); a plan that would reproduce the
recording in every failing test is not run. The recording gets at most 60% of the request's time,
each plan a few times what the failing tests took; a site evaluated MAX_EVALUATIONS times in one
test (MAX_FORCED times forced) fails that test instead of letting it hang. The child answers

    {"kind": "angelic", "record": RUN, "plans": [{"site": n, "mode": m, **RUN}, ...]}
    RUN = {"tests": {nodeid: {"passed": bool, "sites": {id: {"n": evaluations,
           "obs": [[k, truth as written (null: raised), truth returned, [summary or null, ...]],
                   ...]}}}},
           "duration": s}

keeping the first KEEP_FIRST and the last KEEP_LAST evaluations of each site and test. A term
summary is {"k": kind, "v": value, "n": len, "t": truth, "c": [names of its classes]}: kinds
N(one) b(ool) i (number) s(tr) y (bytes) c (builtin container) o (other object); "c" names the
classes of its MRO as the caller's module (or builtins) names them, so `isinstance(x, T)` can be
written. Callables, classes and modules are no data: their summary is null.
"""
from __future__ import annotations

import builtins
import json
import math
import os
import select
import signal
import sys
import time
import types

HOOK = "__remedy_cond__"
KEEP_FIRST = 24
KEEP_LAST = 8
TRACK_LIMIT = 2000       # evaluations of one site and test whose terms are summarised at all
MAX_FORCED = 5000        # forced evaluations of one site in one test before the test is failed
MAX_EVALUATIONS = 100_000   # any evaluations: a test that loops for ever on a site fails, not hangs
STRING_LIMIT = 200
_CONTAINERS = (list, tuple, dict, set, frozenset)
_NO_DATA = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType, type)


class Exhausted(BaseException):
    """A forced condition ran past MAX_FORCED evaluations (a loop forced to go on for ever), or any
    past MAX_EVALUATIONS (a loop that hangs as written)."""


class _SiteState:
    __slots__ = ("n", "forced", "truths", "first", "last")

    def __init__(self) -> None:
        self.n = 0
        self.forced = 0
        self.truths: list[bool] = []
        self.first: list = []
        self.last: list = []


class _Plan:
    """One forcing plan at one site; `flip` holds, per test, the evaluation "first"/"last" flips."""

    def __init__(self, site: int, mode: str, flip: dict[str, int]) -> None:
        self.site, self.mode, self.flip = site, mode, flip

    def value(self, test: str, k: int, truth: bool | None) -> bool | None:
        """The truth the program sees; None (the condition raised as written, and this plan has no
        value for it): it raises."""
        if self.mode == "true":
            return True
        if self.mode == "false":
            return False
        if truth is None:
            return None
        if self.mode == "negate":
            return not truth
        return (not truth) if k == self.flip.get(test) else truth


class Angel:
    def __init__(self, spec: dict) -> None:
        self.terms: dict[int, list] = {}
        for site in spec.get("sites", ()):
            compiled: list = []         # a code object per term, None where it does not compile
            for term in site.get("terms", ()):
                try:
                    compiled.append(compile("(" + term + "\n)", "<remedy-angelic>", "eval"))
                except (SyntaxError, ValueError):
                    compiled.append(None)
            self.terms[int(site["id"])] = compiled
        self.plan: _Plan | None = None
        self.only: int | None = None          # the one site a plan run reports
        self.test = ""
        self._began = 0.0
        self.state: dict[int, _SiteState] = {}
        self.tests: dict[str, dict] = {}
        self._classes: dict[tuple[int, type], list[str]] = {}

    # -- the hook ------------------------------------------------------------------------------
    def hook(self, sid, value=None, thunk=None):
        """`value`: the condition's value; `thunk`: a function computing it, so that a condition
        that raises (`s[-1]` on an empty `s`) can still be given a forced value."""
        raised = None
        if thunk is not None:
            try:
                value = thunk()
            except Exception as exc:
                raised = exc
        truth = None if raised is not None else bool(value)   # raises where the condition would
        if not self.test or sid not in self.terms:
            if raised is not None:
                raise raised
            return value
        st = self.state.get(sid)
        if st is None:
            st = self.state[sid] = _SiteState()
        st.n += 1
        k = st.n
        if k > MAX_EVALUATIONS:
            raise Exhausted(f"condition {sid} evaluated {MAX_EVALUATIONS} times")
        out = truth
        plan = self.plan
        if plan is not None and plan.site == sid:
            out = plan.value(self.test, k, truth)
            st.forced += 1
            if st.forced > MAX_FORCED:
                raise Exhausted(f"condition {sid} forced {MAX_FORCED} times")
        if k <= TRACK_LIMIT:
            st.truths.append(truth)
            if self.only is None or self.only == sid:
                obs = [k, truth, out, self._env(sid, sys._getframe(1))]
                if k <= KEEP_FIRST:
                    st.first.append(obs)
                else:
                    st.last.append(obs)
                    if len(st.last) > KEEP_LAST:
                        del st.last[0]
        if out is None:
            raise raised
        return value if out == truth else out

    def _env(self, sid: int, frame) -> list:
        env_g, env_l = frame.f_globals, frame.f_locals
        out: list = []
        for code in self.terms[sid]:
            if code is None:
                out.append(None)
                continue
            try:
                value = eval(code, env_g, env_l)
            except Exception:
                out.append(None)
                continue
            out.append(self._summary(value, env_g))
        return out

    def _summary(self, value, env_g: dict) -> dict | None:
        if value is None:
            return {"k": "N", "t": False}
        if isinstance(value, _NO_DATA):
            return None
        kind = type(value)
        summary: dict = {"c": self._class_names(kind, env_g)}
        if isinstance(value, bool):
            summary.update(k="b", v=bool(value), t=bool(value))
        elif isinstance(value, (int, float)):
            number = int(value) if isinstance(value, int) else float(value)
            finite = isinstance(number, int) or math.isfinite(number)
            summary.update(k="i", v=number if finite else None, t=bool(number))
        elif isinstance(value, str):
            summary.update(k="s", v=str(value) if len(value) <= STRING_LIMIT else None,
                           n=len(value), t=bool(value))
        elif isinstance(value, (bytes, bytearray)):
            summary.update(k="y", n=len(value), t=bool(value))
        elif kind in _CONTAINERS:
            summary.update(k="c", n=len(value), t=bool(value))
        else:
            plain = not any("__bool__" in vars(c) or "__len__" in vars(c) for c in kind.__mro__[:-1])
            summary.update(k="o", t=True if plain else None)
        return summary

    def _class_names(self, kind: type, env_g: dict) -> list[str]:
        key = (id(env_g), kind)
        names = self._classes.get(key)
        if names is None:
            names = []
            for cls in kind.__mro__[:-1][:6]:
                names += [n for n, v in list(env_g.items()) if v is cls and not n.startswith("__")]
                if getattr(builtins, cls.__name__, None) is cls:
                    names.append(cls.__name__)
            self._classes[key] = names = list(dict.fromkeys(names))[:8]
        return names

    # -- per test ------------------------------------------------------------------------------
    def begin(self, nodeid: str) -> None:
        self.test = nodeid
        self.state = {}
        self._began = time.monotonic()

    def end(self, passed: bool) -> None:
        self.tests[self.test] = {
            "passed": passed, "duration": time.monotonic() - self._began,
            "sites": {str(sid): {"n": st.n, "obs": st.first + st.last}
                      for sid, st in self.state.items()},
            "truths": {str(sid): st.truths for sid, st in self.state.items()},
        }
        self.test = ""


class _Tally:
    """Per test: passed only when its call passed and no phase failed."""

    def __init__(self) -> None:
        self.passed: set[str] = set()
        self.failed: set[str] = set()

    def pytest_runtest_logreport(self, report) -> None:
        if report.failed:
            self.failed.add(report.nodeid)
        elif report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
            self.passed.add(report.nodeid)

    def ok(self, nodeid: str) -> bool:
        return nodeid in self.passed and nodeid not in self.failed


def _write_line(fd: int, obj: dict) -> None:
    data = (json.dumps(obj) + "\n").encode("utf-8")
    while data:
        data = data[os.write(fd, data):]


def _run(angel: Angel, tally: _Tally, items, reporter, fd: int) -> None:
    """In a grandchild: run `items`, send what the angel saw, exit."""
    status = 0
    try:
        reporter.sink = lambda rec: None
        start = time.monotonic()
        for i, item in enumerate(items):
            angel.begin(item.nodeid)
            try:
                item.config.hook.pytest_runtest_protocol(
                    item=item, nextitem=items[i + 1] if i + 1 < len(items) else None)
            finally:
                angel.end(tally.ok(item.nodeid))
        _write_line(fd, {"tests": angel.tests, "duration": time.monotonic() - start})
    except BaseException:
        status = 3
    finally:
        os._exit(status)


def _forked(angel: Angel, tally: _Tally, items, reporter, deadline: float) -> dict | None:
    """Run `items` in a grandchild; its answer, or None when it failed or ran past `deadline`."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _run(angel, tally, items, reporter, write_fd)
    os.close(write_fd)
    chunks = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks).decode("utf-8", "replace"))
    except ValueError:
        return None


def _plans(spec: dict, record: dict, failing: list[str]) -> list[_Plan]:
    """The (site, mode) plans worth running, in the request's order: one that reproduces the
    recording in every failing test, or repeats an earlier plan there, is left out."""
    plans, seen = [], set()
    for site in spec.get("sites", ()):
        sid = str(site["id"])
        for mode in spec.get("plans", ()):
            flip, key = {}, []
            for test in failing:
                seen_there = record["tests"].get(test, {})
                truths = seen_there.get("truths", {}).get(sid, [])
                n = seen_there.get("sites", {}).get(sid, {}).get("n", 0)
                key.append(_effect(mode, truths, n))
                if mode in ("first", "last") and n:
                    flip[test] = 1 if mode == "first" else n
            if all(k is None for k in key) or (sid, tuple(key)) in seen:
                continue
            seen.add((sid, tuple(key)))
            plans.append(_Plan(int(sid), mode, flip))
    return plans


def _effect(mode: str, truths: list[bool | None], n: int):
    """What `mode` changes in a test whose site ran `n` times, first evaluating to `truths`;
    None: nothing."""
    if not n:
        return None
    if mode == "true":
        return None if all(t is True for t in truths) and n == len(truths) else "true"
    if mode == "false":
        return None if all(t is False for t in truths) and n == len(truths) else "false"
    if not any(t is not None for t in truths):
        return None                    # only raising evaluations: nothing to flip
    if mode == "first" or n == 1:
        return ("flip", 1) if truths[0] is not None else None
    if mode == "last":
        return ("flip", n) if n > len(truths) or truths[-1] is not None else None
    return "negate"


def serve(session, items, request: dict, reporter, out_fd: int) -> None:
    """Answer one angelic request (in the worker's child, the modules already hot-patched)."""
    spec = request["angelic"]
    start = time.monotonic()
    deadline = start + 0.9 * float(request.get("timeout", 30.0))
    failing_ids = set(spec.get("failing", ()))
    failing = [it for it in items if it.nodeid in failing_ids]
    angel = Angel(spec)
    tally = _Tally()
    session.config.pluginmanager.register(tally, "remedy-angelic-tally")
    setattr(builtins, HOOK, angel.hook)
    # The recording may not take it all: what a hang elsewhere leaves is for the plans.
    record = _forked(angel, tally, items, reporter, start + 0.6 * (deadline - start))
    runs = []
    if record is not None:
        took = sum(record["tests"].get(it.nodeid, {}).get("duration", 1.0) for it in failing)
        per_plan = max(1.0, 4.0 * took + 0.5)
        for plan in _plans(spec, record, [it.nodeid for it in failing]):
            left = deadline - time.monotonic()
            if left < 0.2:
                break
            angel.plan, angel.only = plan, plan.site
            run = _forked(angel, tally, failing, reporter, time.monotonic() + min(left, per_plan))
            if run is not None:
                for test in run["tests"].values():
                    test.pop("truths", None)
                runs.append({"site": plan.site, "mode": plan.mode, **run})
        for test in record["tests"].values():
            test.pop("truths", None)
    _write_line(out_fd, {"kind": "angelic", "record": record, "plans": runs})
    _write_line(out_fd, {"kind": "done"})
