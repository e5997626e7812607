from miniparse import build_qs, parse_qs
from miniparse.query import quote, unquote


def test_parse_repeated_and_leading_question():
    assert parse_qs("?a=1&b=2&a=3") == {"a": ["1", "3"], "b": ["2"]}


def test_parse_blank_values():
    assert parse_qs("a=&b=1") == {"b": ["1"]}
    assert parse_qs("a=&b=1", keep_blank=True) == {"a": [""], "b": ["1"]}


def test_unquote():
    assert unquote("caf%C3%A9+au+lait") == "café au lait"
    assert unquote("100%") == "100%"
    assert unquote("%2") == "%2"
    assert unquote("a%2Fb") == "a/b"


def test_quote():
    assert quote("a b/c~") == "a+b%2Fc~"


def test_build_roundtrip():
    params = {"q": "fish & chips", "tag": ["a", "b"], "n": 3}
    qs = build_qs(params)
    assert qs == "q=fish+%26+chips&tag=a&tag=b&n=3"
    assert parse_qs(qs) == {"q": ["fish & chips"], "tag": ["a", "b"], "n": ["3"]}
