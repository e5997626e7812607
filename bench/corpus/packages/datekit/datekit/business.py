"""Business-day arithmetic (Mon-Fri, minus an optional holiday set)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Collection

WEEKEND = (5, 6)  # Saturday, Sunday


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    """True for a weekday that is not a holiday."""
    return day.weekday() not in WEEKEND and day not in holidays


def add_business_days(start: date, n: int, holidays: Collection[date] = ()) -> date:
    """The date ``n`` business days after (n > 0) or before (n < 0) ``start``."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    day = start
    while remaining > 0:
        day += timedelta(days=step)
        if is_business_day(day, holidays):
            remaining -= 1
    return day


def business_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Business days in the half-open range [start, end); negative if end < start."""
    if end < start:
        return -business_days_between(end, start, holidays)
    count = 0
    day = start
    while day < end:
        if is_business_day(day, holidays):
            count += 1
        day += timedelta(days=1)
    return count


def next_business_day(day: date, holidays: Collection[date] = ()) -> date:
    """``day`` itself if it is a business day, else the following one."""
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day
