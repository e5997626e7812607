"""Time limits derived from the reproduction: how long it may run, and how long a candidate's
tests may run once the reproduction measured them."""
from __future__ import annotations

from collections.abc import Sequence

from ..types import Outcome, RunReport, TestResult

__all__ = ["reproduction_timeouts", "validation_timeouts"]


def reproduction_timeouts(budget: float, ceiling: float) -> tuple[float, float]:
    """(run, one test) limits of the reproduction. A test that hangs is stopped at a fifth of the
    budget (at least 2 s; more in a run whose passing tests are slow, see remedy_watchdog) and
    reported with where it hung; the whole run at half the budget, so that validation keeps the
    other half; neither above the configured ceiling."""
    test = min(ceiling, max(2.0, budget / 5.0))
    return min(ceiling, max(test + 5.0, budget / 2.0)), test


def validation_timeouts(report: RunReport, ceiling: float,
                        failing: Sequence[TestResult] = ()) -> tuple[float, float, float]:
    """(fresh pytest, warm request, one test) limits for validating candidates, never above the
    configured ceiling. One test: five times the slowest passing run in the failing tests' files
    (else in any file, else of any test that finished), and of a failing test that finished (it
    ran that long at least), at least 1 s: a candidate that still hangs costs about a second. A
    request: ten times what the finished tests took plus a margin, and room for one test's
    limit; a fresh process also twice its measured start-up."""
    finished = [r for r in report.results if r.outcome is not Outcome.TIMEOUT]
    files = {t.test_id.split("::")[0] for t in failing}
    same_file = [r.duration for r in report.passing if r.test_id.split("::")[0] in files]
    slowest = max(same_file or [r.duration for r in report.passing]
                  or [r.duration for r in finished] or [0.0])
    slowest = max([slowest] + [t.duration for t in failing if t.outcome is not Outcome.TIMEOUT])
    test = min(ceiling, max(1.0, 5.0 * slowest))
    tests = max(10.0 * sum(r.duration for r in finished), test) + 2.0
    stopped = 0.0 if report.timed_out else sum(r.duration for r in report.results
                                               if r.outcome is Outcome.TIMEOUT)
    startup = report.duration - stopped      # a killed run: no measure, so all of it
    return (min(ceiling, max(5.0, 2.0 * startup + tests)), min(ceiling, max(3.0, tests)), test)
