"""Noticing changes on disk: a watchdog observer over the workspace that turns file-system events
(from any tool: an editor, `git checkout`, a formatter) and the editor's didSave into debounced
batches of `Change`s.

Only Python files and pytest's configuration files count; VCS data, virtualenvs, caches, build
folders and Remedy's own copies are ignored. Nothing is walked or hashed at start: the top-level
folders get one recursive inotify watch each (so a `.venv` or `node_modules` at the root is never
watched at all), the root itself a flat one. A change is reported once: a file whose content hash (mtime
and size for files too big to hash) matches what was last reported is dropped, which also collapses
a didSave with the watchdog event of the same save. Same-size edits within one timestamp tick are
still seen, because the hash, not the mtime, decides.
"""
from __future__ import annotations

import functools
import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from ..sandbox.workspace import SKIP_DIRS, read_regular

__all__ = ["Change", "ChangeFeed", "is_ignored", "CONFIG_FILES"]

CONFIG_FILES = frozenset({"pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini"})
IGNORED_DIRS = SKIP_DIRS | {".venv", "venv", ".nox", "build", "dist", ".eggs", ".ruff_cache",
                            ".hypothesis", ".cache", ".idea", ".vscode", "site-packages"}
MAX_WAIT_S = 2.0               # a never-ending burst still yields a batch this often
HASH_LIMIT = 8 << 20           # bigger files are compared by mtime and size only
_UNSEEN = object()


@dataclass(frozen=True)
class Change:
    """One changed file, relative to the root (posix); `deleted` when it is gone now."""
    path: str
    deleted: bool = False


@functools.lru_cache(maxsize=8192)
def _is_virtualenv(folder: str) -> bool:
    return os.path.exists(os.path.join(folder, "pyvenv.cfg"))


def is_ignored(root: Path, rel: str) -> bool:
    """True for paths no test run depends on: ignored folders, non-Python files, virtualenvs."""
    parts = rel.split("/")
    name = parts[-1]
    if not (name.endswith(".py") or (name in CONFIG_FILES and len(parts) == 1)):
        return True
    for i, part in enumerate(parts[:-1]):
        if part in IGNORED_DIRS or part.endswith(".egg-info") or part.startswith("remedy-sbx-"):
            return True
        if _is_virtualenv(os.path.join(root, *parts[:i + 1])):
            return True
    return False


def _signature(path: Path, root: Path | None = None) -> tuple | None:
    """(mtime_ns, size, sha1) of a file; None when it is gone, unreadable as a file (a FIFO, a
    device: never opened) or, with `root`, a link out of it."""
    try:
        st = path.stat()
        if not path.is_file():
            return None
        digest = f"mtime:{st.st_mtime_ns}"
        if st.st_size <= HASH_LIMIT:
            digest = hashlib.sha1(read_regular(path, HASH_LIMIT, root=root)).hexdigest()
    except (OSError, ValueError):
        return None
    return (st.st_mtime_ns, st.st_size, digest)


class _Handler(FileSystemEventHandler):
    def __init__(self, feed: "ChangeFeed") -> None:
        self.feed = feed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        for raw in paths:
            if raw:
                path = os.fsdecode(raw)
                if event.is_directory:
                    self.feed._folder_event(path)
                else:
                    self.feed.offer(path)


class ChangeFeed:
    """Watches `root`; calls `on_batch(list[Change])` from its own thread, one call per burst.

        feed = ChangeFeed(root, on_batch, debounce_s=0.3); feed.start()
        feed.notify_saved(path)   # the editor's didSave joins the same queue
        feed.stop()
    """

    def __init__(self, root: Path, on_batch: Callable[[list[Change]], None],
                 debounce_s: float = 0.3) -> None:
        self.root = Path(root).resolve()
        self.on_batch = on_batch
        self.debounce_s = max(0.0, debounce_s)
        self.problems: list[str] = []          # folders that could not be watched, and why
        self._pending: set[str] = set()
        self._seen: dict[str, tuple | None] = {}
        self._first = self._last = 0.0
        self._cond = threading.Condition()
        self._stopped = True
        self._observer: BaseObserver | None = None
        self._watched: dict[str, object] = {}
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self._stopped = False
        self._observer = Observer()
        handler = _Handler(self)
        self._handler = handler
        self._schedule(str(self.root), recursive=False)
        try:
            entries = list(os.scandir(self.root))
        except OSError as exc:
            entries = []
            self.problems.append(f"{self.root}: {exc.strerror}")
        for entry in entries:
            self._watch_top(entry.path)
        self._observer.start()
        self._thread = threading.Thread(target=self._loop, name="remedy-watch-debounce", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None
        self._watched.clear()

    # -- input ------------------------------------------------------------------------------
    def notify_saved(self, path: str | os.PathLike) -> None:
        """The editor saved `path` (absolute, or relative to the root)."""
        path = Path(path)
        self.offer(str(path if path.is_absolute() else self.root / path))

    def offer(self, path: str) -> None:
        rel = self._relative(path)
        if rel is None or is_ignored(self.root, rel):
            return
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending.add(rel)
            self._last = now
            self._cond.notify_all()

    def _relative(self, path: str) -> str | None:
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.root).as_posix()
        except ValueError:
            return None
        return None if rel in ("", ".") else rel

    def _folder_event(self, path: str) -> None:
        """A top-level folder appeared (created or moved in): watch it and offer what it holds."""
        if os.path.dirname(os.path.abspath(path)) != str(self.root) or not os.path.isdir(path):
            return
        if self._watch_top(path):
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS]
                for name in filenames:
                    if name.endswith(".py"):
                        self.offer(os.path.join(dirpath, name))

    # -- watches ----------------------------------------------------------------------------
    def _watch_top(self, path: str) -> bool:
        name = os.path.basename(path)
        if (path in self._watched or name in IGNORED_DIRS or name.endswith(".egg-info")
                or name.startswith("remedy-sbx-") or os.path.islink(path)
                or not os.path.isdir(path) or _is_virtualenv(path)):
            return False
        return self._schedule(path, recursive=True)

    def _schedule(self, path: str, recursive: bool) -> bool:
        if self._observer is None or self._stopped:
            return False
        try:
            self._watched[path] = self._observer.schedule(self._handler, path, recursive=recursive)
        except OSError as exc:     # permission denied, vanished meanwhile, inotify limits
            self.problems.append(f"{path}: {exc.strerror or exc}")
            return False
        return True

    # -- debounce ---------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and not self._pending:
                    self._cond.wait()
                if self._stopped:
                    return
                now = time.monotonic()
                due = min(self._last + self.debounce_s, self._first + MAX_WAIT_S)
                if now < due:
                    self._cond.wait(due - now)
                    continue
                batch, self._pending = sorted(self._pending), set()
            changes = self._fresh(batch)
            if changes:
                try:
                    self.on_batch(changes)
                except Exception as exc:      # a consumer bug must not stop the watching
                    self.problems.append(f"batch handler failed: {type(exc).__name__}: {exc}")

    def _fresh(self, batch: list[str]) -> list[Change]:
        """The batch minus files whose content is what was last reported."""
        changes = []
        for rel in batch:
            before: Any = self._seen.get(rel, _UNSEEN)      # a signature, None or _UNSEEN
            path = self.root / rel
            if before not in (_UNSEEN, None) and before[2].startswith("mtime:") and _same_stat(path, before):
                continue            # too big to hash: mtime and size are all we compare
            now = _signature(path, self.root)
            self._seen[rel] = now
            if before is _UNSEEN or _content(before) != _content(now):
                if before is _UNSEEN and now is None:
                    changes.append(Change(rel, deleted=True))
                elif not (before is None and now is None):
                    changes.append(Change(rel, deleted=now is None))
        return changes


def _same_stat(path: Path, sig: tuple) -> bool:
    try:
        st = path.stat()
    except OSError:
        return False
    return (st.st_mtime_ns, st.st_size) == sig[:2]


def _content(sig: tuple | None) -> tuple | None:
    return None if sig is None else (sig[1], sig[2])
