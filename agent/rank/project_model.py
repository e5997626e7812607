"""The per-project correction to the shipped ranker, learned from the project's learning store
(agent.memory.store): what this project's developers accepted and rejected, and the fixes its
history holds.

    model = ProjectModel.of_store(open_store(root))
    energy = shipped_energy + model.delta(features, shapes)

The correction is a sum of three terms, each lowering the energy (validated earlier) of what the
project's labels favour:
- a **shape prior**: per edit shape (agent.rank.shape), from accepted minus rejected labels about
  that shape, (acc - rej) / (acc + rej + 1), so five accepts of one shape give it nearly its whole
  weight and as many rejections take it away again;
- a **template prior**: the same per template, with less weight (a coarser key);
- a **linear term** w·z on the standardized feature vector z, fitted to the accepted sets
  (softmax over each set, row 0 the positive; L2 towards 0), small unless the labels agree.

Online: `update(labelled_set)` adds one set's counts and takes a few gradient steps on it (well
under a millisecond for a set of 16 rows); `of_store` refits from every labelled set, so a label
that changed (an accept undone) is undone in the model too. Sets made with other feature columns
contribute their counts but not to the linear term."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .features import FEATURE_NAMES

__all__ = ["ProjectModel", "SHAPE_WEIGHT", "TEMPLATE_WEIGHT", "PREFERRED"]

SHAPE_WEIGHT = 6.0       # energy units: the shipped model's energies of one session span ~5-15
TEMPLATE_WEIGHT = 2.0
# a correction this low (about three accepts of one shape more than its rejections) puts the
# candidate before the value probe's order too (agent.rank.ordering)
PREFERRED = -0.7 * SHAPE_WEIGHT
_LINEAR_MAX = 2.0        # the linear term's bound per candidate
_L2 = 0.05
_LR = 0.05
_STEPS = 8


@dataclass
class ProjectModel:
    shape_counts: Counter = field(default_factory=Counter)      # shape -> accepted - rejected
    shape_seen: Counter = field(default_factory=Counter)        # shape -> labels about it
    template_counts: Counter = field(default_factory=Counter)
    template_seen: Counter = field(default_factory=Counter)
    weights: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURE_NAMES), dtype=np.float64))
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    sets: int = 0

    @classmethod
    def of_store(cls, store, sources: Sequence[str] | None = None) -> "ProjectModel":
        """Fitted to every labelled set in `store` (an agent.memory.store.LearningStore, passed in:
        the rank stage does not import the store; of `sources`, default all)."""
        return cls.fitted(store.sets() if sources is None else store.sets(sources=tuple(sources)))

    @classmethod
    def fitted(cls, labelled: Sequence) -> "ProjectModel":
        model = cls()
        usable = [s for s in labelled if _fits(s.features)]
        if usable:
            stacked = np.concatenate([s.features for s in usable]).astype(np.float64)
            model.mean = stacked.mean(axis=0)
            model.std = np.maximum(stacked.std(axis=0), 1e-3)
        for s in labelled:
            model._count(s)
        for _ in range(3):
            for s in usable:
                if s.label:
                    model._steps(s, _STEPS)
        return model

    @property
    def empty(self) -> bool:
        return self.sets == 0

    def update(self, labelled) -> None:
        """Learn one newly labelled set now (the next ranking reads it)."""
        self._count(labelled)
        if labelled.label and _fits(labelled.features):
            if self.mean is None:
                self.mean = labelled.features.astype(np.float64).mean(axis=0)
                self.std = np.maximum(labelled.features.astype(np.float64).std(axis=0), 1e-3)
            self._steps(labelled, _STEPS)

    def delta(self, features: np.ndarray | None, shapes: Sequence[tuple[str, str]]) -> np.ndarray:
        """The energy correction of each candidate (row i of `features`, `shapes[i]` its
        (template, shape)); zeros for an empty model."""
        out = np.zeros(len(shapes), dtype=np.float64)
        if self.empty:
            return out
        for i, (template, shape) in enumerate(shapes):
            out[i] -= SHAPE_WEIGHT * _score(self.shape_counts[shape], self.shape_seen[shape])
            out[i] -= TEMPLATE_WEIGHT * _score(self.template_counts[template], self.template_seen[template])
        if features is not None and _fits(features) and self.mean is not None and np.any(self.weights):
            out += np.clip(self._z(features) @ self.weights, -_LINEAR_MAX, _LINEAR_MAX)
        return out

    def _count(self, s) -> None:
        sign = 1 if s.label else -1
        self.shape_counts[s.shape] += sign
        self.shape_seen[s.shape] += 1
        self.template_counts[s.template] += sign
        self.template_seen[s.template] += 1
        self.sets += 1

    def _z(self, features: np.ndarray) -> np.ndarray:
        assert self.mean is not None and self.std is not None
        return np.clip((np.asarray(features, dtype=np.float64) - self.mean) / self.std, -5.0, 5.0)

    def _steps(self, s, steps: int) -> None:
        """Gradient steps of -log softmax(-w·z)[0] + L2 on one accepted set."""
        if len(s.features) < 2:
            return
        z = self._z(s.features)
        for _ in range(steps):
            e = z @ self.weights
            p = np.exp(-(e - e.min()))
            p /= p.sum()
            # d/dw [e_0 + log sum exp(-e)] = z_0 - sum_i p_i z_i
            grad = z[0] - p @ z + _L2 * self.weights
            self.weights -= _LR * grad


def _score(count: int, seen: int) -> float:
    return count / (seen + 1) if seen else 0.0


def _fits(features) -> bool:
    return getattr(features, "ndim", 0) == 2 and features.shape[1] == len(FEATURE_NAMES)
