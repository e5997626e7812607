"""Missing or extra negation: a value that flows out of a statement (returned, assigned) gets a
unary minus (`return f(end, start)` → `return -f(end, start)`), an existing `-x` loses it, and a
boolean-looking returned or assigned value gets or loses `not` (conditions proper are left to
`condition.negate`)."""
from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text
from ..site import Fix, Site, paren, prior_of, replace

KIND = "operator.unary"
PRIOR = prior_of(KIND)

_NUMERIC = frozenset({"identifier", "attribute", "call", "subscript", "binary_operator",
                      "parenthesized_expression"})
_ARITHMETIC = frozenset({"+", "-", "*", "/", "//", "%", "**"})
_PREDICATE = re.compile(r"^_?(is|has|can|should|contains|startswith|endswith|isdisjoint|issubset)")


def generate(site: Site) -> Iterable[Fix]:
    for value in _values(site):
        if value.type == "unary_operator" and text(value).startswith("-"):
            continue   # removed below
        if value.type == "not_operator":
            argument = value.child_by_field_name("argument")
            if argument is not None:
                yield replace(value, text(argument))
        elif _booleanish(value):
            yield replace(value, f"not {paren(value)}")
        elif value.type in _NUMERIC and _numericish(value):
            yield replace(value, f"-{paren(value)}")
    for node in site.nodes("unary_operator"):
        argument = node.child_by_field_name("argument")
        if argument is not None and text(node).startswith("-") and argument.type not in (
                "integer", "float"):
            yield replace(node, text(argument))


def _values(site: Site) -> list[Node]:
    found: list[Node] = []
    for node in site.nodes("return_statement"):
        found.extend(c for c in node.named_children[:1] if c.type != "expression_list")
    for node in site.nodes("assignment"):
        right = node.child_by_field_name("right")
        if right is not None and right.type != "expression_list":
            found.append(right)
    return found


def _numericish(node: Node) -> bool:
    if node.type == "binary_operator":
        op = node.child_by_field_name("operator")
        return op is not None and text(op) in _ARITHMETIC
    if node.type == "call":
        func = node.child_by_field_name("function")
        name = text(func).rsplit(".", 1)[-1] if func is not None else ""
        return not _PREDICATE.match(name) and name not in ("str", "list", "dict", "set", "tuple",
                                                            "sorted", "repr", "format", "join")
    return True


def _booleanish(node: Node) -> bool:
    if node.type in ("boolean_operator", "comparison_operator"):
        return node.type == "boolean_operator" or len(node.children_by_field_name("operators")) > 1
    if node.type == "call":
        func = node.child_by_field_name("function")
        name = text(func).rsplit(".", 1)[-1] if func is not None else ""
        return bool(_PREDICATE.match(name)) or name in ("isinstance", "any", "all", "callable")
    return False
