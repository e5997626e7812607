"""Condition negation: `c` → `not c`, `not c` → `c`, and one operand of `a and b` negated. Single
comparisons are left to the comparison-operator template, which writes the negation directly."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace

KIND = "condition.negate"
PRIOR = prior_of(KIND)

_LOOSE = frozenset({"boolean_operator", "conditional_expression", "named_expression", "lambda"})


def generate(site: Site) -> Iterable[Fix]:
    for cond in site.conditions():
        yield from _negate(cond)
        if cond.type == "boolean_operator":
            for operand in (cond.child_by_field_name("left"), cond.child_by_field_name("right")):
                if operand is not None and operand.type != "boolean_operator":
                    yield from _negate(operand)


def _negate(node: Node) -> Iterable[Fix]:
    if node.type == "not_operator":
        argument = node.child_by_field_name("argument")
        if argument is not None:
            inner = text(argument)
            yield replace(node, inner[1:-1] if argument.type == "parenthesized_expression" else inner)
        return
    if node.type == "comparison_operator" and len(node.children_by_field_name("operators")) == 1:
        return
    if node.type == "parenthesized_expression" or node.type not in _LOOSE:
        yield replace(node, f"not {text(node)}")
    else:
        yield replace(node, f"not ({text(node)})")
