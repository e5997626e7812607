"""Missing clamp: an index or count computed by arithmetic may run past a sequence's end or below
zero (`hi = lo + 1` → `hi = min(lo + 1, len(xs) - 1)`, `max(i - k, 0)`), where `xs` is a sequence
the same function subscripts or passes to `len()`."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import field_node, text, walk
from ..site import Fix, Site, prior_of, replace

KIND = "expression.clamp"
PRIOR = prior_of(KIND)

_MAX_SEQS = 2


def generate(site: Site) -> Iterable[Fix]:
    if site.scope.function is None:
        return
    targets = list(_targets(site))
    if not targets:
        return
    seqs = _sequences(site)
    for node in targets:
        body = text(node)
        if body.startswith(("min(", "max(")):
            continue
        for seq in seqs:
            yield replace(node, f"min({body}, len({seq}) - 1)")
        yield replace(node, f"max({body}, 0)")
        for seq in seqs:
            yield replace(node, f"min({body}, len({seq}))")


def _targets(site: Site) -> Iterable[Node]:
    """Arithmetic right-hand sides of plain assignments, and arithmetic subscript indices."""
    for node in site.nodes("assignment"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and left.type == "identifier" and right is not None \
                and right.type == "binary_operator" and text(field_node(right, "operator")) in "+-":
            yield right
    for node in site.nodes("subscript"):
        index = node.child_by_field_name("subscript")
        if index is not None and index.type == "binary_operator" \
                and text(field_node(index, "operator")) in "+-":
            yield index


def _sequences(site: Site) -> list[str]:
    """Plain names the function subscripts or measures with `len()`, nearest to the site first."""
    func = site.function
    key = ("clamp_sequences", func.start_byte)
    if key not in site.shared:
        found: dict[str, int] = {}
        for n in walk(func):
            name = None
            if n.type == "subscript":
                value = n.child_by_field_name("value")
                if value is not None and value.type == "identifier":
                    name = value
            elif n.type == "call":
                fn, args = n.child_by_field_name("function"), n.child_by_field_name("arguments")
                if fn is not None and text(fn) == "len" and args is not None \
                        and len(args.named_children) == 1 and args.named_children[0].type == "identifier":
                    name = args.named_children[0]
            if name is not None:
                found.setdefault(text(name), name.start_byte)
        site.shared[key] = found
    found = site.shared[key]
    return sorted(found, key=lambda s: abs(found[s] - site.stmt.start_byte))[:_MAX_SEQS]
