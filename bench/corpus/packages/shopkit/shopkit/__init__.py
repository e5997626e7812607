"""shopkit: a tiny shop domain model (inventory, cart, bank accounts)."""
from .inventory import Inventory, InventoryError, Item
from .cart import Cart, Coupon
from .accounts import Account, InsufficientFunds, apply_interest

__all__ = ["Inventory", "InventoryError", "Item", "Cart", "Coupon",
           "Account", "InsufficientFunds", "apply_interest"]
