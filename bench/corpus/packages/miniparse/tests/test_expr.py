import pytest

from miniparse import ExprError, evaluate, tokenize


def test_tokenize():
    assert tokenize("2**x + 3.5*(y-1)") == ["2", "**", "x", "+", "3.5", "*", "(", "y", "-", "1", ")"]


def test_precedence():
    assert evaluate("2 + 3 * 4") == 14
    assert evaluate("(2 + 3) * 4") == 20
    assert evaluate("10 - 4 - 3") == 3
    assert evaluate("20 / 5 / 2") == 2


def test_power_right_assoc_and_unary():
    assert evaluate("2 ** 3 ** 2") == 512
    assert evaluate("-2 ** 2") == -4
    assert evaluate("2 ** -1") == 0.5


def test_modulo_and_floats():
    assert evaluate("7 % 4 + .5") == 3.5


def test_variables():
    assert evaluate("rate * hours", {"rate": 12.5, "hours": 8}) == 100


def test_errors():
    for bad in ["1 +", "(1 + 2", "1 2", "x", "3 $ 4", "1 / 0"]:
        with pytest.raises(ExprError):
            evaluate(bad)
