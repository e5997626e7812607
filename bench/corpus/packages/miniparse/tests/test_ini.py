import pytest

from miniparse import IniError, parse_ini

SAMPLE = """
; top comment
name = demo

[server]
Host = example.org
port: 8080
debug = yes
ratio = 0.5
motd = "  hello = world  "

[empty]
"""


def test_sections_and_default():
    cfg = parse_ini(SAMPLE)
    assert cfg["DEFAULT"] == {"name": "demo"}
    assert cfg["empty"] == {}


def test_typed_values_and_lowercase_keys():
    server = parse_ini(SAMPLE)["server"]
    assert server["host"] == "example.org"
    assert server["port"] == 8080
    assert server["debug"] is True
    assert server["ratio"] == 0.5


def test_quoted_value_verbatim():
    assert parse_ini(SAMPLE)["server"]["motd"] == "  hello = world  "


def test_value_with_colon_after_equals():
    assert parse_ini("url = http://x:80/")["DEFAULT"]["url"] == "http://x:80/"


def test_errors_report_line():
    with pytest.raises(IniError) as info:
        parse_ini("a = 1\n[broken\n")
    assert info.value.lineno == 2
    with pytest.raises(IniError):
        parse_ini("just a line")
