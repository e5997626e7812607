"""Isotonic calibration: energy → P(correct).

Energies from a listwise loss are only meaningful relative to the other candidates of the same set,
so the calibrated input is the candidate's Boltzmann log-probability within its set,
log softmax(-E)_i; pool-adjacent-violators fits a non-decreasing step function from it to the
observed rate of correct candidates on the validation split (sets with no correct candidate
included, so "nothing here is right" is learnt too).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Isotonic", "fit_isotonic", "set_log_probs"]


def set_log_probs(energies: np.ndarray) -> np.ndarray:
    """log softmax(-E) over one candidate set."""
    z = -np.asarray(energies, dtype=np.float64)
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


@dataclass(frozen=True)
class Isotonic:
    x: tuple[float, ...]     # block right ends, increasing
    y: tuple[float, ...]     # block means, non-decreasing

    def __call__(self, values: np.ndarray) -> np.ndarray:
        if not self.x:
            return np.zeros_like(np.asarray(values, dtype=np.float64))
        return np.interp(np.asarray(values, dtype=np.float64), self.x, self.y)

    def to_dict(self) -> dict:
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, data: dict) -> "Isotonic":
        return cls(tuple(float(v) for v in data["x"]), tuple(float(v) for v in data["y"]))


def fit_isotonic(x: np.ndarray, y: np.ndarray, max_points: int = 64) -> Isotonic:
    """Pool adjacent violators on (x, y) sorted by x; at most `max_points` knots are kept."""
    order = np.argsort(x, kind="stable")
    xs, ys = np.asarray(x, dtype=np.float64)[order], np.asarray(y, dtype=np.float64)[order]
    means: list[float] = []
    weights: list[float] = []
    ends: list[float] = []
    for xv, yv in zip(xs, ys):
        means.append(yv)
        weights.append(1.0)
        ends.append(xv)
        while len(means) > 1 and means[-2] > means[-1]:
            w = weights[-2] + weights[-1]
            m = (means[-2] * weights[-2] + means[-1] * weights[-1]) / w
            means[-2:], weights[-2:], ends[-2:] = [m], [w], [ends[-1]]
    i = 1
    while i < len(ends):   # equal x: one knot (np.interp needs increasing x)
        if ends[i] == ends[i - 1]:
            w = weights[i - 1] + weights[i]
            means[i - 1] = (means[i - 1] * weights[i - 1] + means[i] * weights[i]) / w
            weights[i - 1] = w
            del ends[i], means[i], weights[i]
        else:
            i += 1
    if len(ends) > max_points:
        keep = np.unique(np.linspace(0, len(ends) - 1, max_points).round().astype(int))
        ends = [ends[i] for i in keep]
        means = [means[i] for i in keep]
    return Isotonic(tuple(ends), tuple(means))
