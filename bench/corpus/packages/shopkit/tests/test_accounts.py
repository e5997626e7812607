import pytest

from shopkit import Account, InsufficientFunds, apply_interest


def test_deposit_withdraw():
    acc = Account("ann", 100)
    acc.deposit(50)
    acc.withdraw(30)
    assert acc.balance == 120
    assert acc.history == [("deposit", 50), ("withdraw", 30)]


def test_overdraft_limit_exact():
    acc = Account("bob", 10, overdraft_limit=20)
    acc.withdraw(30)
    assert acc.balance == -20
    with pytest.raises(InsufficientFunds):
        acc.withdraw(0.01)


def test_invalid_amounts():
    acc = Account("cy")
    with pytest.raises(ValueError):
        acc.deposit(0)
    with pytest.raises(ValueError):
        acc.withdraw(-5)


def test_transfer_moves_money():
    a, b = Account("a", 100), Account("b", 5)
    a.transfer(b, 40)
    assert (a.balance, b.balance) == (60, 45)


def test_histories_are_independent():
    a, b = Account("a"), Account("b")
    a.deposit(1)
    assert b.history == []


def test_apply_interest_skips_overdrawn():
    accs = [Account("a", 100), Account("b", -50, overdraft_limit=100), Account("c", 0)]
    paid = apply_interest(accs, 0.05)
    assert paid == 5.0
    assert [a.balance for a in accs] == [105.0, -50, 0]
