"""Grouping, counting, partitioning and de-duplication of iterables."""
from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, TypeVar

T = TypeVar("T")


def group_by(items: Iterable[T], key: Callable[[T], Hashable]) -> dict[Hashable, list[T]]:
    """Group items by ``key(item)``; groups and their members keep first-seen order."""
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def count_by(items: Iterable[T], key: Callable[[T], Hashable]) -> dict[Hashable, int]:
    """How many items fall under each key."""
    counts: dict[Hashable, int] = {}
    for item in items:
        k = key(item)
        counts[k] = counts.get(k, 0) + 1
    return counts


def partition(items: Iterable[T], predicate: Callable[[T], bool]) -> tuple[list[T], list[T]]:
    """Split into (items where predicate is true, items where it is false)."""
    yes: list[T] = []
    no: list[T] = []
    for item in items:
        (yes if predicate(item) else no).append(item)
    return yes, no


def dedup(items: Iterable[T], key: Callable[[T], Hashable] | None = None) -> list[T]:
    """Drop later duplicates (by ``key`` if given), keeping the first occurrence."""
    seen: set[Hashable] = set()
    out: list[T] = []
    for item in items:
        marker = key(item) if key is not None else item
        if marker in seen:
            continue
        seen.add(marker)
        out.append(item)
    return out


def invert(mapping: dict[Any, Any], unique: bool = True) -> dict[Any, Any]:
    """Swap keys and values.

    With ``unique=True`` a repeated value raises ValueError; otherwise each value maps to
    the list of keys that had it.
    """
    if unique:
        out: dict[Any, Any] = {}
        for k, v in mapping.items():
            if v in out:
                raise ValueError(f"value {v!r} is not unique")
            out[v] = k
        return out
    multi: dict[Any, list[Any]] = {}
    for k, v in mapping.items():
        multi.setdefault(v, []).append(k)
    return multi
