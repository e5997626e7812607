"""Descriptive statistics over sequences of numbers."""
from __future__ import annotations

import math
from collections import Counter
from typing import Sequence


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean; raises ValueError on empty input."""
    if not values:
        raise ValueError("mean of empty sequence")
    return sum(values) / len(values)


def median(values: Sequence[float]) -> float:
    """Middle value (mean of the two middle values for even lengths)."""
    if not values:
        raise ValueError("median of empty sequence")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def mode(values: Sequence[float]) -> list[float]:
    """All most common values, sorted ascending."""
    if not values:
        return []
    counts = Counter(values)
    top = max(counts.values())
    return sorted(v for v, c in counts.items() if c == top)


def variance(values: Sequence[float], sample: bool = True) -> float:
    """Sample (n-1) or population (n) variance."""
    n = len(values)
    if n < 2 and sample:
        raise ValueError("sample variance needs at least two values")
    if n == 0:
        raise ValueError("variance of empty sequence")
    mu = mean(values)
    ss = sum((x - mu) ** 2 for x in values)
    return ss / (n - 1 if sample else n)


def stdev(values: Sequence[float], sample: bool = True) -> float:
    """Square root of :func:`variance`."""
    return math.sqrt(variance(values, sample=sample))


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile, ``p`` in [0, 100] (NumPy's default method)."""
    if not values:
        raise ValueError("percentile of empty sequence")
    if not 0 <= p <= 100:
        raise ValueError("p must be within [0, 100]")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    lo = math.floor(rank)
    hi = min(lo + 1, len(ordered) - 1)
    frac = rank - lo
    return ordered[lo] + (ordered[hi] - ordered[lo]) * frac


def moving_average(values: Sequence[float], window: int) -> list[float]:
    """Simple moving average over each full window."""
    if window <= 0:
        raise ValueError("window must be positive")
    result: list[float] = []
    running = 0.0
    for i, x in enumerate(values):
        running += x
        if i >= window:
            running -= values[i - window]
        if i >= window - 1:
            result.append(running / window)
    return result
