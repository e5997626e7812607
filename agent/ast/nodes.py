"""Small tree-sitter navigation helpers shared by scope analysis and the repair templates:
text of a node, enclosing definitions, the statements that sit on a source line."""
from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node, Tree

from .offsets import Offsets

__all__ = ["text", "field_node", "parent_of", "enclosing", "walk", "statements_on_line", "STATEMENT_TYPES",
           "COMPOUND_TYPES", "SIMPLE_TYPES"]

COMPOUND_TYPES = frozenset({
    "if_statement", "for_statement", "while_statement", "try_statement", "with_statement",
    "function_definition", "class_definition", "decorated_definition", "match_statement",
})
CLAUSE_TYPES = frozenset({"elif_clause", "else_clause", "except_clause", "finally_clause",
                          "case_clause"})
SIMPLE_TYPES = frozenset({
    "expression_statement", "return_statement", "pass_statement", "break_statement",
    "continue_statement", "raise_statement", "assert_statement", "delete_statement",
    "import_statement", "import_from_statement", "global_statement", "nonlocal_statement",
    "future_import_statement", "print_statement", "exec_statement", "type_alias_statement",
})
STATEMENT_TYPES = COMPOUND_TYPES | CLAUSE_TYPES | SIMPLE_TYPES


def text(node: Node) -> str:
    return node.text.decode("utf-8", errors="surrogateescape") if node.text is not None else ""


def field_node(node: Node, name: str) -> Node:
    """The child in field `name` of a node whose grammar rule always fills it (a call's `function`,
    a binary operator's `left`); ValueError where it is absent."""
    child = node.child_by_field_name(name)
    if child is None:
        raise ValueError(f"{node.type} at {node.start_point} has no {name!r}")
    return child


def parent_of(node: Node) -> Node:
    """The parent of a node that is not the root (a captured name, an operand)."""
    up = node.parent
    if up is None:
        raise ValueError(f"{node.type} at {node.start_point} is the root")
    return up


def enclosing(node: Node, types: frozenset[str] | set[str]) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in types:
        parent = parent.parent
    return parent


def walk(node: Node, *, skip: frozenset[str] = frozenset()) -> Iterator[Node]:
    """Pre-order walk over named descendants (including `node`), not entering `skip` types."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current.type in skip and current is not node:
            continue
        stack.extend(reversed(current.named_children))


def statements_on_line(tree: Tree, offsets: Offsets, line: int) -> list[Node]:
    """The innermost statements (or clauses such as `elif`) that start on `line`, or, for a
    continuation line, the statement that spans it."""
    if not 1 <= line <= offsets.line_count:
        return []
    start, end = offsets.line_span(line)
    content = offsets.src[start:end]
    stripped = len(content) - len(content.lstrip())
    if stripped == len(content) or content.lstrip().startswith(b"#"):
        return []
    first = tree.root_node.descendant_for_byte_range(start + stripped, start + stripped)
    node = first
    while node is not None and node.type not in STATEMENT_TYPES:
        node = node.parent
    if node is None:
        return []
    if node.start_point.row + 1 != line:
        return [node]
    found = [node]
    sibling = node.next_named_sibling
    while sibling is not None and sibling.start_point.row + 1 == line:
        if sibling.type in STATEMENT_TYPES:
            found.append(sibling)
        sibling = sibling.next_named_sibling
    return found
