"""Attributes a variable may have, from what the code reads and what the project defines: those
read on it in its function, then elsewhere in the file (`rect.width` beside `rect.height`), then
the fields of its class (named by its annotation or its constructor) and, when its class is
unknown, the fields of the classes the file defines, read with tree-sitter (`self.x = ...` in
their methods, names assigned in their bodies: dataclass fields, enum members); and what else an
`obj.attr` may have meant, from a project module's names or the classes that define `attr`."""
from __future__ import annotations

from tree_sitter import Node

from ...ast.nodes import parent_of, text, walk
from ...ast.query import captures
from ..site import Site
from ._names import SELF_NAMES, is_callee

__all__ = ["attributes_of", "class_fields", "sibling_attributes"]

_PER_CLASS = 4


def attributes_of(site: Site, name: str, limit: int = 4) -> list[str]:
    func = site.scope.function
    found = list(_read_in(site, func).get(name, [])) if func is not None else []
    found += site.index.by_object.get(name, [])
    fields = class_fields(site)
    cls = _class_of(site, func, name) if func is not None else None
    if cls is not None and cls in fields:
        found += fields[cls]
    elif cls is None:
        for own in fields.values():
            found += own[:_PER_CLASS]
    return list(dict.fromkeys(found))[:limit]


def _read_in(site: Site, func: Node) -> dict[str, list[str]]:
    """name -> attributes read (not called) on it in the function, first seen first."""
    key = ("attributes_read", func.start_byte, func.end_byte)
    if key not in site.shared:
        found: dict[str, list[str]] = {}
        for n in walk(func):
            if n.type != "attribute" or is_callee(n):
                continue
            obj, attr = n.child_by_field_name("object"), n.child_by_field_name("attribute")
            if obj is not None and obj.type == "identifier" and attr is not None:
                seen = found.setdefault(text(obj), [])
                if text(attr) not in seen:
                    seen.append(text(attr))
        site.shared[key] = found
    return site.shared[key]


def class_fields(site: Site) -> dict[str, list[str]]:
    """Class name -> its fields, for the classes the file defines (memoised per file)."""
    if "class_fields" not in site.shared:
        site.shared["class_fields"] = _fields_of(site.tree.root_node, site.index)
    return site.shared["class_fields"]


def _fields_of(root: Node, index) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node in captures("definitions", root).get("class", []):
        cls = parent_of(node)
        own = list(index.fields.get(cls.start_byte, {}))
        body = cls.child_by_field_name("body")
        for stmt in body.named_children if body is not None else ():
            simple = stmt.type == "expression_statement" and stmt.named_children
            inner = stmt.named_children[0] if simple else None
            if inner is not None and inner.type == "assignment":
                left = inner.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    own.insert(0, text(left))
        out[text(node)] = list(dict.fromkeys(own))
    return out


def _class_of(site: Site, func: Node, name: str) -> str | None:
    """The class a variable holds, when its annotation or a constructor call names one of the
    file's classes; "" when something else is known of it (a parameter of another type)."""
    classes = class_fields(site)
    params = func.child_by_field_name("parameters")
    for p in params.named_children if params is not None else ():
        if p.type in ("typed_parameter", "typed_default_parameter"):
            ident = p.child_by_field_name("name") or next(
                (c for c in p.named_children if c.type == "identifier"), None)
            annotation = p.child_by_field_name("type")
            if ident is not None and text(ident) == name and annotation is not None:
                words = text(annotation).replace("[", " ").replace("]", " ").replace("|", " ").split()
                return next((w.strip("'\"") for w in words if w.strip("'\"") in classes), "")
    key = ("constructed", func.start_byte, func.end_byte)
    if key not in site.shared:
        built: dict[str, str] = {}
        for target in captures("assignments", func).get("assign", []):
            right = target.parent.child_by_field_name("right") if target.parent is not None else None
            fn = right.child_by_field_name("function") if right is not None and right.type == "call" else None
            if fn is not None and parent_of(target).type == "assignment":
                built.setdefault(text(target), text(fn))
        site.shared[key] = built
    found = site.shared[key].get(name)
    if found is not None and found in classes:
        return found
    return None if name not in SELF_NAMES else ""


def sibling_attributes(site: Site, owner: str, attr: str, limit: int = 3) -> list[str]:
    """What else `owner.attr` may have meant, from the project's definitions: the names defined
    next to `attr` in the project module `owner` names (constants beside constants), or the other
    fields of the classes, here or in a sibling module, that define a field `attr`."""
    neighbours = site.neighbours
    module_path = neighbours.imported_modules(site.path, site.tree).get(owner) if neighbours else None
    if module_path is not None and neighbours is not None:
        module = neighbours.module(module_path)
        if module is None:
            return []
        names = [n.text for n in sorted(module.index.module_names.values(), key=lambda n: n.line)]
        return _nearest(names, attr, limit, same_style=True)
    found: list[str] = []
    tables = [class_fields(site)]
    if neighbours is not None:
        tables += [_module_class_fields(m) for m in neighbours.siblings(site.path, site.tree)]
    for table in tables:
        for fields in table.values():
            if attr in fields:
                found += _nearest(fields, attr, limit, same_style=False)
    return list(dict.fromkeys(found))[:limit]


def _nearest(names: list[str], attr: str, limit: int, same_style: bool) -> list[str]:
    style = _style(attr)
    pool = [n for n in names if n != attr and (not same_style or _style(n) == style)]
    if attr not in names:
        return pool[:limit]
    at = names.index(attr)
    return sorted(pool, key=lambda n: abs(names.index(n) - at))[:limit]


def _style(name: str) -> str:
    if name.isupper():
        return "CONSTANT"
    return "Class" if name[:1].isupper() else "lower"


def _module_class_fields(module) -> dict[str, list[str]]:
    if "class_fields" not in module.shared:
        module.shared["class_fields"] = _fields_of(module.tree.root_node, module.index)
    return module.shared["class_fields"]
