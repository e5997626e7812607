"""Swapped fields: two different attributes of the same object inside one expression are
exchanged (`a.num * b.num < b.den * a.den` → `a.num * b.den < b.num * a.den`)."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of
from ._names import is_callee

KIND = "attribute.swap"
PRIOR = prior_of(KIND)

_MAX_PER_OBJECT = 4


def generate(site: Site) -> Iterable[Fix]:
    by_object: dict[str, list] = {}
    for node in site.nodes("attribute"):
        obj = node.child_by_field_name("object")
        if obj is None or obj.type != "identifier" or is_callee(node):
            continue
        parent = node.parent
        if parent is not None and parent.type == "attribute" and parent.child_by_field_name("object") == node:
            continue
        if parent is not None and parent.type in ("assignment", "augmented_assignment") \
                and parent.child_by_field_name("left") == node:
            continue
        by_object.setdefault(text(obj), []).append(node)
    for nodes in by_object.values():
        nodes = nodes[:_MAX_PER_OBJECT]
        for i, a in enumerate(nodes):
            for b in nodes[i + 1:]:
                ta, tb = text(a), text(b)
                if ta == tb:
                    continue
                yield Fix(((a.start_byte, a.end_byte, tb), (b.start_byte, b.end_byte, ta)),
                          f"swap `{ta}` and `{tb}`")
