"""Off-by-one repairs: integer literals ±1, `e ± 1` → `e`, and `e` → `e + 1`/`e - 1` where
boundaries live (indices, slice bounds, `range()` arguments, the bound of an ordering comparison);
`range(1, n)` ↔ `range(n)`."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text
from ..site import Fix, Site, paren, prior_of, replace

KIND = "off_by_one"
PRIOR = prior_of(KIND)

_ORDERING = frozenset({"<", "<=", ">", ">="})
_LITERALS = frozenset({"integer", "float", "string", "true", "false", "none"})


def generate(site: Site) -> Iterable[Fix]:
    for node in site.nodes("integer"):
        yield from _literal(node)
    for node in site.nodes("binary_operator"):
        op, right = node.child_by_field_name("operator"), node.child_by_field_name("right")
        if op is not None and text(op) in "+-" and right is not None and right.type == "integer" \
                and _int(right) == 1:
            yield replace(node, text(node.child_by_field_name("left")))
    for bound in _boundaries(site):
        if bound.type in _LITERALS or bound.type == "unary_operator" or _is_pm_one(bound):
            continue
        yield replace(bound, f"{paren(bound)} + 1")
        yield replace(bound, f"{paren(bound)} - 1")
    for call in site.nodes("call"):
        yield from _range_start(call)


def _int(node: Node) -> int | None:
    try:
        return int(text(node).replace("_", ""), 10)
    except ValueError:
        return None


def _is_pm_one(node: Node) -> bool:
    right = node.child_by_field_name("right") if node.type == "binary_operator" else None
    return right is not None and right.type == "integer" and _int(right) == 1


def _literal(node: Node) -> Iterable[Fix]:
    value = _int(node)
    if value is None:
        return
    parent = node.parent
    negated = parent is not None and parent.type == "unary_operator" and text(parent).startswith("-")
    target = parent if negated else node
    value = -value if negated else value
    in_pm = (parent is not None and parent.type == "binary_operator"
             and parent.child_by_field_name("right") == node and value == 1)
    for new in (value + 1, value - 1):
        if in_pm and new == 0:
            continue
        yield replace(target, str(new))


def _boundaries(site: Site) -> Iterable[Node]:
    for node in site.nodes("subscript"):
        index = node.child_by_field_name("subscript")
        if index is not None and index.type not in ("slice", "string", "tuple"):
            yield index
    for node in site.nodes("slice"):
        yield from (c for c in node.named_children if c.type != "comment")
    for node in site.nodes("call"):
        func = node.child_by_field_name("function")
        if func is not None and text(func) == "range":
            yield from node.child_by_field_name("arguments").named_children
    for node in site.nodes("comparison_operator"):
        ops = node.children_by_field_name("operators")
        if len(ops) == 1 and text(ops[0]) in _ORDERING:
            yield node.named_children[-1]


def _range_start(call: Node) -> Iterable[Fix]:
    func, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if func is None or text(func) != "range" or args is None:
        return
    values = [a for a in args.named_children if a.type != "comment"]
    if len(values) == 2 and values[0].type == "integer":
        yield Fix(((values[0].start_byte, values[1].start_byte, ""),),
                  f"`{text(call)}` → `range({text(values[1])})`")
    if len(values) == 1 and values[0].type != "keyword_argument":
        for start in ("1", "0"):
            yield Fix(((values[0].start_byte, values[0].start_byte, f"{start}, "),),
                      f"`{text(call)}` → `range({start}, {text(values[0])})`")
