from invoice.invoice import Invoice


def test_empty_invoice_is_free():
    assert Invoice().total() == 0.0


def test_total_includes_tax():
    inv = Invoice(tax_rate=0.1)
    inv.add("pen", 1.5, 2)
    inv.add("pad", 4.0)
    assert inv.total() == 7.7
