"""Cooperative cancellation: a token checked between steps, plus the processes to kill with it."""
from __future__ import annotations

import os
import signal
import threading
from typing import Callable

from .errors import Cancelled

__all__ = ["CancelToken"]


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], object]] = []   # what a callback returns is ignored
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            try:
                cb()
            except Exception:  # a dying process group must not stop the others dying
                pass

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")

    def on_cancel(self, cb: Callable[[], object]) -> Callable[[], None]:
        """Register cb; returns a function that unregisters it. Runs at once if already cancelled."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(cb)
                return lambda: self._discard(cb)
        cb()
        return lambda: None

    def kill_group_on_cancel(self, pid: int) -> Callable[[], None]:
        def kill() -> None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        return self.on_cancel(kill)

    def _discard(self, cb: Callable[[], object]) -> None:
        with self._lock:
            if cb in self._callbacks:
                self._callbacks.remove(cb)
