"""Editor accept/reject decisions, kept as training pairs for the ranker.

Each decision is one JSON line appended to `<root>/.remedy/decisions.jsonl`; the EBM's training and
`remedy export dpo` read them back. Appends are whole lines written under a lock, so concurrent
decisions from one process never interleave.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path
from typing import Any

from agent.types import Candidate, Hunk

__all__ = ["record_decision", "read_decisions", "DECISIONS_FILE"]

DECISIONS_FILE = Path(".remedy") / "decisions.jsonl"
_lock = threading.Lock()


def record_decision(root: Path | str, proposal_id: str, hunk: Hunk, accepted: bool,
                    candidate: Candidate | None) -> Path:
    """Append one decision; returns the file written."""
    record: dict[str, Any] = {
        "time": time.time(),
        "proposal_id": proposal_id,
        "accepted": bool(accepted),
        "hunk": dataclasses.asdict(hunk),
        "candidate": _candidate_record(candidate),
    }
    path = Path(root) / DECISIONS_FILE
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(line)
    return path


def read_decisions(root: Path | str) -> list[dict[str, Any]]:
    """Every decision recorded under root, oldest first; a torn last line is skipped."""
    path = Path(root) / DECISIONS_FILE
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def _candidate_record(candidate: Candidate | None) -> dict[str, Any] | None:
    if candidate is None:
        return None
    return dataclasses.asdict(candidate)
