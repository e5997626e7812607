import pytest

from datekit import format_duration, parse_duration


def test_parse_simple():
    assert parse_duration("90s") == 90
    assert parse_duration("1h30m") == 5400


def test_parse_spaces_and_case():
    assert parse_duration(" 2D 4h ") == 2 * 86400 + 4 * 3600
    assert parse_duration("1w") == 604800


def test_parse_invalid():
    for bad in ["", "abc", "5", "1h x", "h1"]:
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_format():
    assert format_duration(5400) == "1h30m"
    assert format_duration(0) == "0s"
    assert format_duration(90061) == "1d1h1m1s"


def test_roundtrip():
    for s in [1, 59, 61, 3600, 86399, 700000]:
        assert parse_duration(format_duration(s)) == s
