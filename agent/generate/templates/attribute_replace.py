"""Wrong-field repairs: `self.count` → `self.total` (fields of the enclosing class), `self.f()` →
`self.g()` (its methods), `rect.width` → `rect.height` (attributes used on the same object)."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import field_node, text
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
            pool = _methods(site, site.scope.cls) if is_callee(node) else [f.text for f in site.scope.fields]
        elif is_callee(node):
            continue
        else:
            pool = list(site.index.by_object.get(owner, []))
        for other in [p for p in pool if p != name][:_PER_NAME]:
            yield replace(attr, other, f"`{owner}.{name}` → `{owner}.{other}`")


def _methods(site: Site, cls: Node) -> list[str]:
    """The class's methods, nearest definition to the enclosing method first (itself included: a
    recursive-descent parser calling the wrong level calls a neighbouring level, or itself)."""
    func = site.scope.function
    key = ("method_order", cls.start_byte)
    if key not in site.shared:
        body = cls.child_by_field_name("body")
        defs = []
        for item in body.named_children if body is not None else ():
            child = item.child_by_field_name("definition") if item.type == "decorated_definition" else item
            if child is not None and child.type == "function_definition":
                defs.append((child.start_byte, text(field_node(child, "name"))))
        site.shared[key] = defs
    defs = site.shared[key]
    here = next((i for i, (start, _) in enumerate(defs) if func is not None and start == func.start_byte), None)
    position = {name: i for i, (_, name) in enumerate(defs)}
    far = len(defs) + 1

    def distance(name: str) -> tuple[int, str]:
        if here is None or name not in position:
            return (far, name)
        return (abs(position[name] - here), name)
    return sorted(site.scope.methods, key=distance)
