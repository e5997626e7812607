"""Condition strengthening: add a conjunct over a name the condition already reads (`c` →
`x is not None and c`, `c and x`, `c and not x`) or drop one side of an `or`."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import field_node, text
from ..site import Fix, Site, prior_of, replace
from ._names import mentioned_names

KIND = "condition.strengthen"
PRIOR = prior_of(KIND)

_LOOSE = frozenset({"boolean_operator", "conditional_expression", "named_expression", "lambda",
                    "not_operator"})


def generate(site: Site) -> Iterable[Fix]:
    names = mentioned_names(site)
    for cond in site.conditions():
        body = f"({text(cond)})" if _needs_parens(cond) else text(cond)
        for name in names:
            if f"{name} is not None" not in text(cond) and name != text(cond):
                yield replace(cond, f"{name} is not None and {body}")
            if name != text(cond):
                yield replace(cond, f"{body} and {name}")
                yield replace(cond, f"{body} and not {name}")
        yield from _drop_or_operand(cond)


def _needs_parens(cond: Node) -> bool:
    if cond.type == "boolean_operator":
        return text(field_node(cond, "operator")) == "or"
    return cond.type in _LOOSE and cond.type != "not_operator"


def _drop_or_operand(cond: Node) -> Iterable[Fix]:
    if cond.type == "boolean_operator" and text(field_node(cond, "operator")) == "or":
        for keep in (cond.child_by_field_name("left"), cond.child_by_field_name("right")):
            if keep is not None:
                yield replace(cond, text(keep))
