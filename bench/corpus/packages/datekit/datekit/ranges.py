"""Date ranges, month arithmetic, ISO weeks and quarters."""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Iterator


def date_range(start: date, end: date, step_days: int = 1) -> Iterator[date]:
    """Dates from ``start`` to ``end`` inclusive, every ``step_days`` days."""
    if step_days <= 0:
        raise ValueError("step_days must be positive")
    day = start
    while day <= end:
        yield day
        day += timedelta(days=step_days)


def month_end(day: date) -> date:
    """Last day of ``day``'s month."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=last)


def add_months(day: date, months: int) -> date:
    """Shift by calendar months, clamping the day (Jan 31 + 1 month = Feb 28/29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def iso_week_dates(year: int, week: int) -> tuple[date, date]:
    """Monday and Sunday of ISO week ``week`` of ``year``."""
    jan4 = date(year, 1, 4)
    week1_monday = jan4 - timedelta(days=jan4.weekday())
    monday = week1_monday + timedelta(weeks=week - 1)
    return monday, monday + timedelta(days=6)


def quarter_of(day: date) -> int:
    """Calendar quarter 1..4."""
    return (day.month - 1) // 3 + 1


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (not counting a partial month)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months
