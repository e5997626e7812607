"""Test impact: which tests to run when a file changes.

Per-test coverage of earlier runs, cached in SQLite at `<root>/.remedy/impact.sqlite`, maps each
source file to the test node ids that executed a line of it. A source file the cache knows nothing
about falls back to the import graph (graph.py): the test files that import it. A changed test file
maps to itself, a conftest.py to the test files below it, and pytest's configuration to the whole
suite. Deleting or renaming a file drops what the cache knew about it.

One `ImpactIndex` belongs to one thread (SQLite connections do not cross threads).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Mapping

from ..project import is_conftest, is_test_file, node_file, project_files
from .graph import ImportGraph
from .observer import CONFIG_FILES, Change, is_ignored

__all__ = ["ImpactIndex", "Impact", "DB_PATH"]

DB_PATH = ".remedy/impact.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS covers (source TEXT NOT NULL, test TEXT NOT NULL,
                                   PRIMARY KEY (source, test)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS covers_by_test ON covers (test);
"""


@dataclass
class Impact:
    """What to run: `tests` (node ids or test files); `everything` means the whole suite."""
    tests: list[str] = field(default_factory=list)
    everything: bool = False
    via_graph: list[str] = field(default_factory=list)     # changed files mapped by imports

    def __bool__(self) -> bool:
        return self.everything or bool(self.tests)


class ImpactIndex:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.graph = ImportGraph(self.root)
        self._files: set[str] | None = None
        db = self.root / DB_PATH
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(db))
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error):      # read-only or corrupt: keep going in memory
            self.db = sqlite3.connect(":memory:")
            self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- the project's files, known without walking on every change ---------------------------
    @property
    def files(self) -> set[str]:
        if self._files is None:
            self._files = {r for r in project_files(self.root)
                           if r.endswith(".py") and not is_ignored(self.root, r)}
        return self._files

    @property
    def test_files(self) -> list[str]:
        return sorted(f for f in self.files if is_test_file(f))

    def update_files(self, changes: Iterable[Change]) -> None:
        files = self.files
        for change in changes:
            if not change.path.endswith(".py"):
                continue
            if change.deleted:
                files.discard(change.path)
                self.graph.forget(change.path)
            else:
                files.add(change.path)

    # -- queries ------------------------------------------------------------------------------
    def tests_covering(self, source: str) -> list[str]:
        rows = self.db.execute("SELECT test FROM covers WHERE source = ? ORDER BY test", (source,))
        return [r[0] for r in rows]

    def sources_of(self, test: str) -> list[str]:
        rows = self.db.execute("SELECT source FROM covers WHERE test = ? ORDER BY source", (test,))
        return [r[0] for r in rows]

    def affected(self, changes: Iterable[Change]) -> Impact:
        """The tests to run for `changes` (call `update_files` first)."""
        impact = Impact()
        chosen: set[str] = set()
        for change in changes:
            rel = change.path
            name = PurePosixPath(rel).name
            if name in CONFIG_FILES:
                return Impact(everything=True)
            if is_conftest(rel):
                folder = str(PurePosixPath(rel).parent)
                chosen |= {f for f in self.test_files if folder == "." or f.startswith(folder + "/")}
            elif is_test_file(rel):
                if not change.deleted:
                    chosen.add(rel)
            else:
                covered = self.tests_covering(rel)
                if covered:
                    chosen |= {t for t in covered if node_file(t) in self.files}
                else:
                    impact.via_graph.append(rel)
                    chosen |= self.graph.tests_importing(rel, self.files)
        whole_files = {t for t in chosen if "::" not in t}
        impact.tests = sorted(t for t in chosen if "::" not in t or node_file(t) not in whole_files)
        return impact

    # -- updates ------------------------------------------------------------------------------
    def record(self, tests: Mapping[str, Mapping]) -> None:
        """Store the per-test coverage of a run (the remedy_coverage plugin's "tests" object)."""
        with self.db:
            for test, entry in tests.items():
                self.db.execute("DELETE FROM covers WHERE test = ?", (test,))
                self.db.executemany("INSERT OR IGNORE INTO covers (source, test) VALUES (?, ?)",
                                    [(src, test) for src in (entry.get("lines") or {})])

    def forget(self, changes: Iterable[Change]) -> None:
        """Drop what the cache knows about deleted files (a rename is a delete plus a create)."""
        with self.db:
            for change in changes:
                if not change.deleted:
                    continue
                self.db.execute("DELETE FROM covers WHERE source = ?", (change.path,))
                self.db.execute("DELETE FROM covers WHERE test = ? OR test LIKE ? ESCAPE '\\'",
                                (change.path, _like_prefix(change.path) + "::%"))


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
