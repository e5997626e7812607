import pytest

from numkit import Rational


def test_normalization():
    r = Rational(3, -6)
    assert (r.num, r.den) == (-1, 2)
    assert str(Rational(4, 2)) == "2"


def test_zero_denominator():
    with pytest.raises(ZeroDivisionError):
        Rational(1, 0)


def test_arithmetic():
    assert Rational(1, 2) + Rational(1, 3) == Rational(5, 6)
    assert Rational(1, 2) - Rational(1, 3) == Rational(1, 6)
    assert Rational(2, 3) * Rational(3, 4) == Rational(1, 2)
    assert Rational(1, 2) / Rational(1, 4) == 2


def test_int_interop():
    assert 1 + Rational(1, 2) == Rational(3, 2)
    assert Rational(1, 3) * 3 == 1


def test_ordering_negative():
    assert Rational(-1, 2) < Rational(1, 3)
    assert Rational(2, 3) > Rational(3, 5)
    assert sorted([Rational(1, 2), Rational(-3, 4), Rational(1, 3)]) == [
        Rational(-3, 4), Rational(1, 3), Rational(1, 2)]


def test_float_and_hash():
    assert float(Rational(1, 4)) == 0.25
    assert len({Rational(1, 2), Rational(2, 4)}) == 1
