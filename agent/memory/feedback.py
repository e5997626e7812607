"""The learning store's labelled sets as training examples for `remedy ebm train --with-feedback`:
editor decisions, fixes applied with `remedy fix --apply` and mined history (agent.memory.store),
each a candidate set with row 0 the decided candidate. Sets made with other feature columns are
skipped."""
from __future__ import annotations

from pathlib import Path

__all__ = ["read_feedback"]


def read_feedback(root: Path | str) -> list:
    """The labelled sets of the project at `root` as `agent.rank.training.train.FeedbackSet`s."""
    import numpy as np

    from agent.rank.features import FEATURE_NAMES
    from agent.rank.training.train import FeedbackSet

    from .store import open_store

    return [FeedbackSet(s.features.astype(np.float32), s.tokens.astype(np.int16), s.aux.astype(np.uint8),
                        s.label)
            for s in open_store(root).sets(feature_names=FEATURE_NAMES)]
