"""Operations on closed integer/float intervals given as (start, end) pairs."""
from __future__ import annotations

Interval = tuple[float, float]


def overlaps(a: Interval, b: Interval) -> bool:
    """Closed intervals overlap when they share at least one point."""
    return a[0] <= b[1] and b[0] <= a[1]


def merge_intervals(intervals: list[Interval]) -> list[Interval]:
    """Merge overlapping or touching intervals; result sorted by start."""
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if start > end:
            raise ValueError(f"invalid interval ({start}, {end})")
        if result and start <= result[-1][1]:
            last_start, last_end = result[-1]
            result[-1] = (last_start, max(last_end, end))
        else:
            result.append((start, end))
    return result


def total_covered(intervals: list[Interval]) -> float:
    """Total length covered by the union of the intervals."""
    return sum(end - start for start, end in merge_intervals(intervals))


def gaps(intervals: list[Interval], lo: float, hi: float) -> list[Interval]:
    """Parts of [lo, hi] not covered by any interval."""
    out: list[Interval] = []
    cursor = lo
    for start, end in merge_intervals(intervals):
        if end < lo or start > hi:
            continue
        if start > cursor:
            out.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < hi:
        out.append((cursor, hi))
    return out
