"""Swapped-operand repairs for non-commutative binary operators (`a - b` → `b - a`, also `/`, `//`,
`%`, `**`, shifts, and `+` on strings); commutative ones are left alone. The two branches of a
conditional expression are swapped too (`n - 1 if sample else n` → `n if sample else n - 1`)."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, shorten

KIND = "swap.operands"
PRIOR = prior_of(KIND)

_NON_COMMUTATIVE = frozenset({"-", "/", "//", "%", "**", "<<", ">>", "@"})
_STRINGY = frozenset({"string", "concatenated_string"})


def generate(site: Site) -> Iterable[Fix]:
    for node in site.nodes("conditional_expression"):   # `a if c else b` → `b if c else a`
        if len(node.named_children) == 3:
            a, _, b = node.named_children
            if text(a) != text(b):
                yield Fix(((a.start_byte, a.end_byte, text(b)), (b.start_byte, b.end_byte, text(a))),
                          f"swap the branches of `{shorten(text(node))}`")
    for node in site.nodes("binary_operator"):
        op = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op is None or left is None or right is None or text(left) == text(right):
            continue
        symbol = text(op)
        if symbol == "%" and left.type in _STRINGY:
            continue
        stringy_concat = symbol == "+" and (left.type in _STRINGY or right.type in _STRINGY)
        if symbol not in _NON_COMMUTATIVE and not stringy_concat:
            continue
        if left.type == "binary_operator" or right.type == "binary_operator":
            continue   # precedence would change the meaning beyond a swap
        new = f"{text(right)} {symbol} {text(left)}"
        yield Fix(((node.start_byte, node.end_byte, new),),
                  f"`{shorten(text(node))}` → `{shorten(new)}`")
