import pytest

from textkit import TemplateError, render


def test_simple_substitution():
    assert render("Hello {{ name }}!", {"name": "Ada"}) == "Hello Ada!"


def test_nested_lookup_and_numbers():
    ctx = {"user": {"name": "ada", "age": 36}}
    assert render("{{user.name}} is {{ user.age }}", ctx) == "ada is 36"


def test_filters_chain():
    assert render("{{ name | strip | upper }}", {"name": "  ada "}) == "ADA"


def test_missing_strict_raises():
    with pytest.raises(TemplateError):
        render("{{ nope }}", {})


def test_missing_lenient_is_empty():
    assert render("[{{ nope }}]", {}, strict=False) == "[]"


def test_unknown_filter():
    with pytest.raises(TemplateError):
        render("{{ x | shout }}", {"x": "a"})


def test_attribute_lookup():
    class P:
        title = "Dr"
    assert render("{{ p.title | lower }}", {"p": P()}) == "dr"
