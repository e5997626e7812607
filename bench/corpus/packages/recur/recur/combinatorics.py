"""Recursive generators of permutations, combinations, subsets; deep flatten."""
from __future__ import annotations

from typing import Any, Sequence


def permutations(items: Sequence[Any]) -> list[list[Any]]:
    """All orderings of ``items`` in lexicographic order of positions."""
    if len(items) <= 1:
        return [list(items)]
    result = []
    for i, head in enumerate(items):
        rest = list(items[:i]) + list(items[i + 1:])
        for perm in permutations(rest):
            result.append([head] + perm)
    return result


def combinations(items: Sequence[Any], k: int) -> list[list[Any]]:
    """All k-element subsets, preserving the original order."""
    if k == 0:
        return [[]]
    if len(items) < k:
        return []
    head, tail = items[0], items[1:]
    with_head = [[head] + rest for rest in combinations(tail, k - 1)]
    without_head = combinations(tail, k)
    return with_head + without_head


def powerset(items: Sequence[Any]) -> list[list[Any]]:
    """All subsets, smaller ones first, each in original order."""
    result = []
    for k in range(len(items) + 1):
        result.extend(combinations(items, k))
    return result


def flatten(nested: Any, depth: int | None = None) -> list[Any]:
    """Flatten nested lists/tuples, at most ``depth`` levels (None: fully).

    Strings are treated as atoms.
    """
    flat: list[Any] = []
    for element in nested:
        if isinstance(element, (list, tuple)) and (depth is None or depth > 0):
            flat.extend(flatten(element, None if depth is None else depth - 1))
        else:
            flat.append(element)
    return flat
