"""Fault localization: spectrum-based (Ochiai) over per-test coverage, boosted by the failing
tests' traceback frames.

    extra_plugins, plugin_paths, env = coverage_run_options(out)
    report = runner.run(root, test_ids, extra_plugins=extra_plugins, plugin_paths=plugin_paths,
                        env=env)
    lines = localize(root, report.failing, out)

The coverage comes from ``plugin/remedy_coverage.py``, a standalone pytest plugin loaded into the
user's interpreter. Run the failing tests *and* the passing tests that exercise the same code in
one traced run: Ochiai needs both.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..types import SuspiciousLine, TestResult
from .ochiai import DEFAULT_BOOST, frame_locations, ochiai, rank
from .spectrum import Spectrum, StatementIndex, build_spectrum, is_test_file, load_coverage

__all__ = ["localize", "coverage_run_options", "PLUGIN_DIR", "PLUGIN_NAME", "Spectrum",
           "build_spectrum", "load_coverage", "ochiai", "rank", "is_test_file"]

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin"
PLUGIN_NAME = "remedy_coverage"
ENV_OUT = "REMEDY_COVERAGE_OUT"
ENV_ROOT = "REMEDY_COVERAGE_ROOT"


def coverage_run_options(out_path: Path, *, root: Path | None = None
                         ) -> tuple[list[str], list[Path], dict[str, str]]:
    """(extra_plugins, plugin_paths, env) for `PytestRunner.run` to record per-test coverage
    into `out_path`. `root` bounds what is recorded (default: the directory pytest runs in)."""
    env = {ENV_OUT: str(Path(out_path).absolute())}
    if root is not None:
        env[ENV_ROOT] = str(Path(root).resolve())
    return [PLUGIN_NAME], [PLUGIN_DIR], env


def localize(root: Path, failing: Sequence[TestResult],
             coverage_json: Path | Mapping | None, *, limit: int = 40,
             boost: float = DEFAULT_BOOST) -> list[SuspiciousLine]:
    """Rank the statement lines of the project's non-test files by suspiciousness.

    `failing` are the failures to explain (their ids select the failing tests in the coverage
    data; their traceback frames boost and, with no coverage at all, alone make the ranking).
    When `failing` is empty, every failing test in the coverage data counts. Passing tests come
    from the coverage data. Returns at most `limit` lines, best first.
    """
    root = Path(root)
    index = StatementIndex(root)
    tests = load_coverage(coverage_json)
    failing = list(failing)
    failing_ids = [r.test_id for r in failing] or None
    extra = {r.test_id: frame_locations(r, index) for r in failing}
    spectrum = build_spectrum(tests, failing=failing_ids, extra_failed=extra, root=root)
    return rank(spectrum, failing, root=root, boost=boost, limit=limit, index=index)
