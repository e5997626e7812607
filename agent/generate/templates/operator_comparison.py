"""Comparison operator replacement (`<` ↔ `<=`, `==` ↔ `!=`, `is` ↔ `is not`, `in` ↔ `not in`):
the single most common slip in conditions and loop bounds."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace

KIND = "operator.comparison"
PRIOR = prior_of(KIND)

_ALTERNATIVES = {
    "<": ("<=", ">", "!=", ">=", "=="), "<=": ("<", ">=", "==", ">", "!="),
    ">": (">=", "<", "!=", "<=", "=="), ">=": (">", "<=", "==", "<", "!="),
    "==": ("!=", "<=", ">=", "<", ">"), "!=": ("==", "<", ">", "<=", ">="),
    "is": ("is not", "=="), "is not": ("is", "!="), "in": ("not in",), "not in": ("in",),
    "<>": ("==",),
}


def generate(site: Site) -> Iterable[Fix]:
    for comparison in site.nodes("comparison_operator"):
        for op in comparison.children_by_field_name("operators"):
            current = " ".join(text(op).split())
            for new in _ALTERNATIVES.get(current, ()):
                yield replace(op, new)
