"""Wrong-field repairs: `self.count` → `self.total` (fields of the enclosing class), `self.f()` →
`self.g()` (its methods), `rect.width` → `rect.height` (attributes used on the same object)."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace
from ._names import SELF_NAMES, is_callee

KIND = "attribute.replace"
PRIOR = prior_of(KIND)

_PER_NAME = 5


def generate(site: Site) -> Iterable[Fix]:
    for node in site.nodes("attribute"):
        obj, attr = node.child_by_field_name("object"), node.child_by_field_name("attribute")
        if obj is None or attr is None:
            continue
        name, owner = text(attr), text(obj)
        if owner in SELF_NAMES and site.scope.cls is not None:
            pool = sorted(site.scope.methods) if is_callee(node) else [f.text for f in site.scope.fields]
        elif is_callee(node):
            continue
        else:
            pool = list(site.index.by_object.get(owner, []))
        for other in [p for p in pool if p != name][:_PER_NAME]:
            yield replace(attr, other, f"`{owner}.{name}` → `{owner}.{other}`")
