"""Stock keeping: items, quantities and reorder rules."""
from __future__ import annotations

from dataclasses import dataclass, field


class InventoryError(Exception):
    """Raised for any invalid inventory operation."""


@dataclass
class Item:
    """A stock keeping unit with its price and current quantity."""

    sku: str
    name: str
    unit_price: float
    quantity: int = 0
    reorder_level: int = 0
    tags: list[str] = field(default_factory=list)

    @property
    def value(self) -> float:
        """Total value of the stock held for this item."""
        return self.unit_price * self.quantity


class Inventory:
    """A collection of items indexed by SKU, with a movement log."""

    def __init__(self) -> None:
        self._items: dict[str, Item] = {}
        self.log: list[tuple[str, str, int]] = []

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, sku: str) -> bool:
        return sku in self._items

    def add_item(self, item: Item) -> None:
        """Register a new item; SKUs must be unique and quantities non-negative."""
        if item.sku in self._items:
            raise InventoryError(f"duplicate sku {item.sku!r}")
        if item.quantity < 0:
            raise InventoryError("quantity cannot be negative")
        self._items[item.sku] = item

    def get(self, sku: str) -> Item:
        """Return the item for ``sku`` or raise InventoryError."""
        try:
            return self._items[sku]
        except KeyError:
            raise InventoryError(f"unknown sku {sku!r}") from None

    def restock(self, sku: str, qty: int) -> None:
        """Add ``qty`` units of ``sku`` to the stock."""
        if qty <= 0:
            raise InventoryError("restock quantity must be positive")
        item = self.get(sku)
        item.quantity += qty
        self.log.append(("in", sku, qty))

    def remove(self, sku: str, qty: int) -> None:
        """Take ``qty`` units of ``sku`` out of the stock."""
        item = self.get(sku)
        if qty <= 0:
            raise InventoryError("removal quantity must be positive")
        if qty > item.quantity:
            raise InventoryError(f"insufficient stock for {sku!r}")
        item.quantity -= qty
        self.log.append(("out", sku, qty))

    def needs_reorder(self) -> list[str]:
        """SKUs whose quantity has fallen to (or below) their reorder level."""
        return sorted(sku for sku, item in self._items.items()
                      if item.quantity <= item.reorder_level)

    def total_value(self) -> float:
        """Value of the whole stock, rounded to cents."""
        return round(sum(item.value for item in self._items.values()), 2)

    def find_by_tag(self, tag: str) -> list[Item]:
        """Items carrying ``tag`` (case-insensitive), in insertion order."""
        tag = tag.lower()
        return [item for item in self._items.values()
                if tag in (t.lower() for t in item.tags)]

    def most_valuable(self, n: int = 3) -> list[Item]:
        """The ``n`` items with the highest stock value, highest first."""
        ranked = sorted(self._items.values(), key=lambda item: item.value, reverse=True)
        return ranked[:n]

    def movements(self, sku: str) -> int:
        """Net movement of ``sku`` recorded in the log (in minus out)."""
        net = 0
        for direction, logged_sku, qty in self.log:
            if logged_sku != sku:
                continue
            net += qty if direction == "in" else -qty
        return net
