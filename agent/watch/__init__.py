"""Background watch: save -> affected tests -> failing-test report -> (optionally) a proposal that
waits for review. The language server and `remedy watch` drive the same `Watcher`.

    watcher = Watcher(root, config, on_update=lambda u: ..., on_event=lambda job, e: ...)
    watcher.start(); watcher.notify_saved(path); watcher.reconfigure(config); watcher.stop()

observer.py notices changes, impact.py (with graph.py) picks the tests, pipeline.py runs them one
run at a time, repair.py runs the background repair, recheck.py re-runs chosen tests on demand
(the editor, after an accepted fix is saved), cli.py is the terminal command.
"""
from __future__ import annotations

from .observer import Change
from .pipeline import Watcher, WatchUpdate
from .recheck import Recheck
from .auto_repair import RepairJob

__all__ = ["Watcher", "WatchUpdate", "RepairJob", "Change", "Recheck"]
