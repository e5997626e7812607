"""Augmented-assignment changes: `+=` ↔ `-=` and friends, `+=` → `=` (accumulating what should be
reset), and `=` → `+=`/`-=` for a name or field already bound (resetting what should accumulate)."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace
from ._names import SELF_NAMES

KIND = "operator.augmented"
PRIOR = prior_of(KIND)

_ALTERNATIVES = {
    "+=": ("-=", "=", "*="), "-=": ("+=", "="), "*=": ("/=", "+=", "="), "/=": ("//=", "*="),
    "//=": ("/=", "%="), "%=": ("//=",), "|=": ("&=", "="), "&=": ("|=",), "**=": ("*=",),
}


def generate(site: Site) -> Iterable[Fix]:
    for node in site.nodes("augmented_assignment"):
        op = node.child_by_field_name("operator")
        if op is None:
            continue
        for new in _ALTERNATIVES.get(text(op), ()):
            yield replace(op, new)
    for node in site.nodes("assignment"):
        left = node.child_by_field_name("left")
        if left is None or node.child_by_field_name("right") is None or not _already_bound(site, left):
            continue
        equals = next((c for c in node.children if c.type == "="), None)
        if equals is not None:
            for new in ("+=", "-="):
                yield replace(equals, new)


def _already_bound(site: Site, target) -> bool:
    if target.type == "identifier":
        return any(n.text == text(target) and n.line < site.line for n in site.scope.variables)
    if target.type == "attribute":
        obj, attr = target.child_by_field_name("object"), target.child_by_field_name("attribute")
        return (obj is not None and attr is not None and text(obj) in SELF_NAMES
                and any(f.text == text(attr) and f.line != site.line for f in site.scope.fields))
    return False
