"""Fault localization: spectrum-based (Ochiai) over per-test coverage, boosted by the failing
tests' traceback frames; a failing test that no line of the project was seen running in adds the
project code it calls (`callchain`), so the ranking is never empty while the test calls any.

    extra_plugins, plugin_paths, env = coverage_run_options(out)
    report = runner.run(root, test_ids, extra_plugins=extra_plugins, plugin_paths=plugin_paths,
                        env=env)
    lines = localize(root, report.failing, out)

The coverage comes from ``plugin/remedy_coverage.py``, a standalone pytest plugin loaded into the
user's interpreter (coverage.py when it is installed there, else its own tracer). Run the failing
tests *and* the passing tests that exercise the same code in one traced run: Ochiai needs both.
Test files are those the plugin saw pytest collect tests from, the failing tests' own files and,
by name, `agent.project.is_test_code`: none of their lines is ever suspicious.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..project import is_source_file, node_file
from ..types import SuspiciousLine, TestResult
from .callchain import call_chain
from .ochiai import DEFAULT_BOOST, frame_locations, ochiai, rank
from .regression import REGRESSION_BOOST, changed_lines, changed_since, regression_weights
from .spectrum import Spectrum, StatementIndex, build_spectrum, load_coverage, read_coverage

__all__ = ["localize", "coverage_run_options", "untraced", "PLUGIN_DIR", "PLUGIN_NAME", "Spectrum",
           "build_spectrum", "read_coverage", "load_coverage", "ochiai", "rank", "call_chain",
           "changed_since", "changed_lines", "regression_weights"]

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin"
PLUGIN_NAME = "remedy_coverage"
ENV_OUT = "REMEDY_COVERAGE_OUT"
ENV_ROOT = "REMEDY_COVERAGE_ROOT"
ENV_BUDGET = "REMEDY_COVERAGE_BUDGET"
ENV_FOCUS = "REMEDY_COVERAGE_FOCUS"


def coverage_run_options(out_path: Path, *, root: Path | None = None, focus: Sequence[str] = (),
                         budget: float | None = None
                         ) -> tuple[list[str], list[Path], dict[str, str]]:
    """(extra_plugins, plugin_paths, env) for `PytestRunner.run` to record per-test coverage
    into `out_path`. `root` bounds what is recorded (default: the directory pytest runs in).
    With `budget` (seconds), tests run untraced once the traced ones took that long, except the
    tests that `focus` (node ids, files, folders) selects."""
    env = {ENV_OUT: str(Path(out_path).absolute())}
    if root is not None:
        env[ENV_ROOT] = str(Path(root).resolve())
    if budget is not None:
        env[ENV_BUDGET] = repr(float(budget))
    if focus:
        env[ENV_FOCUS] = json.dumps(list(focus))
    return [PLUGIN_NAME], [PLUGIN_DIR], env


def untraced(coverage_json: Path | Mapping | None, test_ids: Sequence[str]) -> list[str]:
    """Those of `test_ids` that ran without tracing (past the budget of `coverage_run_options`)."""
    tests = load_coverage(coverage_json)
    return [t for t in test_ids if isinstance(tests.get(t), Mapping) and tests[t].get("traced") is False]


class _PluginCoverage:
    """Per-test coverage as agent.reproduce records it for `localize`: this package's plugin and the
    JSON it writes (the reproduce stage's `Coverage`)."""
    run_options = staticmethod(coverage_run_options)
    read = staticmethod(read_coverage)
    tests = staticmethod(load_coverage)
    untraced = staticmethod(untraced)


COVERAGE = _PluginCoverage()


def localize(root: Path, failing: Sequence[TestResult],
             coverage_json: Path | Mapping | None, *, limit: int = 40,
             boost: float = DEFAULT_BOOST, changed: Mapping[tuple[str, int], float] | None = None
             ) -> list[SuspiciousLine]:
    """Rank the statement lines of the project's non-test files by suspiciousness.

    `failing` are the failures to explain (their ids select the failing tests in the coverage
    data; their traceback frames boost). A failing test whose coverage holds no project line
    counts its frames and the statements of the project code it calls as run (`call_chain`,
    nearest call first among equal scores). When `failing` is empty, every failing test in the
    coverage data counts. Passing tests come from the coverage data. Returns at most `limit`
    lines, best first. `changed`: lines changed since the failing tests last passed, with their
    weight (agent.localize.regression.regression_weights), normalized here to their statements.
    """
    root = Path(root)
    index = StatementIndex(root)
    data = read_coverage(coverage_json)
    tests = load_coverage(data)
    failing = list(failing)
    tested = {str(rel) for rel in data.get("test_files") or ()} | {node_file(r.test_id) for r in failing}

    def is_test(rel: str) -> bool:
        return rel in tested or not is_source_file(rel)

    failing_ids = [r.test_id for r in failing] or None
    extra: dict[str, list] = {}
    chains: dict = {}
    for r in failing:
        extra[r.test_id] = [loc for loc in frame_locations(r, index) if not is_test(loc[0])]
        if not _observed(tests.get(r.test_id), is_test):
            for loc in call_chain(root, r.test_id, is_test=is_test):
                chains.setdefault(loc, len(chains))
                extra[r.test_id].append(loc)
    spectrum = build_spectrum(tests, failing=failing_ids, extra_failed=extra, root=root)
    weights = _statements(changed or {}, index)
    ranked = [s for s in rank(spectrum, failing, root=root, boost=boost, limit=None, index=index,
                              changed=weights, changed_boost=REGRESSION_BOOST) if not is_test(s.path)]
    if chains:      # equal scores: the nearer call first (the sort is stable)
        ranked.sort(key=lambda s: (-s.score, chains.get((s.path, s.line), len(chains))))
    return ranked[:max(limit, 0)]


def _statements(changed: Mapping[tuple[str, int], float], index: StatementIndex) -> dict[tuple[str, int], float]:
    """Each changed line's weight on the first line of its statement (the spectrum's lines)."""
    out: dict[tuple[str, int], float] = {}
    for (rel, line), weight in changed.items():
        norm = index.normalize(rel, line)
        loc = (rel, norm if norm is not None else line)
        out[loc] = max(out.get(loc, 0.0), weight)
    return out


def _observed(entry, is_test) -> bool:
    """Whether the coverage entry of a test holds a line of the project's own code."""
    files = entry.get("lines") if isinstance(entry, Mapping) else None
    return isinstance(files, Mapping) and any(lines and not is_test(str(rel)) for rel, lines in files.items())
