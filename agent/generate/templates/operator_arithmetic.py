"""Arithmetic and bitwise operator replacement (`+` ↔ `-`, `/` ↔ `//`, `*` ↔ `**`...), skipping
operators whose operands are strings, where only `+` and `%` make sense."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace

KIND = "operator.arithmetic"
PRIOR = prior_of(KIND)

_ALTERNATIVES = {
    "+": ("-", "*"), "-": ("+",), "*": ("/", "//", "+", "**"), "/": ("//", "*"),
    "//": ("/", "%"), "%": ("//",), "**": ("*",), "<<": (">>",), ">>": ("<<",),
    "&": ("|",), "|": ("&",), "^": ("|",),
}
_STRINGY = frozenset({"string", "concatenated_string"})


def generate(site: Site) -> Iterable[Fix]:
    for node in site.nodes("binary_operator"):
        op = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op is None or left is None or right is None:
            continue
        if left.type in _STRINGY or right.type in _STRINGY:
            continue
        for new in _ALTERNATIVES.get(text(op), ()):
            yield replace(op, new)
