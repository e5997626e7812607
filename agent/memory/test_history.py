"""When each test last passed, and which save broke it: the watch's test-run history, kept in
`<root>/.remedy/test_history.sqlite`, and what a repair session reads from it to localize a
regression (agent.localize.regression).

    history = TestHistory(root)
    history.record_run(passed=[...], failing=[...], save={"calc.py": {12}})   # the watch, per run
    weights = regression_hints(root, ["tests/test_calc.py::test_total"])      # a session

A pass records the git HEAD of that moment and the content of the source files that differed
from it then (content-addressed, bounded: `SNAPSHOT_FILES` files, `SNAPSHOT_BYTES` bytes), so the
lines changed since can be told even when nothing was committed in between. A test that passed in
its last recorded run and fails now gets the save's changed lines as its breaking save.

The hints weigh, heaviest first: the breaking save's lines (1.0), the lines changed since the
failing tests last passed (0.8), the lines changed against HEAD (0.8 when no pass is recorded: the
last commit is taken to have passed; 0.5 beside a recorded pass). Nothing here raises into a
session: a history that cannot be read is no hint.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..localize.regression import changed_lines, changed_since, regression_weights
from ..project import read_regular, run_git

__all__ = ["TestHistory", "regression_hints", "HISTORY_FILE", "SNAPSHOT_FILES", "SNAPSHOT_BYTES"]

log = logging.getLogger("agent.memory")
HISTORY_FILE = Path(".remedy") / "test_history.sqlite"
SNAPSHOT_FILES = 50
SNAPSHOT_BYTES = 4 << 20
_SCHEMA = """
CREATE TABLE IF NOT EXISTS passes (test_id TEXT PRIMARY KEY, time REAL NOT NULL, head TEXT,
                                   snapshot TEXT NOT NULL);   -- JSON {path: blob sha}
CREATE TABLE IF NOT EXISTS breaks (test_id TEXT PRIMARY KEY, time REAL NOT NULL,
                                   lines TEXT NOT NULL);      -- JSON {path: [line, ...]}
CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, data BLOB NOT NULL);
"""


class TestHistory:
    __test__ = False      # not a pytest test class

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        path = self.root / HISTORY_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = _open(path)
        except sqlite3.DatabaseError as exc:
            log.warning("the test history %s was unreadable (%s); started a new one", path, exc)
            path.unlink(missing_ok=True)
            self._db = _open(path)

    def close(self) -> None:
        self._db.close()

    def record_run(self, passed: Iterable[str], failing: Iterable[str],
                   save: Mapping[str, Iterable[int]] | None = None) -> None:
        """One run's outcome; `save`: the lines the batch that triggered it changed."""
        passed, failing = list(passed), list(failing)
        now = time.time()
        with self._db as db:
            if failing and save:
                lines = json.dumps({p: sorted(set(ls)) for p, ls in save.items()})
                known = {r[0]: r[1] for r in db.execute(
                    f"SELECT test_id, time FROM passes WHERE test_id IN ({','.join('?' * len(failing))})", failing)}
                broke = {r[0]: r[1] for r in db.execute(
                    f"SELECT test_id, time FROM breaks WHERE test_id IN ({','.join('?' * len(failing))})", failing)}
                for test_id in failing:     # passed last time: this save broke it
                    if test_id in known and known[test_id] > broke.get(test_id, 0.0):
                        db.execute("INSERT OR REPLACE INTO breaks VALUES (?, ?, ?)", (test_id, now, lines))
            if passed:
                head, snapshot = self._snapshot(db)
                db.executemany("INSERT OR REPLACE INTO passes VALUES (?, ?, ?, ?)",
                               [(t, now, head, json.dumps(snapshot)) for t in passed])
                db.executemany("DELETE FROM breaks WHERE test_id = ?", [(t,) for t in passed])
                db.execute("DELETE FROM blobs WHERE sha NOT IN (SELECT value FROM passes, json_each(passes.snapshot))")

    def hints(self, test_ids: Sequence[str]) -> dict[tuple[str, int], float]:
        marks = ",".join("?" * len(test_ids))
        rows = self._db.execute(f"SELECT lines FROM breaks WHERE test_id IN ({marks})", list(test_ids)).fetchall()
        breaking: dict[str, set[int]] = {}
        for (lines,) in rows:
            for path, ls in json.loads(lines).items():
                breaking.setdefault(path, set()).update(ls)
        last = self._db.execute(f"SELECT head, snapshot FROM passes WHERE test_id IN ({marks})"
                                " ORDER BY time DESC LIMIT 1", list(test_ids)).fetchone()
        head_diff = changed_since(self.root, "HEAD")
        if last is None:
            return regression_weights([(1.0, breaking), (0.8, head_diff)])
        return regression_weights([(1.0, breaking), (0.8, self._since(last[0], json.loads(last[1]))),
                                   (0.5, head_diff)])

    def _since(self, head: str | None, snapshot: dict[str, str]) -> dict[str, set[int]]:
        """The lines changed since the pass: against its snapshot where it kept a file, else
        against its HEAD."""
        out = dict(changed_since(self.root, head) or {}) if head else {}
        for path, sha in snapshot.items():
            row = self._db.execute("SELECT data FROM blobs WHERE sha = ?", (sha,)).fetchone()
            try:
                now = read_regular(self.root / path, root=self.root).decode("utf-8", errors="replace")
            except OSError:
                out.pop(path, None)
                continue
            if row is not None:
                lines = changed_lines(bytes(row[0]).decode("utf-8", errors="replace"), now)
                if lines:
                    out[path] = lines
                else:
                    out.pop(path, None)
        return out

    def _snapshot(self, db: sqlite3.Connection) -> tuple[str | None, dict[str, str]]:
        head = _head(self.root)
        snapshot: dict[str, str] = {}
        size = 0
        for path in sorted(changed_since(self.root, "HEAD") or {}):
            if len(snapshot) >= SNAPSHOT_FILES:
                break
            try:
                data = read_regular(self.root / path, root=self.root)
            except OSError:
                continue
            size += len(data)
            if size > SNAPSHOT_BYTES:
                break
            sha = hashlib.sha1(data).hexdigest()
            db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (sha, data))
            snapshot[path] = sha
        return head, snapshot


def regression_hints(root: Path | str, test_ids: Sequence[str]) -> dict[tuple[str, int], float]:
    """(path, line) -> weight for a session localizing the failures of `test_ids` (see above)."""
    if not (Path(root) / HISTORY_FILE).exists():       # never watched: the last commit passed
        return regression_weights([(0.8, changed_since(Path(root), "HEAD"))])
    try:
        history = TestHistory(root)
        try:
            return history.hints(list(test_ids))
        finally:
            history.close()
    except (OSError, sqlite3.Error, ValueError) as exc:
        log.warning("the test history is unavailable (%s); localizing without it", exc)
        return regression_weights([(0.8, changed_since(Path(root), "HEAD"))])


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=10, check_same_thread=False)
    db.executescript(_SCHEMA)
    return db


def _head(root: Path) -> str | None:
    try:
        done = run_git(["rev-parse", "--verify", "-q", "HEAD"], root, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode().strip() or None if done.returncode == 0 else None
