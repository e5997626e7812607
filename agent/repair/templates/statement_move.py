"""Misplaced-statement repairs: move the statement one position up or down within its block
(e.g. an increment that should happen after the value is used)."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import SIMPLE_TYPES, text
from ..site import Fix, Site, prior_of, shorten

KIND = "statement.move"
PRIOR = prior_of(KIND)


def _neighbour(node: Node, forward: bool) -> Node | None:
    sibling = node.next_named_sibling if forward else node.prev_named_sibling
    while sibling is not None and sibling.type == "comment":
        sibling = sibling.next_named_sibling if forward else sibling.prev_named_sibling
    return sibling


def generate(site: Site) -> Iterable[Fix]:
    stmt = site.stmt
    if stmt.type not in SIMPLE_TYPES or stmt.parent is None or not site.owns_lines():
        return
    for forward, word in ((False, "up"), (True, "down")):
        other = _neighbour(stmt, forward)
        if other is None or not other.type.endswith("_statement") or not site.owns_lines(other):
            continue
        if stmt.type == "return_statement" and forward:
            continue
        a_start, a_end = site.line_region(stmt)
        b_start, b_end = site.line_region(other)
        a_text = site.src[a_start:a_end].decode("utf-8", errors="surrogateescape")
        b_text = site.src[b_start:b_end].decode("utf-8", errors="surrogateescape")
        if not a_text.endswith(("\n", "\r")) or not b_text.endswith(("\n", "\r")) or a_text == b_text:
            continue
        yield Fix(((a_start, a_end, b_text), (b_start, b_end, a_text)),
                  f"move `{shorten(text(stmt))}` {word}")
