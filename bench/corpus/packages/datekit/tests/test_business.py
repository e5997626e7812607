from datetime import date

from datekit import add_business_days, business_days_between, is_business_day
from datekit.business import next_business_day

FRI = date(2024, 3, 1)
MON = date(2024, 3, 4)


def test_is_business_day():
    assert is_business_day(FRI)
    assert not is_business_day(date(2024, 3, 2))
    assert not is_business_day(MON, holidays={MON})


def test_add_business_days_over_weekend():
    assert add_business_days(FRI, 1) == MON
    assert add_business_days(FRI, 0) == FRI
    assert add_business_days(MON, -1) == FRI


def test_add_business_days_with_holiday():
    assert add_business_days(FRI, 1, holidays={MON}) == date(2024, 3, 5)


def test_business_days_between():
    assert business_days_between(FRI, MON) == 1
    assert business_days_between(MON, date(2024, 3, 11)) == 5
    assert business_days_between(MON, FRI) == -1
    assert business_days_between(MON, MON) == 0


def test_next_business_day():
    assert next_business_day(date(2024, 3, 2)) == MON
    assert next_business_day(MON) == MON
