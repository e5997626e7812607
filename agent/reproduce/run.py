"""Reproduce the failure: run the targets' test files (or the whole suite) once in a sandbox copy
with per-test coverage, and say what stops the repair before it starts."""
from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cancel import CancelToken
from ..config import Config
from ..errors import BadInput, RemedyError, UnknownTest
from ..localize import coverage_run_options, load_coverage, read_coverage, untraced
from ..project import Project, source_path_env
from ..sandbox.confine import Confinement
from ..sandbox.workspace import Sandbox
from ..testing.runner import PytestRunner, check_pytest
from ..types import RunReport, TestResult
from .targets import is_target, selects
from .timeouts import reproduction_timeouts, validation_timeouts

__all__ = ["Reproduction", "reproduce", "reproduction_runner", "traced_run"]


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

    def limit_validation(self, runner: PytestRunner, ceiling: float) -> None:
        """Set `runner`'s limits for validation from what this run measured: candidates that loop
        forever should cost seconds, not the full test timeout."""
        runner.timeout, runner.warm_timeout, runner.test_timeout = validation_timeouts(
            self.report, ceiling, self.failing)


def reproduction_runner(project: Project, config: Config) -> PytestRunner:
    """The project's pytest, confined, with the reproduction's limits; PytestMissing when its
    interpreter has no pytest."""
    confinement = Confinement.for_project(project.root, project.python, config.unsafe_sandbox)
    check_pytest(project.python, confinement)
    run_limit, test_limit = reproduction_timeouts(config.time_budget, config.test_timeout)
    return PytestRunner(project.python, config.pytest_args, run_limit, confinement=confinement,
                        env=source_path_env(project.root), root=project.root,
                        test_files=project.test_files, test_timeout=test_limit)


def traced_run(runner: PytestRunner, where: Path, tests: Sequence[str], cancel: CancelToken, *,
               focus: Sequence[str] = (), budget: float | None = None, root: Path | None = None,
               partial: bool = True) -> tuple[RunReport, Mapping]:
    """Run `tests` in `where` with per-test coverage (agent.localize.coverage_run_options):
    the report and the coverage plugin's data. A run killed before the plugin wrote it gives what
    the tests that ended recorded, or with `partial=False` nothing."""
    with tempfile.TemporaryDirectory(prefix="remedy-cov-") as tmp:
        out = Path(tmp) / "coverage.json"
        plugins, paths, env = coverage_run_options(out, root=root, focus=focus, budget=budget)
        report = runner.run(where, list(tests), extra_plugins=plugins, plugin_paths=paths, env=env,
                            cancel=cancel, writable=(Path(tmp),))
        return report, read_coverage(out) if partial or out.exists() else {}


def reproduce(project: Project, runner: PytestRunner, targets: Sequence[str], test_files: Sequence[str],
              cancel: CancelToken) -> Reproduction:
    """Run `test_files` (none: the whole suite) once. Tracing them may cost a quarter of the run's
    limit, the targets always; a failing target left untraced past that is traced on its own."""
    with Sandbox(project.root) as sbx:
        report, data = traced_run(runner, sbx.path, test_files, cancel, focus=targets,
                                  budget=0.25 * runner.timeout)
        coverage = {"tests": {}, **data}      # a run killed at its limit: partial
        failing = [r for r in report.failing if is_target(targets, r.test_id)]
        again = untraced(coverage, [r.test_id for r in failing])
        if again:
            _, data = traced_run(runner, sbx.path, again, cancel, focus=again, budget=0.0)
            traced = load_coverage(data)
            coverage["tests"].update({t: traced[t] for t in again if t in traced})
    return Reproduction(report, coverage, failing, list(targets))


def _missing_module_hint(error: str, python) -> str:
    """Which interpreter lacked the module, and how to choose another."""
    if "ModuleNotFoundError" not in error and "No module named" not in error:
        return ""
    return (f" (the tests ran with {python}: install the project's dependencies there, or create a "
            ".venv in the project, or pass --python)")
