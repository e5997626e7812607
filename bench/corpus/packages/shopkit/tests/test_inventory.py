import pytest

from shopkit import Inventory, InventoryError, Item


@pytest.fixture
def inv():
    inv = Inventory()
    inv.add_item(Item("A1", "apple", 0.5, quantity=100, reorder_level=20, tags=["Fruit"]))
    inv.add_item(Item("B2", "bread", 2.25, quantity=10, reorder_level=10, tags=["bakery"]))
    inv.add_item(Item("C3", "cheese", 7.0, quantity=5, reorder_level=2, tags=["dairy", "fruit"]))
    return inv


def test_add_duplicate_rejected(inv):
    with pytest.raises(InventoryError):
        inv.add_item(Item("A1", "again", 1.0))


def test_len_and_contains(inv):
    assert len(inv) == 3
    assert "B2" in inv and "Z9" not in inv


def test_unknown_sku(inv):
    with pytest.raises(InventoryError):
        inv.get("nope")


def test_restock_and_remove(inv):
    inv.restock("B2", 5)
    inv.remove("B2", 3)
    assert inv.get("B2").quantity == 12
    assert inv.movements("B2") == 2


def test_remove_exact_stock(inv):
    inv.remove("C3", 5)
    assert inv.get("C3").quantity == 0


def test_remove_too_much(inv):
    with pytest.raises(InventoryError):
        inv.remove("C3", 6)


def test_needs_reorder_includes_level(inv):
    assert inv.needs_reorder() == ["B2"]
    inv.remove("A1", 80)
    assert inv.needs_reorder() == ["A1", "B2"]


def test_total_value(inv):
    assert inv.total_value() == 50 + 22.5 + 35


def test_find_by_tag_case_insensitive(inv):
    assert [i.sku for i in inv.find_by_tag("fruit")] == ["A1", "C3"]


def test_most_valuable(inv):
    assert [i.sku for i in inv.most_valuable(2)] == ["A1", "C3"]


def test_movements_other_sku_ignored(inv):
    inv.restock("A1", 4)
    inv.remove("C3", 1)
    assert inv.movements("A1") == 4
    assert inv.movements("C3") == -1
