import pytest

from shopkit import Cart, Coupon, Inventory, InventoryError, Item


@pytest.fixture
def inv():
    inv = Inventory()
    inv.add_item(Item("A1", "apple", 0.5, quantity=100))
    inv.add_item(Item("B2", "bread", 2.25, quantity=10))
    inv.add_item(Item("C3", "cheese", 7.0, quantity=5))
    return inv


def test_subtotal(inv):
    cart = Cart(inv)
    cart.add("A1", 4)
    cart.add("C3")
    assert cart.subtotal() == 9.0
    assert cart.item_count() == 5


def test_cannot_exceed_stock(inv):
    cart = Cart(inv)
    cart.add("C3", 3)
    with pytest.raises(InventoryError):
        cart.add("C3", 3)


def test_can_take_whole_stock(inv):
    cart = Cart(inv)
    cart.add("C3", 5)
    assert cart.lines == {"C3": 5}


def test_remove_partial_and_all(inv):
    cart = Cart(inv)
    cart.add("B2", 4)
    cart.remove("B2", 1)
    assert cart.lines == {"B2": 3}
    cart.remove("B2", 3)
    assert cart.lines == {}


def test_best_coupon_wins(inv):
    cart = Cart(inv)
    cart.add("C3", 2)  # 14.0
    cart.apply_coupon(Coupon("TEN", percent=10))
    cart.apply_coupon(Coupon("TWO", fixed=2))
    assert cart.discount() == 2.0


def test_coupon_min_spend_boundary(inv):
    cart = Cart(inv)
    cart.add("C3", 2)  # 14.0
    cart.apply_coupon(Coupon("BIG", fixed=3, min_spend=14.0))
    assert cart.discount() == 3.0


def test_coupon_twice_rejected(inv):
    cart = Cart(inv)
    cart.apply_coupon(Coupon("X", fixed=1))
    with pytest.raises(ValueError):
        cart.apply_coupon(Coupon("X", fixed=2))


def test_total_with_tax_after_discount(inv):
    cart = Cart(inv, tax_rate=0.2)
    cart.add("A1", 20)  # 10.0
    cart.apply_coupon(Coupon("HALF", percent=50))
    assert cart.total() == 6.0


def test_checkout_updates_stock_and_receipt(inv):
    cart = Cart(inv)
    cart.add("B2", 2)
    receipt = cart.checkout()
    assert receipt["total"] == 4.5
    assert receipt["lines"] == {"B2": 2}
    assert inv.get("B2").quantity == 8
    assert cart.lines == {}
