"""Line totals, bulk discounts and tax for an invoice."""
from __future__ import annotations

BULK_THRESHOLD = 10       # quantities of 10 or more get the bulk discount
BULK_DISCOUNT = 0.1


def line_total(unit_price: float, quantity: int) -> float:
    """Price of one invoice line, with the bulk discount applied from BULK_THRESHOLD items on."""
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    total = unit_price * quantity
    if quantity > BULK_THRESHOLD:
        total -= total * BULK_DISCOUNT
    return round(total, 2)


def with_tax(amount: float, rate: float) -> float:
    return round(amount * (1 + rate), 2)
