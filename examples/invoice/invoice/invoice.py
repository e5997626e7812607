"""An invoice: lines of (description, unit price, quantity)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .pricing import line_total, with_tax


@dataclass
class Invoice:
    tax_rate: float = 0.2
    lines: list[tuple[str, float, int]] = field(default_factory=list)

    def add(self, description: str, unit_price: float, quantity: int = 1) -> None:
        self.lines.append((description, unit_price, quantity))

    def subtotal(self) -> float:
        return round(sum(line_total(price, qty) for _, price, qty in self.lines), 2)

    def total(self) -> float:
        return with_tax(self.subtotal(), self.tax_rate)
