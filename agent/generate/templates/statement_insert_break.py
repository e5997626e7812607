"""Missing-`break` repairs: inside a loop, add `break` after the statement, or at the end of the
`if` block the statement opens (stop at the first match)."""
from __future__ import annotations

from collections.abc import Iterable

from ..site import Fix, Site, prior_of

KIND = "statement.insert_break"
PRIOR = prior_of(KIND)

_EXITS = frozenset({"break_statement", "return_statement", "raise_statement", "continue_statement"})


def generate(site: Site) -> Iterable[Fix]:
    if site.enclosing_loop() is None or not site.owns_lines():
        return
    target = site.stmt
    if target.type == "if_statement":
        block = target.child_by_field_name("consequence")
        children = [c for c in block.named_children if c.type != "comment"] if block else []
        if not children or children[-1].type in _EXITS or not site.owns_lines(children[-1]):
            return
        target = children[-1]
    elif target.type not in ("expression_statement",):
        return
    end = site.line_region(target)[1]
    if site.src[end - 1:end] != b"\n":
        return
    indent = site.offsets.indent_of(target.start_point.row + 1)
    yield Fix(((end, end, f"{indent}break{site.newline}"),), f"add `break` after line {target.end_point.row + 1}")
