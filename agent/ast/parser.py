"""Parsing Python with tree-sitter: one cached parser, syntax-error discovery and the validity gate
every candidate patch must pass (no ERROR/MISSING node and CPython's own `compile()` agrees)."""
from __future__ import annotations

import functools
import warnings

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Tree

__all__ = ["PY_LANGUAGE", "parse", "syntax_errors", "is_valid_python"]

PY_LANGUAGE = Language(tree_sitter_python.language())


@functools.cache
def _parser() -> Parser:
    return Parser(PY_LANGUAGE)


def parse(src: bytes) -> Tree:
    return _parser().parse(src)


def syntax_errors(tree: Tree) -> list[tuple[int, int]]:
    """(1-based line, 0-based byte column) of every ERROR or MISSING node, in source order."""
    found: list[tuple[int, int]] = []
    stack: list[Node] = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            found.append((node.start_point.row + 1, node.start_point.column))
            continue
        stack.extend(c for c in node.children if c.has_error or c.is_missing)
    return sorted(found)


def is_valid_python(src: bytes, filename: str = "<candidate>") -> bool:
    if parse(src).root_node.has_error:
        return False
    with warnings.catch_warnings():
        # A file may legitimately carry SyntaxWarnings (e.g. "\d" in a regex); they are not errors.
        warnings.simplefilter("ignore")
        try:
            compile(src, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True
