"""Reproduce the failure: run the targets' test files (or the whole suite) once in a sandbox copy
with per-test coverage, and say what stops the repair before it starts. What records the coverage
is the localizer's (agent.localize.COVERAGE), handed in as a `Coverage`."""
from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..cancel import CancelToken
from ..errors import BadInput, RemedyError, UnknownTest
from ..project import Project, source_path_env
from ..sandbox.confine import Confinement
from ..sandbox.workspace import Sandbox
from ..testing.runner import PytestRunner, check_pytest
from ..types import RunReport, SuspiciousLine, TestResult
from .targets import is_target, selects
from .timeouts import reproduction_timeouts, validation_timeouts

__all__ = ["Coverage", "RunSettings", "Reproduction", "reproduce", "reproduction_runner", "traced_run"]


class Coverage(Protocol):
    """How per-test coverage is recorded in a pytest run and read back."""

    def run_options(self, out: Path, *, root: Path | None = None, focus: Sequence[str] = (),
                    budget: float | None = None) -> tuple[list[str], list[Path], dict[str, str]]:
        """(extra_plugins, plugin_paths, env) that make a run write its coverage to `out`."""
        ...

    def read(self, out: Path) -> Mapping:
        """The data a run wrote (what the tests that ended recorded, when it was killed)."""
        ...

    def tests(self, data: Mapping) -> dict[str, dict]:
        """The per-test entries of `data`."""
        ...

    def untraced(self, data: Mapping, test_ids: Sequence[str]) -> list[str]:
        """Those of `test_ids` that ran without tracing (past the run's tracing budget)."""
        ...


class RunSettings(Protocol):
    """The settings a reproduction reads (agent.config.Config has them)."""
    pytest_args: Sequence[str]
    time_budget: float
    test_timeout: float
    unsafe_sandbox: bool


@dataclass
class Reproduction:
    """What one run of the targets found: its report, its per-test coverage (the plugin's data)
    and the targets' failures."""
    report: RunReport
    coverage: dict
    failing: list[TestResult]
    targets: Sequence[str] = ()

    def check(self, project: Project) -> None:
        """Raise what stops the repair: tests that could not be collected, a target that selects
        no test, no test at all."""
        errors = self.report.collection_errors
        if errors:
            project.check_reached((), errors)
            raise RemedyError("tests could not be collected: " + errors[0]
                              + _missing_module_hint(errors[0], project.python))
        for target in self.targets:
            if not any(selects(target, r.test_id) for r in self.report.results):
                raise UnknownTest(f"unknown test: {target}")
        if not self.report.results:
            raise BadInput(f"no tests to run: pytest collected none under {project.root}")

    def check_reached(self, project: Project, lines: Sequence[SuspiciousLine]) -> None:
        """Raise the syntax error of a file the failing tests reach (a suspicious line's, a traceback
        frame's or one their messages name): only such a file stops the repair."""
        project.check_reached([s.path for s in lines] + [f.path for t in self.failing for f in t.frames],
                              [t.message for t in self.failing])

    def limit_validation(self, runner: PytestRunner, ceiling: float) -> None:
        """Set `runner`'s limits for validation from what this run measured: candidates that loop
        forever should cost seconds, not the full test timeout."""
        runner.timeout, runner.warm_timeout, runner.test_timeout = validation_timeouts(
            self.report, ceiling, self.failing)


def reproduction_runner(project: Project, config: RunSettings) -> PytestRunner:
    """The project's pytest, confined, with the reproduction's limits; PytestMissing when its
    interpreter has no pytest."""
    confinement = Confinement.for_project(project.root, project.python, config.unsafe_sandbox)
    check_pytest(project.python, confinement)
    run_limit, test_limit = reproduction_timeouts(config.time_budget, config.test_timeout)
    return PytestRunner(project.python, config.pytest_args, run_limit, confinement=confinement,
                        env=source_path_env(project.root), root=project.root,
                        test_files=project.test_files, test_timeout=test_limit)


def traced_run(runner: PytestRunner, where: Path, tests: Sequence[str], cancel: CancelToken,
               coverage: Coverage, *, focus: Sequence[str] = (), budget: float | None = None,
               root: Path | None = None, partial: bool = True) -> tuple[RunReport, Mapping]:
    """Run `tests` in `where` with per-test coverage: the report and the coverage data. A run
    killed before the data was written gives what the tests that ended recorded, or with
    `partial=False` nothing."""
    with tempfile.TemporaryDirectory(prefix="remedy-cov-") as tmp:
        out = Path(tmp) / "coverage.json"
        plugins, paths, env = coverage.run_options(out, root=root, focus=focus, budget=budget)
        report = runner.run(where, list(tests), extra_plugins=plugins, plugin_paths=paths, env=env,
                            cancel=cancel, writable=(Path(tmp),))
        return report, coverage.read(out) if partial or out.exists() else {}


def reproduce(project: Project, runner: PytestRunner, targets: Sequence[str], test_files: Sequence[str],
              cancel: CancelToken, coverage: Coverage) -> Reproduction:
    """Run `test_files` (none: the whole suite) once. Tracing them may cost a quarter of the run's
    limit, the targets always; a failing target left untraced past that is traced on its own."""
    with Sandbox(project.root) as sbx:
        report, data = traced_run(runner, sbx.path, test_files, cancel, coverage, focus=targets,
                                  budget=0.25 * runner.timeout)
        recorded = {"tests": {}, **data}      # a run killed at its limit: partial
        failing = [r for r in report.failing if is_target(targets, r.test_id)]
        again = coverage.untraced(recorded, [r.test_id for r in failing])
        if again:
            _, data = traced_run(runner, sbx.path, again, cancel, coverage, focus=again, budget=0.0)
            traced = coverage.tests(data)
            recorded["tests"].update({t: traced[t] for t in again if t in traced})
    return Reproduction(report, recorded, failing, list(targets))


def _missing_module_hint(error: str, python) -> str:
    """Which interpreter lacked the module, and how to choose another."""
    if "ModuleNotFoundError" not in error and "No module named" not in error:
        return ""
    return (f" (the tests ran with {python}: install the project's dependencies there, or create a "
            ".venv in the project, or pass --python)")
