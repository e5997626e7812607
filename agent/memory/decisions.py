"""Editor accept/reject decisions, kept as training pairs for the ranker.

Each decision is one JSON line appended to `<root>/.remedy/decisions.jsonl` (`remedy export dpo` reads
them back), and relabels the proposal's candidate set in the learning store (agent.memory.learning),
which the next ranking and `remedy ebm train --with-feedback` read. Appends are whole lines written under a lock, so concurrent
decisions from one process never interleave.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from agent.memory.jsonl import append_jsonl, read_jsonl
from agent.types import Candidate, Hunk

__all__ = ["record_decision", "read_decisions", "DECISIONS_FILE"]

DECISIONS_FILE = Path(".remedy") / "decisions.jsonl"


def record_decision(root: Path | str, proposal_id: str, hunk: Hunk, accepted: bool,
                    candidate: Candidate | None, undone: bool = False) -> Path:
    """Append one decision; returns the file written. `undone`: the user undid the accept of
    this hunk in the editor, which is recorded as a later decision against it (`accepted` false)."""
    record: dict[str, Any] = {
        "time": time.time(),
        "proposal_id": proposal_id,
        "accepted": bool(accepted) and not undone,
        "undone": bool(undone),
        "hunk": dataclasses.asdict(hunk),
        "candidate": _candidate_record(candidate),
    }
    written = append_jsonl(Path(root) / DECISIONS_FILE, record)
    from .learning import label_from_decisions      # the decision is learnt from at once
    label_from_decisions(root, proposal_id)
    return written


def read_decisions(root: Path | str) -> list[dict[str, Any]]:
    """Every decision recorded under root, oldest first; a torn last line is skipped."""
    return read_jsonl(Path(root) / DECISIONS_FILE)


def _candidate_record(candidate: Candidate | None) -> dict[str, Any] | None:
    if candidate is None:
        return None
    return dataclasses.asdict(candidate)
