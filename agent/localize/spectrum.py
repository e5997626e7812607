"""Program spectrum: for every executed statement line, how many failing (ef) and passing (ep)
tests covered it — built from the JSON the ``remedy_coverage`` pytest plugin writes.

Lines are normalized to the first line of the innermost statement that holds them (Python reports
line events on continuation lines of multi-line statements too), and only lines of non-test
project files are kept.
"""
from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..sandbox.workspace import read_regular

__all__ = ["Loc", "Spectrum", "StatementIndex", "is_test_file", "is_project_path",
           "read_coverage", "load_coverage", "build_spectrum"]

Loc = tuple[str, int]   # (relative posix path, 1-based line)

_TEST_DIRS = {"tests", "test"}
_VENDOR_DIRS = {"site-packages", "dist-packages", ".venv", "venv", ".tox", ".nox", "__pycache__",
                "node_modules", ".git"}
# Outcomes (agent.types.Outcome values) that count as a passing run; "skipped" runs nothing useful.
_PASSING = {"passed", "xfailed"}
_FAILING = {"failed", "error", "xpassed", "timeout"}


def is_test_file(rel: str) -> bool:
    """True for pytest-style test files and anything under a tests/ (or test/) directory.
    (Kept in step with the copy in plugin/remedy_coverage.py, which may not import agent.)"""
    parts = rel.replace("\\", "/").split("/")
    name = parts[-1]
    if name == "conftest.py" or (name.startswith("test_") and name.endswith(".py")) \
            or name.endswith("_test.py"):
        return True
    return any(p in _TEST_DIRS for p in parts[:-1])


def is_project_path(rel: str) -> bool:
    """A relative .py path inside the root that is neither a test file nor installed code."""
    rel = rel.replace("\\", "/")
    if not rel or rel.startswith("/") or rel.startswith("../") or rel == ".." \
            or (len(rel) > 1 and rel[1] == ":") or not rel.endswith(".py"):
        return False
    parts = rel.split("/")
    if any(p in _VENDOR_DIRS for p in parts[:-1]):
        return False
    return not is_test_file(rel)


class StatementIndex:
    """Maps any line of a file to the first line of the innermost statement containing it.

    For a compound statement only its header (``if a and\\n b:``) belongs to it; its body lines
    belong to the body's statements. Files that cannot be read or parsed map lines to themselves.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._maps: dict[str, dict[int, int] | None] = {}

    def _map(self, rel: str) -> dict[int, int] | None:
        if rel in self._maps:
            return self._maps[rel]
        result: dict[int, int] | None = None
        if self.root is not None:
            try:
                source = read_regular(self.root / rel, root=self.root)
                result = _statement_map(source)
            except (OSError, SyntaxError, ValueError, RecursionError):
                result = None
        self._maps[rel] = result
        return result

    def normalize(self, rel: str, line: int) -> int | None:
        """The statement line for `line`, or None when the line holds no statement."""
        m = self._map(rel)
        if m is None:
            return line
        return m.get(line)

    def is_statement(self, rel: str, line: int) -> bool:
        m = self._map(rel)
        return m is None or m.get(line) == line


@lru_cache(maxsize=256)
def _statement_map(source: bytes) -> dict[int, int]:
    tree = ast.parse(source)
    mapping: dict[int, int] = {}
    # ast.walk is breadth-first: inner statements come after the ones holding them and overwrite.
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        start = node.lineno
        end = node.end_lineno or start
        bodies = [getattr(node, name, None) for name in ("body", "orelse", "finalbody", "handlers")]
        if isinstance(node, ast.Match):
            bodies.append([c.pattern for c in node.cases])
        first_child = [b[0] for b in bodies if isinstance(b, list) and b and hasattr(b[0], "lineno")]
        if first_child:
            end = min(end, min(c.lineno for c in first_child) - 1)
            end = max(end, start)
        decorators = getattr(node, "decorator_list", None)
        if decorators:   # coverage reports a decorated def on its first decorator's line too
            start = min([start] + [d.lineno for d in decorators])
        for ln in range(start, end + 1):
            mapping[ln] = node.lineno if ln >= node.lineno else ln
    return mapping


@dataclass
class Spectrum:
    """Per line: ef = failing tests covering it, ep = passing tests covering it."""
    ef: dict[Loc, int] = field(default_factory=dict)
    ep: dict[Loc, int] = field(default_factory=dict)
    failed_tests: tuple[str, ...] = ()
    passed_tests: tuple[str, ...] = ()

    @property
    def total_failed(self) -> int:
        return len(self.failed_tests)

    @property
    def total_passed(self) -> int:
        return len(self.passed_tests)

    def locations(self) -> set[Loc]:
        return set(self.ef) | set(self.ep)

    def counts(self, loc: Loc) -> tuple[int, int]:
        return self.ef.get(loc, 0), self.ep.get(loc, 0)

    def __bool__(self) -> bool:
        return bool(self.ef) or bool(self.ep)


def read_coverage(coverage_json: Path | str | Mapping | None) -> Mapping:
    """The plugin's whole JSON object; when the run was killed before the plugin wrote it, what
    its ``.partial`` file says of the tests that ended; {} when there is neither."""
    if coverage_json is None:
        return {}
    if isinstance(coverage_json, Mapping):
        return coverage_json
    path = Path(coverage_json)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return _read_partial(path.with_name(path.name + ".partial"))
    except ValueError:
        return {}
    return data if isinstance(data, Mapping) else {}


def _read_partial(path: Path) -> Mapping:
    try:
        rows = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    data: dict = {}
    tests: dict = {}
    for i, row in enumerate(rows):
        try:
            record = json.loads(row)
        except ValueError:          # the line being written when the run was killed
            continue
        if not isinstance(record, dict):
            continue
        if i == 0:
            data = {k: v for k, v in record.items() if k != "tests"}
        elif isinstance(record.get("nodeid"), str):
            tests[record.pop("nodeid")] = record
    return {**data, "tests": tests} if data else {}


def load_coverage(coverage_json: Path | str | Mapping | None) -> dict[str, dict]:
    """The ``tests`` mapping of the plugin's JSON ({nodeid: {"outcome", "lines"}}); {} when there
    is none."""
    tests = read_coverage(coverage_json).get("tests")
    return dict(tests) if isinstance(tests, Mapping) else {}


def build_spectrum(tests: Mapping[str, Mapping], *, failing: Iterable[str] | None = None,
                   extra_failed: Mapping[str, Iterable[Loc]] | None = None,
                   root: Path | None = None) -> Spectrum:
    """Count, per statement line, the failing and passing tests that ran it.

    `tests` is the plugin's {nodeid: {"outcome", "lines": {relpath: [line]}}}. When `failing` is
    given, exactly those ids are the failing tests (other non-passing tests are left out: they may
    fail for unrelated reasons); otherwise every test whose outcome is a failure is. Skipped tests
    are left out. `extra_failed` adds lines known to have run in a failing test (its traceback
    frames), also for failing tests with no coverage at all (a crash at import).
    """
    index = StatementIndex(root)
    failing_set = set(failing) if failing is not None else None
    extra = {k: list(v) for k, v in (extra_failed or {}).items()}

    per_test: dict[str, tuple[bool, set[Loc]]] = {}
    for nodeid, entry in tests.items():
        if not isinstance(entry, Mapping):
            continue
        outcome = str(entry.get("outcome", ""))
        if failing_set is not None:
            if nodeid in failing_set:
                is_failed = True
            elif outcome in _PASSING:
                is_failed = False
            else:
                continue
        elif outcome in _FAILING:
            is_failed = True
        elif outcome in _PASSING:
            is_failed = False
        else:
            continue
        per_test[nodeid] = (is_failed, _lines_of(entry.get("lines") or {}, index))

    for nodeid, locs in extra.items():
        if failing_set is not None and nodeid not in failing_set:
            continue
        is_failed, lines = per_test.get(nodeid, (True, set()))
        if not is_failed:
            continue
        for rel, line in locs:
            if is_project_path(rel):
                norm = index.normalize(rel, line)
                lines.add((rel, norm if norm is not None else line))
        per_test[nodeid] = (True, lines)

    spectrum = Spectrum()
    failed, passed = [], []
    for nodeid, (is_failed, lines) in per_test.items():
        if is_failed:
            if not lines:
                continue    # observed nothing: it would only dilute every score alike
            failed.append(nodeid)
            target = spectrum.ef
        else:
            passed.append(nodeid)
            target = spectrum.ep
        for loc in lines:
            target[loc] = target.get(loc, 0) + 1
    spectrum.failed_tests = tuple(failed)
    spectrum.passed_tests = tuple(passed)
    return spectrum


def _lines_of(files: Mapping, index: StatementIndex) -> set[Loc]:
    out: set[Loc] = set()
    for rel, lines in files.items():
        rel = str(rel).replace("\\", "/")
        if not is_project_path(rel):
            continue
        for line in lines:
            try:
                ln = int(line)
            except (TypeError, ValueError):
                continue
            norm = index.normalize(rel, ln)
            if norm is not None:
                out.add((rel, norm))
    return out
