"""Memoized dynamic programming classics."""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute all cost 1)."""

    @lru_cache(maxsize=None)
    def d(i: int, j: int) -> int:
        if i == 0:
            return j
        if j == 0:
            return i
        if a[i - 1] == b[j - 1]:
            return d(i - 1, j - 1)
        return 1 + min(d(i - 1, j), d(i, j - 1), d(i - 1, j - 1))

    return d(len(a), len(b))


def coin_change(coins: Sequence[int], amount: int) -> int:
    """Fewest coins summing to ``amount``, or -1 if impossible."""

    @lru_cache(maxsize=None)
    def best(rest: int) -> float:
        if rest == 0:
            return 0
        if rest < 0:
            return float("inf")
        return 1 + min((best(rest - c) for c in coins), default=float("inf"))

    result = best(amount)
    return -1 if result == float("inf") else int(result)


def longest_increasing_subsequence(seq: Sequence[float]) -> list[float]:
    """One longest strictly increasing subsequence (the earliest-ending one)."""
    if not seq:
        return []
    n = len(seq)
    length = [1] * n
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if seq[j] < seq[i] and length[j] + 1 > length[i]:
                length[i] = length[j] + 1
                prev[i] = j
    end = max(range(n), key=lambda i: length[i])
    out = []
    while end != -1:
        out.append(seq[end])
        end = prev[end]
    return out[::-1]


def knapsack(items: Sequence[tuple[int, int]], capacity: int) -> int:
    """0/1 knapsack: ``items`` are (weight, value); return the best total value."""

    @lru_cache(maxsize=None)
    def best(i: int, cap: int) -> int:
        if i == len(items):
            return 0
        weight, value = items[i]
        skip = best(i + 1, cap)
        if weight > cap:
            return skip
        return max(skip, value + best(i + 1, cap - weight))

    return best(0, capacity)
