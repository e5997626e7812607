"""Shopping cart with coupons and tax, backed by an Inventory."""
from __future__ import annotations

from dataclasses import dataclass

from .inventory import Inventory, InventoryError


@dataclass(frozen=True)
class Coupon:
    """A discount: a percentage and/or a fixed amount, above a minimum spend."""

    code: str
    percent: float = 0.0
    fixed: float = 0.0
    min_spend: float = 0.0

    def amount_off(self, subtotal: float) -> float:
        """Discount this coupon gives on ``subtotal`` (never more than it)."""
        off = subtotal * self.percent / 100 + self.fixed
        return min(off, subtotal)


class Cart:
    """Lines of SKU -> quantity; prices are read from the inventory."""

    def __init__(self, inventory: Inventory, tax_rate: float = 0.0) -> None:
        self.inventory = inventory
        self.tax_rate = tax_rate
        self.lines: dict[str, int] = {}
        self.coupons: list[Coupon] = []

    def add(self, sku: str, qty: int = 1) -> None:
        """Add ``qty`` units; the cart may never hold more than the stock."""
        item = self.inventory.get(sku)
        if qty <= 0:
            raise ValueError("quantity must be positive")
        current = self.lines.get(sku, 0)
        if current + qty > item.quantity:
            raise InventoryError(f"only {item.quantity} of {sku!r} in stock")
        self.lines[sku] = current + qty

    def remove(self, sku: str, qty: int | None = None) -> None:
        """Remove ``qty`` units (all of them when ``qty`` is None)."""
        if sku not in self.lines:
            raise KeyError(sku)
        if qty is None or qty >= self.lines[sku]:
            del self.lines[sku]
        else:
            self.lines[sku] -= qty

    def item_count(self) -> int:
        """Number of units in the cart."""
        return sum(self.lines.values())

    def subtotal(self) -> float:
        """Sum of line prices before discount and tax."""
        total = 0.0
        for sku, qty in self.lines.items():
            total += self.inventory.get(sku).unit_price * qty
        return round(total, 2)

    def apply_coupon(self, coupon: Coupon) -> None:
        """Attach a coupon; the same code cannot be applied twice."""
        if any(c.code == coupon.code for c in self.coupons):
            raise ValueError(f"coupon {coupon.code!r} already applied")
        self.coupons.append(coupon)

    def discount(self) -> float:
        """The best single eligible coupon discount (coupons do not stack)."""
        subtotal = self.subtotal()
        best = 0.0
        for coupon in self.coupons:
            if subtotal >= coupon.min_spend:
                best = max(best, coupon.amount_off(subtotal))
        return round(best, 2)

    def total(self) -> float:
        """Amount to pay: discount first, then tax on the discounted amount."""
        taxable = self.subtotal() - self.discount()
        return round(taxable * (1 + self.tax_rate), 2)

    def checkout(self) -> dict:
        """Take the goods out of the inventory and return a receipt."""
        receipt = {
            "lines": dict(self.lines),
            "subtotal": self.subtotal(),
            "discount": self.discount(),
            "total": self.total(),
        }
        for sku, qty in self.lines.items():
            self.inventory.remove(sku, qty)
        self.lines.clear()
        self.coupons.clear()
        return receipt
