"""Where candidates run: scratch copies of the project (workspace), leashed subprocesses
(process) and the one undoable way to write into the user's files (apply)."""
from __future__ import annotations

from .apply import AppliedPatch, apply_to_root, undo_last
from .process import Limits, minimal_env, run_limited
from .workspace import Sandbox, scratch_copy

__all__ = ["Sandbox", "scratch_copy", "Limits", "minimal_env", "run_limited", "AppliedPatch",
           "apply_to_root", "undo_last"]
