"""agent.reproduce.discover: the tests pytest would collect, read with tree-sitter."""
from agent import find_tests, is_test_file

SOURCE = '''import pytest

def test_plain():
    pass

@pytest.mark.parametrize("x", [1])
async def test_decorated(x):
    pass

def helper():
    pass

class TestOuter:
    def test_method(self):
        pass

    def not_a_test(self):
        pass

    class TestInner:
        def test_nested(self):
            pass

class TestWithInit:
    def __init__(self):
        pass

    def test_skipped_by_pytest(self):
        pass

class Helper:
    def test_not_collected(self):
        pass

def test_ünïcode_𝔘():
    pass
'''


def test_finds_functions_methods_and_nested_classes():
    found = find_tests(SOURCE)
    assert [t.node_id for t in found] == [
        "test_plain", "test_decorated", "TestOuter::test_method", "TestOuter::TestInner::test_nested",
        "test_ünïcode_𝔘"]


def test_positions_are_one_based_lines_and_str_columns():
    found = {t.node_id: t for t in find_tests(SOURCE)}
    plain = found["test_plain"]
    assert (plain.line, plain.start_col, plain.end_col) == (3, 4, 14)
    decorated = found["test_decorated"]
    assert (decorated.line, decorated.def_start_line, decorated.def_end_line) == (7, 6, 8)
    uni = found["test_ünïcode_𝔘"]
    line = SOURCE.splitlines()[uni.line - 1]
    assert line[uni.start_col:uni.end_col] == "test_ünïcode_𝔘"


def test_broken_source_still_yields_what_parses():
    names = [t.name for t in find_tests("def test_a():\n    pass\n\ndef test_b(:\n")]
    assert names[0] == "test_a"


def test_is_test_file():
    assert is_test_file("tests/test_x.py") and is_test_file("pkg/x_test.py")
    assert not is_test_file("pkg/testing.py") and not is_test_file("tests/test_x.txt")
