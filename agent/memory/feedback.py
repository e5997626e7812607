"""Editor decisions as labelled examples for the ranker (`remedy ebm train --with-feedback`).

Beside `decisions.jsonl` (which keeps what the user saw), `<root>/.remedy/feedback.jsonl` keeps what
the model read: the decided candidate's features and tokens, followed by those of the best-ranked
other candidates of the same ranking, so an accepted proposal is a candidate set with a known
positive and a rejected one a candidate known to be wrong. The features are taken from the
ranking the session just did (`agent.rank.scored_set_of`); a decision about a candidate this
process did not rank cannot be recorded and returns None.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from agent.memory.jsonl import append_jsonl, read_jsonl
from agent.types import Candidate

__all__ = ["record_feedback", "read_feedback", "FEEDBACK_FILE"]

FEEDBACK_FILE = Path(".remedy") / "feedback.jsonl"
_SIBLINGS = 15


def record_feedback(root: Path | str, proposal_id: str, candidate: Candidate, accepted: bool) -> Path | None:
    """Append one labelled example; returns the file written, or None when the candidate's
    ranking is unknown to this process."""
    from agent.rank import scored_set_of
    from agent.rank.features import FEATURE_NAMES

    scored = scored_set_of(candidate.id)
    if scored is None:
        return None
    me = scored.ids.index(candidate.id)
    others = [i for i in np.argsort(np.asarray(scored.energies), kind="stable") if i != me][:_SIBLINGS]
    rows = [me, *others]
    record = {
        "time": time.time(), "proposal_id": proposal_id, "candidate_id": candidate.id,
        "template": candidate.template, "accepted": bool(accepted),
        "feature_names": list(FEATURE_NAMES),
        "features": np.asarray(scored.features)[rows].round(5).tolist(),
        "tokens": np.asarray(scored.tokens)[rows].tolist(),
        "aux": np.asarray(scored.aux)[rows].tolist(),
    }
    return append_jsonl(Path(root) / FEEDBACK_FILE, record)


def read_feedback(root: Path | str) -> list:
    """The recorded examples as `agent.rank.training.train.FeedbackSet`s (ones made with other features, or a
    torn last line, are skipped)."""
    from agent.rank.features import FEATURE_NAMES
    from agent.rank.training.train import FeedbackSet

    out = []
    for rec in read_jsonl(Path(root) / FEEDBACK_FILE):
        if rec.get("feature_names") != list(FEATURE_NAMES):
            continue
        out.append(FeedbackSet(np.asarray(rec["features"], dtype=np.float32),
                               np.asarray(rec["tokens"], dtype=np.int16),
                               np.asarray(rec["aux"], dtype=np.uint8), bool(rec["accepted"])))
    return out
