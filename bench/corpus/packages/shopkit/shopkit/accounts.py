"""Bank accounts with overdrafts, transfers and interest."""
from __future__ import annotations


class InsufficientFunds(Exception):
    """Raised when a withdrawal would exceed the overdraft limit."""


class Account:
    """A bank account; ``history`` records (kind, amount) pairs."""

    def __init__(self, owner: str, balance: float = 0.0, overdraft_limit: float = 0.0,
                 history: list | None = None) -> None:
        self.owner = owner
        self.balance = balance
        self.overdraft_limit = overdraft_limit
        self.history = history if history is not None else []

    def deposit(self, amount: float) -> None:
        """Put money in; the amount must be positive."""
        if amount <= 0:
            raise ValueError("deposit must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))

    def withdraw(self, amount: float) -> None:
        """Take money out, going at most ``overdraft_limit`` below zero."""
        if amount <= 0:
            raise ValueError("withdrawal must be positive")
        if amount > self.balance + self.overdraft_limit:
            raise InsufficientFunds(f"{self.owner} cannot withdraw {amount}")
        self.balance -= amount
        self.history.append(("withdraw", amount))

    def transfer(self, other: "Account", amount: float) -> None:
        """Move ``amount`` from this account to ``other``."""
        self.withdraw(amount)
        other.deposit(amount)

    def available(self) -> float:
        """What can still be withdrawn right now."""
        return self.balance + self.overdraft_limit


def apply_interest(accounts: list[Account], rate: float) -> float:
    """Credit interest to every account in credit; return the total paid."""
    paid = 0.0
    for account in accounts:
        if account.balance > 0:
            interest = round(account.balance * rate, 2)
            account.deposit(interest)
            paid += interest
    return round(paid, 2)
