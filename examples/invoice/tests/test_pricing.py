import pytest

from invoice.pricing import line_total, with_tax


def test_small_quantity_pays_full_price():
    assert line_total(2.5, 4) == 10.0


def test_bulk_discount_starts_at_threshold():
    assert line_total(1.0, 10) == 9.0


def test_bulk_discount_above_threshold():
    assert line_total(1.0, 20) == 18.0


def test_negative_quantity_is_refused():
    with pytest.raises(ValueError):
        line_total(1.0, -1)


def test_tax():
    assert with_tax(100.0, 0.2) == 120.0
