"""Anti-patterns of plausible patches (agent.rank.antipatterns): each kind on a small before/after
pair, and patches that show none."""
from __future__ import annotations

import textwrap

import pytest

from agent.rank.antipatterns import anti_patterns


def _judge(before: str, old: str, new: str) -> tuple[str, ...]:
    src = textwrap.dedent(before)
    assert old in src
    return anti_patterns({"m.py": src.encode()}, {"m.py": src.replace(old, new, 1).encode()})


TREE = """
    def total_size(node, depth=0):
        size = node.size
        for child in node.children:
            size += total_size(child, depth + 1)
        return size
    """
PRIME = """
    def is_prime(n):
        if n < 2:
            return False
        d = 2
        while d * d <= n:
            if n % d == 0:
                return False
            d += 1
        return True
    """
SCAN = """
    def first_negative(values):
        for i in range(len(values)):
            if values[i] < 0:
                return i
        return -1
    """
RESERVE = """
    def reserve(stock, sku, qty):
        available = stock.get(sku, 0)
        if qty > available:
            raise ValueError(sku)
        assert qty >= 0
        stock[sku] = available - qty
        return stock[sku]
    """


@pytest.mark.parametrize("before,old,new,kind", [
    (TREE, "total_size(child, depth + 1)", "total_size(node.children[0], depth + 1)", "unused loop variable"),
    (PRIME, "while d * d <= n:", "while d <= n:", "degenerate loop bound"),
    (SCAN, "range(len(values))", "range(1)", "degenerate loop bound"),
    (SCAN, "range(len(values))", "range(0)", "degenerate loop bound"),
    (RESERVE, "    if qty > available:\n        raise ValueError(sku)\n", "", "deleted check"),
    (RESERVE, "raise ValueError(sku)", "pass", "deleted check"),
    (RESERVE, "    assert qty >= 0\n", "", "deleted check"),
    (RESERVE, "if qty > available:", "if available > available:", "deleted check"),
    (RESERVE, "if qty > available:", "if qty > available and qty < available:", "deleted check"),
    (RESERVE, "if qty > available:", "if False:", "deleted check"),
    (TREE, "depth + 1", "1", "unused parameter"),
], ids=["loop-variable", "sqrt-bound", "range-1", "range-0", "if-deleted", "raise-deleted",
        "assert-deleted", "self-comparison", "contradiction", "constant-test", "parameter"])
def test_anti_pattern_is_found(before, old, new, kind):
    assert kind in _judge(before, old, new)


@pytest.mark.parametrize("before,old,new", [
    (TREE, "size = node.size", "size = node.size * 2"),
    (PRIME, "d += 1", "d += 2"),
    (SCAN, "range(len(values))", "range(len(values) - 1)"),
    (SCAN, "values[i] < 0", "values[i] <= 0"),
    (RESERVE, "if qty > available:", "if qty >= available:"),
    (RESERVE, "if qty > available:", "if qty > available or qty < 0:"),
])
def test_ordinary_fixes_show_none(before, old, new):
    assert _judge(before, old, new) == ()


def test_unparsable_or_unchanged_files_show_none():
    assert anti_patterns({"m.py": b"def f(:\n"}, {"m.py": b"def f():\n    pass\n"}) == ()
    assert anti_patterns({"m.py": b"x = 1\n"}, {"m.py": b"x = 1\n"}) == ()
