"""Spurious-statement repairs: delete the statement (a duplicated `total += x`, a stray reset, an
over-eager guard); a block left empty gets `pass`."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, shorten

KIND = "statement.delete"
PRIOR = prior_of(KIND)

_DELETABLE = frozenset({"expression_statement", "return_statement", "raise_statement",
                        "break_statement", "continue_statement", "assert_statement",
                        "delete_statement", "if_statement"})
_MAX_COMPOUND_LINES = 6


def generate(site: Site) -> Iterable[Fix]:
    stmt = site.stmt
    if stmt.type not in _DELETABLE or not site.owns_lines():
        return
    if stmt.type not in ("expression_statement", "return_statement", "raise_statement",
                         "break_statement", "continue_statement", "assert_statement",
                         "delete_statement") and site.last_line - site.first_line >= _MAX_COMPOUND_LINES:
        return
    start, end = site.line_region()
    siblings = [c for c in stmt.parent.named_children if c.type != "comment"] if stmt.parent else []
    if stmt.parent is not None and stmt.parent.type == "block" and len(siblings) == 1:
        filler = f"{site.indent}pass{site.newline}"
    elif stmt.parent is not None and stmt.parent.type == "module" and len(siblings) == 1:
        filler = "pass" + site.newline
    else:
        filler = ""
    yield Fix(((start, end, filler),), f"delete `{shorten(text(stmt))}`")
