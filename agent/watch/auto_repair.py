"""Background auto-repair: one `run_repair` session at low priority whose proposal waits for review.

A `RepairJob` runs the ordinary session in its own thread and event loop. Its thread lowers its own
scheduling priority first; on Linux the nice value belongs to the thread and is inherited by the
threads and processes it starts, so the session's workers and test runs are all niced too. Nothing
is ever applied: the events (ProposalReady among them) go to the callback, and the caller decides.
"""
from __future__ import annotations

import asyncio
import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..cancel import CancelToken
from ..config import Config
from ..events import Done, Event

__all__ = ["RepairJob", "start_repair", "NICE"]

NICE = 10


@dataclass
class RepairJob:
    """A background repair of `tests`; `files` are those whose editing makes it stale."""
    id: str
    tests: list[str]
    files: frozenset[str]
    cancel: CancelToken = field(default_factory=CancelToken, repr=False)
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def stop(self) -> None:
        self.cancel.cancel()

    @property
    def running(self) -> bool:
        return not self.done.is_set()


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, 0, min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICE))
    except (OSError, AttributeError):
        pass


def start_repair(root: Path, tests: list[str], files: set[str], config: Config,
                 on_event: Callable[["RepairJob", Event], None]) -> RepairJob:
    """Start a repair of `tests` in the background and return its job at once."""
    job = RepairJob(uuid.uuid4().hex[:12], list(tests), frozenset(files))

    async def drive() -> None:
        from ..session import run_repair
        async for event in run_repair(root, job.tests, config, job.cancel):
            on_event(job, event)
            if isinstance(event, Done):
                break

    def main() -> None:
        _lower_priority()
        try:
            asyncio.run(drive())
        except Exception as exc:       # the watcher outlives a repair that crashed
            from ..events import Error
            on_event(job, Error(f"background repair failed: {type(exc).__name__}: {exc}"))
        finally:
            job.done.set()

    threading.Thread(target=main, name=f"remedy-repair-{job.id}", daemon=True).start()
    return job
