"""The project's learning store: one SQLite file, `<root>/.remedy/learning.sqlite`, of labelled
candidate sets the ranker learns from, whatever taught them:

- `decision`: a proposal the editor showed, labelled when the user accepts or rejects a hunk of it
  (the session stores the set unlabelled when it proposes; `label_proposal` labels it later, from
  whichever process records the decision);
- `apply`: a fix the CLI applied (`remedy fix --apply`), labelled accepted;
- `history`: a fix mined from the project's git history (`remedy learn`), the human change
  labelled accepted among the engine's candidates at the same site.

A set is the features, tokens and aux codes the model reads for its candidates (agent.rank), row 0
the candidate the label is about and the other rows its best-ranked siblings. Beside the sets, the
store keeps small named state (`state`: e.g. the last commit mined) and the memory of past fixes
(`memories`, agent.memory.recall).

The file never leaves `.remedy/` (which git, the sandbox's copies and its confinement all skip). A
file that is not a readable store is set aside (`learning.sqlite.corrupt`) and a new one made, with
a one-line warning; nothing raises out of opening it.
"""
from __future__ import annotations

import io
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["LearningStore", "LabelledSet", "open_store", "STORE_FILE", "SOURCES"]

log = logging.getLogger("agent.memory")

STORE_FILE = Path(".remedy") / "learning.sqlite"
SOURCES = ("decision", "apply", "history")
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sets (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    source TEXT NOT NULL,
    proposal_id TEXT,
    candidate_id TEXT,
    template TEXT NOT NULL,
    shape TEXT NOT NULL,
    label INTEGER,                 -- 1 accepted, 0 rejected, NULL not decided yet
    feature_names TEXT NOT NULL,   -- JSON list: a set made with other features is not read
    features BLOB NOT NULL,        -- .npy float32 [n, F]
    tokens BLOB NOT NULL,          -- .npy int16 [n, L]
    aux BLOB NOT NULL,             -- .npy uint8 [n, L]
    shapes TEXT NOT NULL,          -- JSON list: each row's (template, shape)
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS sets_proposal ON sets(proposal_id);
CREATE INDEX IF NOT EXISTS sets_source ON sets(source);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memories (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    failure TEXT NOT NULL,
    frames TEXT NOT NULL,          -- JSON list of [path, line, function]
    edit TEXT NOT NULL,            -- JSON: the accepted edit (path, line, before, after)
    template TEXT NOT NULL,
    shape TEXT NOT NULL,
    site TEXT NOT NULL,            -- the kind of site the edit was at
    embedding BLOB,                -- .npy float32 [d], None when no embedder loaded
    successes INTEGER NOT NULL DEFAULT 1,
    uses INTEGER NOT NULL DEFAULT 1
);
"""


@dataclass(frozen=True)
class LabelledSet:
    """One candidate set: row 0 is the candidate `label` is about; `shapes[i]` is row i's
    (template, shape)."""
    id: int
    time: float
    source: str
    template: str
    shape: str
    label: bool
    features: np.ndarray
    tokens: np.ndarray
    aux: np.ndarray
    shapes: tuple[tuple[str, str], ...]
    proposal_id: str | None = None
    candidate_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class LearningStore:
    """The store of one project. Thread-safe; each call is its own transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = _connect(path)

    # -- labelled sets --------------------------------------------------------------------------
    def add_set(self, *, source: str, template: str, shape: str, features, tokens, aux,
                feature_names: Sequence[str], shapes: Sequence[tuple[str, str]] | None = None,
                label: bool | None = None, proposal_id: str | None = None,
                candidate_id: str | None = None, meta: dict[str, Any] | None = None) -> int:
        """Add one set (row 0 the candidate the label is about); returns its id."""
        if source not in SOURCES:
            raise ValueError(f"unknown learning source {source!r}")
        features = np.asarray(features, dtype=np.float32)
        rows = int(features.shape[0]) if features.ndim == 2 else 0
        if rows == 0:
            raise ValueError("a labelled set needs at least one candidate row")
        shapes = list(shapes) if shapes is not None else [(template, shape)] + [("", "")] * (rows - 1)
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO sets (time, source, proposal_id, candidate_id, template, shape, label,"
                " feature_names, features, tokens, aux, shapes, meta) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (time.time(), source, proposal_id, candidate_id, template, shape,
                 None if label is None else int(bool(label)), json.dumps(list(feature_names)),
                 _blob(features), _blob(np.asarray(tokens, dtype=np.int16)),
                 _blob(np.asarray(aux, dtype=np.uint8)), json.dumps([list(s) for s in shapes]),
                 json.dumps(meta or {})))
            return int(cur.lastrowid or 0)

    def label_proposal(self, proposal_id: str, accepted: bool,
                       source: str | None = None) -> list[tuple[LabelledSet, bool | None]]:
        """Label the set stored for a proposal (and, with `source`, file it under that source:
        "apply" for a fix the CLI wrote); returns the sets whose label changed, each with its
        label before (None: undecided). A proposal the store does not know: []."""
        if source is not None and source not in SOURCES:
            raise ValueError(f"unknown learning source {source!r}")
        with self._tx() as db:
            rows = db.execute("SELECT * FROM sets WHERE proposal_id = ? AND source != 'history'"
                              " AND (label IS NULL OR label != ?)", (proposal_id, int(accepted))).fetchall()
            db.execute("UPDATE sets SET label = ?, time = ?, source = COALESCE(?, source)"
                       " WHERE proposal_id = ? AND source != 'history'",
                       (int(accepted), time.time(), source, proposal_id))
        out = []
        for r in rows:
            s = _labelled(r, label=accepted)
            if s is not None:
                out.append((s, None if r["label"] is None else bool(r["label"])))
        return out

    def version(self) -> int:
        """Changes whenever a set is added, labelled or removed (SQLite's total_changes is per
        connection; the store is one connection per file per process, and the file's data
        version covers other processes' writes)."""
        with self._tx() as db:
            data = int(db.execute("PRAGMA data_version").fetchone()[0])
            return data * 1_000_003 + int(db.total_changes)

    def sets(self, *, sources: Sequence[str] = SOURCES,
             feature_names: Sequence[str] | None = None) -> list[LabelledSet]:
        """Every labelled set of `sources`, oldest first; with `feature_names`, only the sets made
        with exactly those features."""
        marks = ",".join("?" * len(sources))
        with self._tx() as db:
            rows = db.execute(f"SELECT * FROM sets WHERE label IS NOT NULL AND source IN ({marks})"
                              " ORDER BY time, id", tuple(sources)).fetchall()
        want = list(feature_names) if feature_names is not None else None
        out = []
        for r in rows:
            if want is not None and json.loads(r["feature_names"]) != want:
                continue
            s = _labelled(r)
            if s is not None:
                out.append(s)
        return out

    def count(self, source: str | None = None) -> int:
        with self._tx() as db:
            if source is None:
                return int(db.execute("SELECT COUNT(*) FROM sets").fetchone()[0])
            return int(db.execute("SELECT COUNT(*) FROM sets WHERE source = ?", (source,)).fetchone()[0])

    def forget_sets(self, source: str | None = None) -> int:
        with self._tx() as db:
            cur = db.execute("DELETE FROM sets" if source is None else "DELETE FROM sets WHERE source = ?",
                             () if source is None else (source,))
            return int(cur.rowcount)

    # -- named state ----------------------------------------------------------------------------
    def get_state(self, key: str, default: Any = None) -> Any:
        with self._tx() as db:
            row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_state(self, key: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET"
                       " value = excluded.value", (key, json.dumps(value)))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, in one transaction (for agent.memory.recall's table)."""
        with self._tx() as db:
            yield db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            with self._db:
                yield self._db


_open: dict[Path, LearningStore] = {}
_open_lock = threading.Lock()


def open_store(root: Path | str) -> LearningStore:
    """The store of the project at `root` (created on first use; one per file per process).
    A corrupt file is set aside and replaced by an empty store, with a one-line warning."""
    path = (Path(root) / STORE_FILE).resolve()
    with _open_lock:
        store = _open.get(path)
        if store is None or not path.exists():
            store = _open[path] = LearningStore(path)
        return store


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    _ignore_in_git(path.parent)
    try:
        return _schema(sqlite3.connect(path, timeout=10, check_same_thread=False))
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(path.name + ".corrupt")
        log.warning("the learning store %s was unreadable (%s); set it aside as %s and started a new one",
                    path, exc, aside.name)
        path.replace(aside)
        for suffix in ("-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return _schema(sqlite3.connect(path, timeout=10, check_same_thread=False))


def _schema(db: sqlite3.Connection) -> sqlite3.Connection:
    db.row_factory = sqlite3.Row
    try:
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("integrity check failed")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, _SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"schema version {version}, expected {_SCHEMA_VERSION}")
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        db.commit()
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _ignore_in_git(state_dir: Path) -> None:
    """`.remedy/` holds a `.gitignore` of `*`, so git ignores the store whatever the project's own
    ignore file says."""
    ignore = state_dir / ".gitignore"
    if not ignore.exists():
        try:
            ignore.write_text("# Remedy's local state: never committed\n*\n", encoding="utf-8")
        except OSError:
            pass


def _blob(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _array(blob: bytes) -> np.ndarray:
    return np.load(io.BytesIO(blob), allow_pickle=False)


def _labelled(row: sqlite3.Row, label: bool | None = None) -> LabelledSet | None:
    try:
        return LabelledSet(
            id=row["id"], time=row["time"], source=row["source"], template=row["template"],
            shape=row["shape"], label=bool(row["label"] if label is None else label),
            features=_array(row["features"]), tokens=_array(row["tokens"]), aux=_array(row["aux"]),
            shapes=tuple((str(a), str(b)) for a, b in json.loads(row["shapes"])),
            proposal_id=row["proposal_id"], candidate_id=row["candidate_id"],
            meta=json.loads(row["meta"] or "{}"))
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        log.warning("skipped an unreadable learning set %s (%s)", row["id"], exc)
        return None
