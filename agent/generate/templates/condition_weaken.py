"""Condition weakening: add a disjunct over a name the condition already reads (`c` →
`x is None or c`, `not x or c`, `c or x`), drop one side of an `and`, or turn a chain's last `elif c:` into `else:`."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import field_node, text
from ..site import Fix, Site, prior_of, replace
from ._names import mentioned_names

KIND = "condition.weaken"
PRIOR = prior_of(KIND)

_LOOSE = frozenset({"conditional_expression", "named_expression", "lambda"})


def generate(site: Site) -> Iterable[Fix]:
    names = mentioned_names(site)
    for cond in site.conditions():
        body = f"({text(cond)})" if cond.type in _LOOSE else text(cond)
        for name in names:
            if f"{name} is None" not in text(cond) and name != text(cond):
                yield replace(cond, f"{name} is None or {body}")
            if name != text(cond):
                yield replace(cond, f"not {name} or {body}")
                yield replace(cond, f"{body} or {name}")
        yield from _drop_and_operand(cond)
    yield from _elif_to_else(site)


def _elif_to_else(site: Site) -> Iterable[Fix]:
    """The last `elif c:` of a chain → `else:` (a case the chain wrongly leaves out)."""
    stmt = site.stmt
    if stmt.type != "elif_clause" or stmt.next_named_sibling is not None:
        return
    colon = next((c for c in stmt.children if c.type == ":"), None)
    if colon is not None:
        yield Fix(((stmt.start_byte, colon.end_byte, "else:"),),
                  f"`elif {text(field_node(stmt, 'condition'))}:` → `else:`")


def _drop_and_operand(cond: Node) -> Iterable[Fix]:
    if cond.type == "boolean_operator" and text(field_node(cond, "operator")) == "and":
        for keep in (cond.child_by_field_name("left"), cond.child_by_field_name("right")):
            if keep is not None:
                yield replace(cond, text(keep))
