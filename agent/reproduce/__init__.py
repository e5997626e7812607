"""Reproduce: run the failing tests once in a sandbox copy with per-test coverage (`reproduce`),
resolve what the session's targets name (targets), derive the time limits of the run and of
validation from it (timeouts), and find the tests a file holds (discover)."""
from .run import Coverage, Reproduction, RunSettings, reproduce, reproduction_runner, traced_run
from .targets import is_target, selects, target_files
from .timeouts import reproduction_timeouts, validation_timeouts

__all__ = ["Coverage", "RunSettings", "Reproduction", "reproduce", "reproduction_runner", "traced_run",
           "target_files", "selects", "is_target", "reproduction_timeouts", "validation_timeouts"]
