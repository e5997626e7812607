"""Loads the tree-sitter queries stored as `.scm` data files in `agent/ast/queries/` and runs them,
returning captures in source order (tree-sitter returns them grouped, not ordered)."""
from __future__ import annotations

import functools
from importlib import resources

from tree_sitter import Node, Query, QueryCursor

from .parser import PY_LANGUAGE

__all__ = ["load_query", "captures"]


@functools.cache
def load_query(name: str) -> Query:
    source = resources.files("agent.ast.queries").joinpath(f"{name}.scm").read_text("utf-8")
    return Query(PY_LANGUAGE, source)


def captures(name: str, node: Node) -> dict[str, list[Node]]:
    found = QueryCursor(load_query(name)).captures(node)
    return {key: sorted(nodes, key=lambda n: n.start_byte) for key, nodes in found.items()}
