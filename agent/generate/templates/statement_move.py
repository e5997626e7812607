"""Misplaced-statement repairs: move the statement one position up or down within its block
(e.g. an increment that should happen after the value is used), or fix its indentation: a statement
right after a loop or `if` indented into that block's body (an accumulation dedented out of its
loop), and the last statement of such a block dedented out of it."""
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
    yield from _indentation(site)
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


_BLOCKS = frozenset({"for_statement", "while_statement", "if_statement", "with_statement"})


def _indentation(site: Site) -> Iterable[Fix]:
    stmt = site.stmt
    start, end = site.line_region()
    if site.src[end - 1:end] != b"\n" or stmt.end_point.row != stmt.start_point.row:
        return
    prev = stmt.prev_named_sibling
    if prev is not None and prev.type in _BLOCKS and prev.end_point.row + 1 == stmt.start_point.row:
        last = prev.named_children[-1]
        if last.type == "block" and last.named_children:
            indent = site.offsets.indent_of(last.named_children[0].start_point.row + 1)
            if len(indent) > len(site.indent):
                yield Fix(((start, end, site.reindent(stmt, indent)),),
                          f"indent `{shorten(text(stmt))}` into the `{prev.type.split('_')[0]}` above")
    block = stmt.parent
    owner = block.parent if block is not None and block.type == "block" else None
    if owner is not None and owner.type in _BLOCKS and stmt.next_named_sibling is None \
            and owner.named_children[-1] == block and stmt.prev_named_sibling is not None:
        indent = site.offsets.indent_of(owner.start_point.row + 1)
        yield Fix(((start, end, site.reindent(stmt, indent)),),
                  f"dedent `{shorten(text(stmt))}` out of the `{owner.type.split('_')[0]}`")
