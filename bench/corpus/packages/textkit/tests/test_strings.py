import pytest

from textkit import camel_case, slugify, snake_case, truncate, wrap


def test_slugify_basic():
    assert slugify("Hello, World!") == "hello-world"


def test_slugify_accents_and_sep():
    assert slugify("Crème Brûlée  recipe", sep="_") == "creme_brulee_recipe"


def test_slugify_max_length_no_trailing_sep():
    assert slugify("one two three", max_length=8) == "one-two"


def test_snake_case_acronyms():
    assert snake_case("parseHTTPResponse") == "parse_http_response"
    assert snake_case("already_snake-case") == "already_snake_case"


def test_camel_case():
    assert camel_case("http_server_error") == "httpServerError"
    assert camel_case("http server error", upper_first=True) == "HttpServerError"
    assert camel_case("") == ""


def test_truncate():
    assert truncate("short", 10) == "short"
    assert truncate("exactly10!", 10) == "exactly10!"
    assert truncate("a long sentence here", 10) == "a long ..."
    assert truncate("abcdef", 2) == ".."


def test_wrap_exact_width():
    assert wrap("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]


def test_wrap_long_word():
    assert wrap("hi supercalifragilistic yo", 5) == ["hi", "supercalifragilistic", "yo"]


def test_wrap_empty_and_invalid():
    assert wrap("   ", 4) == []
    with pytest.raises(ValueError):
        wrap("x", 0)
