"""Missing length adjustment: a width or limit that must leave room for another string is used
as is (`text[:width] + ellipsis` → `text[:width - len(ellipsis)] + ellipsis`). `n` → `n - len(s)`
(and `n + len(s)`) for an integer parameter `n` used as a slice bound, index, `range()` argument
or comparison bound, and a string parameter `s` of the same function."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace

KIND = "expression.subtract_len"
PRIOR = prior_of(KIND)

_BOUND_PARENTS = frozenset({"slice", "subscript", "comparison_operator", "argument_list"})


def generate(site: Site) -> Iterable[Fix]:
    func = site.scope.function
    if func is None:
        return
    ints, strs = _params(site, func)
    if not ints or not strs:
        return
    for node in site.nodes("identifier"):
        if text(node) not in ints or node.parent is None or node.parent.type not in _BOUND_PARENTS:
            continue
        if node.parent.type == "subscript" and node.parent.child_by_field_name("subscript") != node:
            continue
        for s in strs:
            yield replace(node, f"{text(node)} - len({s})")
            yield replace(node, f"{text(node)} + len({s})")


def _params(site: Site, func: Node) -> tuple[list[str], list[str]]:
    key = ("typed_params", func.start_byte)
    if key not in site.shared:
        ints: list[str] = []
        strs: list[str] = []
        params = func.child_by_field_name("parameters")
        for p in params.named_children if params is not None else ():
            name = p.named_children[0] if p.named_children else None
            if name is None or name.type != "identifier":
                continue
            kind = p.child_by_field_name("type")
            value = p.child_by_field_name("value")
            ann = text(kind) if kind is not None else ""
            if ann == "int" or (value is not None and value.type == "integer"):
                ints.append(text(name))
            elif ann == "str" or (value is not None and value.type == "string"):
                strs.append(text(name))
        site.shared[key] = (ints, strs[:2])
    return site.shared[key]
