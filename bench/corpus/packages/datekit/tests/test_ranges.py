from datetime import date

import pytest

from datekit import add_months, date_range, iso_week_dates, month_end, quarter_of
from datekit.ranges import months_between


def test_date_range_inclusive():
    days = list(date_range(date(2024, 2, 27), date(2024, 3, 1)))
    assert days == [date(2024, 2, 27), date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)]


def test_date_range_step():
    assert list(date_range(date(2024, 1, 1), date(2024, 1, 10), 4)) == [
        date(2024, 1, 1), date(2024, 1, 5), date(2024, 1, 9)]
    with pytest.raises(ValueError):
        list(date_range(date(2024, 1, 1), date(2024, 1, 2), 0))


def test_month_end():
    assert month_end(date(2024, 2, 10)) == date(2024, 2, 29)
    assert month_end(date(2023, 12, 1)) == date(2023, 12, 31)


def test_add_months_clamps_and_wraps():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 15), 3) == date(2024, 2, 15)
    assert add_months(date(2024, 1, 15), -1) == date(2023, 12, 15)


def test_iso_week_dates():
    assert iso_week_dates(2024, 1) == (date(2024, 1, 1), date(2024, 1, 7))
    assert iso_week_dates(2021, 1) == (date(2021, 1, 4), date(2021, 1, 10))


def test_quarter_of():
    assert [quarter_of(date(2024, m, 1)) for m in (1, 3, 4, 12)] == [1, 1, 2, 4]


def test_months_between():
    assert months_between(date(2024, 1, 31), date(2024, 3, 30)) == 1
    assert months_between(date(2024, 1, 15), date(2024, 3, 15)) == 2
