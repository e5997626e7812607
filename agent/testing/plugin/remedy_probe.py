"""Value probe run by the warm worker's forked child (no imports from `agent`).

`Probe(sites, rootdir, failing)` compiles each site's expression as written and as each candidate
would write it. While tests run under `sys.settrace(probe.trace)`, every "line" event on a site's
line evaluates them all in the live frame (before the line itself runs) and compares fingerprints:
type and value for immutable results; type, value and identity for objects that already existed
(so `base` and `dict(base)` differ) and for objects whose repr shows no value; for a fresh iterator
what it yields. An original expression that cannot be evaluated there (a name
of an enclosing comprehension, say) is not an observation; a site with no expression ("before" is
empty) only counts that its line ran. At most MAX_EVALS evaluations per site and test. `result()`
gives, per candidate id,

    [times reached in failing tests, of them observed, of them differing,
     passing tests reaching it, of them differing, fingerprint digest over the failing tests,
     observations in the failing tests where it raised and the original did not,
     of the others, where its value's type differs from the original's (None and the numbers int,
     float and bool count as one type each side can take),
     failing tests whose failed `assert actual == expected` wants a larger or a smaller value
     (a number, or a size) where the candidate's values at its site only moved that way, and
     failing tests where they only moved the other way,
     of the first, those where every change was by exactly the missing amount,
     failing tests where, at some run of the site, the original's value was the failed `==`'s
     actual value and the candidate's was its expected value]

The direction of a failed comparison comes from pytest's `pytest_assertrepr_compare` hook (the
`Probe` object is registered as a plugin for it), or for a unittest `assertEqual` from the failure's
own frames (remedy_compare): the expected side is taken to be the right one, as in
`assert f(x) == 3` and `assertEqual(f(x), 3)`. Values are matched by type and repr, as
fingerprints are.
"""
from __future__ import annotations

import collections
import collections.abc
import hashlib
import itertools
import os
import sys
from typing import Any

import remedy_compare

MAX_EVALS = 256
MAX_PAIRS = 64      # (original, candidate) value pairs kept per candidate and failing test
ITER_LIMIT = 10000
_IMMUTABLE = (int, float, complex, str, bytes, bool, type(None), range, frozenset)
_UNBOUND = (NameError, UnboundLocalError)
_SKIP = object()


class _Group:
    """The candidates of one (line, expression): the original is evaluated once for all."""

    def __init__(self, before, cands, names) -> None:
        self.before, self.cands, self.names = before, cands, names


class Probe:
    def __init__(self, sites: list, rootdir: str, failing) -> None:
        self.failing = set(failing)
        self.locs: dict[tuple[str, int], list[_Group]] = {}
        self.stats: dict[str, list] = {}
        grouped: dict[tuple, list] = {}
        for s in sites:
            key = (os.path.realpath(os.path.join(rootdir, s["path"])), int(s["line"]), s["before"])
            grouped.setdefault(key, []).append((s["id"], s["after"]))
        for (path, line, before), cands in grouped.items():
            try:
                code = compile("(" + before + "\n)", "<remedy-probe>", "eval") if before else None
            except (SyntaxError, ValueError):
                continue
            compiled, names = [], set(code.co_names if code else ())
            for cid, after in cands:
                try:
                    c = compile("(" + after + "\n)", "<remedy-probe>", "eval") if code else None
                except (SyntaxError, ValueError):
                    continue
                compiled.append((cid, c))
                names.update(c.co_names if c else ())
                self.stats[cid] = [0, 0, 0, 0, 0, hashlib.blake2b(digest_size=8), 0, 0, 0, 0, 0, 0]
            if compiled:
                self.locs.setdefault((path, line), []).append(_Group(code, compiled, tuple(names)))
        self.files = {path for path, _ in self.locs}
        self._real: dict[str, str | None] = {}
        self._test = ""
        self._evals: dict[int, int] = {}
        self._reached: set[str] = set()
        self._differed: set[str] = set()
        self._moved: dict[str, set[float]] = {}   # per candidate: its value changes (new - old)
        self._pairs: dict[str, set[tuple]] = {}   # per candidate: (original, its) value keys
        self._wanted = 0.0                        # expected - actual in a failed ==
        self._compared: tuple | None = None       # (actual, expected) value keys of a failed ==

    # -- per test ------------------------------------------------------------------------------
    def begin(self, nodeid: str) -> None:
        self._test = nodeid
        self._evals.clear()
        self._reached.clear()
        self._differed.clear()
        self._moved.clear()
        self._pairs.clear()
        self._wanted = 0.0
        self._compared = None

    def end(self) -> None:
        if self._test not in self.failing:
            for cid in self._reached:
                self.stats[cid][3] += 1
            for cid in self._differed:
                self.stats[cid][4] += 1
        else:
            for cid, changes in self._moved.items() if self._wanted else ():
                if all(c * self._wanted > 0 for c in changes):
                    self.stats[cid][8] += 1
                    self.stats[cid][10] += changes == {self._wanted}
                elif all(c * self._wanted < 0 for c in changes):
                    self.stats[cid][9] += 1
            for cid, pairs in self._pairs.items() if self._compared is not None else ():
                self.stats[cid][11] += self._compared in pairs
        self._test = ""

    def pytest_assertrepr_compare(self, config, op, left, right):
        """pytest's hook for a failed comparison: remember `left` and `right`, and which way `right`
        lies from `left`."""
        if self._test not in self.failing or op != "==":
            return None
        if self._compared is None:
            self._compared = (_value_key(left), _value_key(right))
        if not self._wanted:
            try:       # `expected`: what pytest.approx compares against
                actual, expected = _measure(left), _measure(getattr(right, "expected", right))
            except Exception:          # a user object's __getattr__ or __len__ that raises
                return None
            if actual is not None and expected is not None and actual[0] == expected[0]:
                self._wanted = expected[1] - actual[1]
        return None

    def pytest_runtest_makereport(self, item, call):
        """A unittest `assertEqual` failed the test: the same as the hook above for its operands."""
        if call.when == "call" and call.excinfo is not None and self._compared is None:
            operands = remedy_compare.unittest_operands(call.excinfo)
            if operands is not None:
                self.pytest_assertrepr_compare(item.config, "==", *operands)
        return None

    def result(self) -> dict:
        return {cid: [*s[:5], s[5].hexdigest(), *s[6:]] for cid, s in self.stats.items()}

    # -- tracing -------------------------------------------------------------------------------
    def trace(self, frame, event, arg):
        filename = frame.f_code.co_filename
        real = self._real.get(filename, _SKIP)
        if real is _SKIP:
            real = os.path.realpath(filename) if filename and not filename.startswith("<") else None
            self._real[filename] = real
        return self._line if real in self.files else None

    def _line(self, frame, event, arg):
        if event == "line" and self._test:
            groups = self.locs.get((self._real[frame.f_code.co_filename], frame.f_lineno))
            if groups:
                for group in groups:
                    self._observe(frame, group)
        return self._line

    def _observe(self, frame, group: _Group) -> None:
        failing = self._test in self.failing
        for cid, _ in group.cands:
            if failing:
                self.stats[cid][0] += 1
            else:
                self._reached.add(cid)
        n = self._evals.get(id(group), 0)
        if group.before is None or n >= MAX_EVALS:
            return
        self._evals[id(group)] = n + 1
        env_g, env_l = frame.f_globals, frame.f_locals
        for name in group.names:      # evaluating twice must not advance the code's iterators
            value = env_l.get(name, env_g.get(name))      # nor make a defaultdict grow keys
            if isinstance(value, (collections.abc.Iterator, collections.defaultdict)):
                return
        original, before = _fingerprint(group.before, env_g, env_l, original=True)
        if original is _SKIP:
            return
        size: Any = _SKIP               # _measure's, once measured
        for cid, code in group.cands:
            fp, after = _fingerprint(code, env_g, env_l)
            differs = fp != original
            stats = self.stats[cid]
            if failing:
                stats[1] += 1
                stats[2] += differs
                stats[5].update(repr(fp).encode("utf-8", "replace"))
                if differs:
                    raised, retyped = _departure(original[0], fp[0])
                    stats[6] += raised
                    stats[7] += retyped
                    pairs = self._pairs.setdefault(cid, set())
                    if len(pairs) < MAX_PAIRS:
                        pairs.add((original[:2], fp[:2]))
                    size = _measure(before) if size is _SKIP else size
                    new_size = _measure(after)
                    if size is not None and new_size is not None and size[0] == new_size[0] \
                            and size[1] != new_size[1]:
                        self._moved.setdefault(cid, set()).add(new_size[1] - size[1])
            elif differs:
                self._differed.add(cid)


def _fingerprint(code, env_g, env_l, original: bool = False):
    """(fingerprint, value) of evaluating `code` in a frame; the value is None when it raised."""
    try:
        value = eval(code, env_g, env_l)
    except _UNBOUND as exc:      # the original cannot see its names from here: no observation
        return (_SKIP if original else ("raise", type(exc).__name__)), None
    except Exception as exc:
        return ("raise", type(exc).__name__), None
    fresh = sys.getrefcount(value) <= 2      # nothing but this frame holds it: it was just made
    return _print(value, fresh), value


def _print(value, fresh: bool):
    kind = type(value)
    try:
        if fresh and isinstance(value, collections.abc.Iterator):   # enumerate(...), zip(...): what it yields
            value = list(itertools.islice(value, ITER_LIMIT))
        text = repr(value)
    except Exception:
        text = "<unrepresentable>"
        fresh = False
    if fresh and " at 0x" in text:           # a default repr says nothing about the value
        fresh = False
    if len(text) > 256:
        text = hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=12).hexdigest()
    if kind in _IMMUTABLE or (kind is tuple and _hashable(value)):
        return (kind.__qualname__, text)
    return (kind.__qualname__, text, None if fresh else id(value))


def _value_key(value) -> tuple:
    """A compared value as a fingerprint's (type, repr): equal keys, equal-looking values."""
    return _print(value, fresh=False)[:2]


_NUMBERS = frozenset({"int", "float", "bool"})
_SIZED = (str, bytes, list, tuple, dict, set, frozenset, range)


def _measure(value) -> tuple[str, float] | None:
    """("number", value) or ("size", len) for values that have a natural order of magnitude;
    None for the rest (booleans and NaN included)."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return ("number", float(value)) if value == value else None
        if isinstance(value, _SIZED):
            return "size", float(len(value))
    except Exception:              # an int too large for a float, a __len__ that raises
        pass
    return None


def _departure(before: str, after: str) -> tuple[bool, bool]:
    """(raised where the original did not, changed the value's type) for two fingerprints' kinds."""
    if after == "raise":
        return before != "raise", False
    if before == "raise" or before == after or {"NoneType", "ellipsis"} & {before, after}:
        return False, False     # (`...`: where a guard the probe watches does not fire)
    return False, not (before in _NUMBERS and after in _NUMBERS)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
