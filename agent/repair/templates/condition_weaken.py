"""Condition weakening: add a disjunct over a name the condition already reads (`c` →
`x is None or c`, `not x or c`, `c or x`) or drop one side of an `and`."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text
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


def _drop_and_operand(cond: Node) -> Iterable[Fix]:
    if cond.type == "boolean_operator" and text(cond.child_by_field_name("operator")) == "and":
        for keep in (cond.child_by_field_name("left"), cond.child_by_field_name("right")):
            if keep is not None:
                yield replace(cond, text(keep))
