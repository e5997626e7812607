"""The one place where what happens to a proposal becomes learning (agent.memory.store):

- `record_proposal`: a session that proposes a patch stores the winner's candidate set, unlabelled,
  under the proposal's id (the session process ranked it and still holds its features);
- `label_from_decisions`: every editor decision (agent.memory.decisions) relabels the proposal's
  set: accepted while any of its hunks is accepted and not undone, rejected once every decided hunk
  is rejected or undone; the project model is refitted then, in milliseconds;
- `record_applied`: `remedy fix --apply` labels the set accepted, as source "apply";
- `project_model(root)`: the per-project correction the next session ranks with.

Nothing here raises into a session or a review: a store that cannot be written is a warning."""
from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..rank import scored_set_of
from ..rank.features import FEATURE_NAMES
from ..rank.project_model import ProjectModel
from ..rank.shape import shape_of, site_of
from ..types import Candidate, Proposal, TestResult
from .recall import boosts, failure_text, forget_fix, recall, remember
from .decisions import read_decisions
from .store import open_store

__all__ = ["record_proposal", "add_ranked_set", "record_applied", "label_from_decisions", "project_model", "recalled_fixes",
           "learned_patterns", "PATTERNS_KEY", "SIBLINGS"]

log = logging.getLogger("agent.memory")
PATTERNS_KEY = "learn.patterns"     # the store state `remedy learn` writes its patterns to
SIBLINGS = 15       # the best-ranked other candidates kept beside the decided one
_models: dict[Path, tuple[int, ProjectModel]] = {}
_models_lock = threading.Lock()


def project_model(root: Path | str) -> ProjectModel | None:
    """The project's model, fitted from its store (cached until the store changes); None when the
    store holds no labelled set or cannot be read."""
    try:
        store = open_store(root)
        version = store.version()
        key = store.path
        with _models_lock:
            cached = _models.get(key)
        if cached is not None and cached[0] == version:
            model = cached[1]
        else:
            model = ProjectModel.of_store(store)
            with _models_lock:
                _models[key] = (version, model)
        return None if model.empty else model
    except (OSError, sqlite3.Error) as exc:
        log.warning("the project's learning store is unavailable (%s); ranking with the shipped model only", exc)
        return None


def learned_patterns(root: Path | str) -> tuple:
    """The fix patterns `remedy learn` found in the project's history (agent.generate.learned);
    () when it never ran or the store cannot be read."""
    from ..generate.learned import patterns_from_json
    try:
        return patterns_from_json(open_store(root).get_state(PATTERNS_KEY, []) or [])
    except (OSError, sqlite3.Error, ValueError) as exc:
        log.warning("the learned fix patterns are unavailable (%s)", exc)
        return ()


def recalled_fixes(root: Path | str, failing: Sequence[TestResult]) -> dict[tuple[str, str], float]:
    """The past fixes like this failure, as the ranker's (shape, site kind) -> weight; {} when
    nothing is kept or the memory cannot be read."""
    try:
        return boosts(recall(root, failing))
    except (OSError, sqlite3.Error, ValueError) as exc:
        log.warning("the memory of past fixes is unavailable (%s); ranking without it", exc)
        return {}


def record_proposal(root: Path | str, proposal: Proposal, files: dict[str, bytes],
                    failing: Sequence[TestResult] = ()) -> bool:
    """Store the proposal's candidate set unlabelled; False when the candidate was not ranked by
    the model in this process (an LLM sample of a later round, the `none` ranker)."""
    cand = proposal.candidate
    if cand is None:
        return False
    try:
        return add_ranked_set(open_store(root), cand, files, source="decision", proposal_id=proposal.id,
                              meta={"path": cand.path, "line": cand.line, "description": cand.description,
                                    "site": site_of(cand, files), "edit": _edit(cand, files),
                                    **_failure(failing)})
    except (OSError, sqlite3.Error) as exc:
        log.warning("could not keep the proposal for learning: %s", exc)
        return False


def add_ranked_set(store, cand: Candidate, files: dict[str, bytes], *, source: str, label: bool | None = None,
                   proposal_id: str | None = None, meta: dict | None = None) -> bool:
    """Add `cand` (row 0) with its best-ranked siblings, as this process's ranking scored them
    (agent.rank.scored_set_of), to `store`; False when the candidate was not ranked here."""
    scored = scored_set_of(cand.id)
    if scored is None or cand.id not in scored.ids:
        return False
    by_id = {c.id: c for c in scored.candidates} | {cand.id: cand}
    me = scored.ids.index(cand.id)
    others = [int(i) for i in np.argsort(np.asarray(scored.energies), kind="stable") if i != me][:SIBLINGS]
    rows = [me, *others]
    shapes = [(c.template, shape_of(c, files)) if (c := by_id.get(scored.ids[i])) is not None else ("", "")
              for i in rows]
    store.add_set(source=source, template=cand.template, shape=shapes[0][1],
                  features=np.asarray(scored.features)[rows], tokens=np.asarray(scored.tokens)[rows],
                  aux=np.asarray(scored.aux)[rows], feature_names=FEATURE_NAMES, shapes=shapes, label=label,
                  proposal_id=proposal_id, candidate_id=cand.id, meta=meta or {})
    return True


def record_applied(root: Path | str, proposal: Proposal) -> int:
    """`remedy fix --apply` wrote the proposal: its set is labelled accepted, as source "apply"."""
    try:
        changed = open_store(root).label_proposal(proposal.id, True, source="apply")
        _memory(root, changed)
        return len(changed)
    except (OSError, sqlite3.Error) as exc:
        log.warning("could not label the applied fix for learning: %s", exc)
        return 0


def label_from_decisions(root: Path | str, proposal_id: str) -> bool | None:
    """Relabel the proposal's set from every decision recorded about its hunks; returns the label
    (None: no hunk decided)."""
    latest: dict[str, bool] = {}
    for rec in read_decisions(root):
        if rec.get("proposal_id") == proposal_id:
            hunk = rec.get("hunk") or {}
            latest[str(hunk.get("id", ""))] = bool(rec.get("accepted"))
    if not latest:
        return None
    accepted = any(latest.values())
    try:
        _memory(root, open_store(root).label_proposal(proposal_id, accepted))
    except (OSError, sqlite3.Error) as exc:
        log.warning("could not label the decision for learning: %s", exc)
    return accepted


def _memory(root: Path | str, changed) -> None:
    """The memory of past fixes follows the labels: a set newly accepted is remembered, an accept
    taken back forgotten (agent.memory.recall)."""
    for labelled, before in changed:
        meta = labelled.meta
        if "failure" not in meta:
            continue
        if labelled.label and before is not True:
            remember(root, failure=meta["failure"], frames=[tuple(f) for f in meta.get("frames", [])],
                     template=labelled.template, shape=labelled.shape, site=meta.get("site", ""),
                     edit=meta.get("edit", {}))
        elif not labelled.label and before is True:
            forget_fix(root, labelled.shape, meta.get("site", ""))


def _failure(failing: Sequence[TestResult]) -> dict:
    if not failing:
        return {}
    first = failing[0]
    frames = [(f.path, f.line, f.function) for f in first.frames][-8:]
    return {"failure": failure_text(first.message, frames), "frames": frames}


def _edit(cand: Candidate, files: dict[str, bytes]) -> dict:
    e = min(cand.edits, key=lambda e: e.start) if cand.edits else None
    if e is None or e.path not in files:
        return {}
    before = files[e.path][e.start:e.end].decode("utf-8", errors="replace")
    return {"path": e.path, "line": cand.line, "before": before[:200], "after": e.text[:200]}
