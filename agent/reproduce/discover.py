"""Find the tests pytest would collect in one source file, without importing it: module-level
`test*` functions and `test*` methods of `Test*` classes (nested classes included), sync or async,
decorated or not. Read with tree-sitter, so a file that does not parse still yields what it can.

Positions in a `TestFunction` are 0-based lines and str-index columns (what an editor needs);
`agent.ast.offsets` does the byte -> str conversion.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from tree_sitter import Node

from agent.ast.offsets import Offsets
from agent.ast.parser import parse

__all__ = ["TestFunction", "find_tests", "is_test_file"]


@dataclass(frozen=True)
class TestFunction:
    """One collectable test. `node_id` is the part of the pytest node id after the file:
    "test_x" or "TestK::test_m"."""
    name: str
    node_id: str
    line: int          # 0-based line of the name
    start_col: int     # str-index columns of the name on that line, [start_col, end_col)
    end_col: int
    def_start_line: int  # 0-based lines spanned by the whole definition (decorators included)
    def_end_line: int    # inclusive

    __test__ = False     # not a pytest test class itself


def is_test_file(path: str) -> bool:
    """pytest's default `python_files`: test_*.py and *_test.py."""
    name = PurePosixPath(path.replace("\\", "/")).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def find_tests(source: str) -> list[TestFunction]:
    """Every test function and test method in `source`, in source order."""
    src = source.encode("utf-8", errors="surrogateescape")
    offsets = Offsets(src)
    found: list[TestFunction] = []
    _collect(parse(src).root_node, (), offsets, found)
    return found


def _collect(block: Node, classes: tuple[str, ...], offsets: Offsets, out: list[TestFunction]) -> None:
    for child in block.named_children:
        outer, definition = child, child
        if child.type == "decorated_definition":
            definition = child.child_by_field_name("definition") or child
        name_node = definition.child_by_field_name("name")
        if name_node is None:
            continue
        name = (name_node.text or b"").decode("utf-8", errors="surrogateescape")
        if definition.type == "function_definition" and name.startswith("test"):
            out.append(_record(name, classes, name_node, outer, offsets))
        elif definition.type == "class_definition" and name.startswith("Test"):
            body = definition.child_by_field_name("body")
            if body is not None and not _has_init(body):
                _collect(body, classes + (name,), offsets, out)


def _has_init(body: Node) -> bool:
    """pytest skips test classes that define __init__."""
    for child in body.named_children:
        definition = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if definition is not None and definition.type == "function_definition":
            name = definition.child_by_field_name("name")
            if name is not None and name.text == b"__init__":
                return True
    return False


def _record(name: str, classes: tuple[str, ...], name_node: Node, outer: Node,
            offsets: Offsets) -> TestFunction:
    line, start_col = offsets.byte_to_char_point(name_node.start_byte)
    _, end_col = offsets.byte_to_char_point(name_node.end_byte)
    return TestFunction(name=name, node_id="::".join(classes + (name,)), line=line - 1,
                        start_col=start_col, end_col=end_col,
                        def_start_line=outer.start_point.row, def_end_line=outer.end_point.row)
