"""Missing field maintenance: a method that updates one pointer-like field of `self` (`self.head`)
forgets the matching one (`self.tail`) that other methods of the class keep up to date. Inserts
`self.tail = v` or `if n is self.tail: self.tail = v` before or after the suspicious statement,
with `n` a node-like local of the method and `v` one too, another pointer field or None."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import COMPOUND_TYPES, SIMPLE_TYPES, field_node, text, walk
from ..site import Fix, Site, prior_of
from ._names import SELF_NAMES, is_variable

KIND = "statement.insert_field"
PRIOR = prior_of(KIND)

_MAX_FIELDS = 2
_MAX_LOCALS = 3


def generate(site: Site) -> Iterable[Fix]:
    stmt, func, cls = site.stmt, site.scope.function, site.scope.cls
    if func is None or cls is None or not site.owns_lines():
        return
    if stmt.type not in SIMPLE_TYPES | COMPOUND_TYPES or stmt.type in (
            "function_definition", "class_definition", "decorated_definition"):
        return
    pointers = _pointer_fields(site, cls)
    if len(pointers) < 2:
        return
    assigned_here = _assigned_fields(site, func)
    missing = [f for f in pointers if f not in assigned_here][:_MAX_FIELDS]
    if not missing or not assigned_here & set(pointers):
        return
    nodes = _node_locals(site, func)
    start, end = site.line_region()
    after_ok = stmt.type != "return_statement" and site.src[end - 1:end] == b"\n"
    ind, nl = site.indent, site.newline
    step = _indent_step(site, func)
    for field in missing:
        peers = [f"self.{g}" for g in pointers if g != field and g in assigned_here]
        values = nodes + peers + ["None"]
        snippets: list[tuple[str, str]] = []
        for v in peers:   # `self.tail = self.head`: the most common shape first
            snippets.append((f"{ind}self.{field} = {v}{nl}", f"self.{field} = {v}"))
        for n in nodes:
            for v in values:
                if v != n:
                    snippets.append((f"{ind}if {n} is self.{field}:{nl}{ind}{step}self.{field} = {v}{nl}",
                                     f"if {n} is self.{field}: self.{field} = {v}"))
        for v in nodes + ["None"]:
            snippets.append((f"{ind}self.{field} = {v}{nl}", f"self.{field} = {v}"))
        for snippet, label in snippets:
            yield Fix(((start, start, snippet),), f"insert `{label}` before line {site.line}")
            if after_ok:
                yield Fix(((end, end, snippet),), f"insert `{label}` after line {site.line}")


def _self_field(node: Node | None) -> str | None:
    if node is None or node.type != "attribute":
        return None
    obj = node.child_by_field_name("object")
    if obj is None or obj.type != "identifier" or text(obj) not in SELF_NAMES:
        return None
    return text(field_node(node, "attribute"))


def _pointer_fields(site: Site, cls: Node) -> list[str]:
    """`self.x` fields some method of the class sets to None or compares with `is`."""
    key = ("pointer_fields", cls.start_byte)
    if key not in site.shared:
        found: list[str] = []
        for n in walk(cls):
            name = None
            if n.type == "assignment":
                right = n.child_by_field_name("right")
                if right is not None and right.type == "none":
                    name = _self_field(n.child_by_field_name("left"))
            elif n.type == "comparison_operator" and " is " in f" {text(n)} ":
                for c in n.named_children:
                    name = name or _self_field(c)
            if name and name not in found:
                found.append(name)
        site.shared[key] = found
    return site.shared[key]


def _assigned_fields(site: Site, func: Node) -> set[str]:
    key = ("assigned_fields", func.start_byte)
    if key not in site.shared:
        found = set()
        for n in walk(func):
            if n.type in ("assignment", "augmented_assignment"):
                left = n.child_by_field_name("left")
                targets = [left] if left is None or left.type == "attribute" else left.named_children
                for t in targets:
                    if (name := _self_field(t)):
                        found.add(name)
        site.shared[key] = found
    return site.shared[key]


def _node_locals(site: Site, func: Node) -> list[str]:
    """Locals of the method that are used as objects (`n.next`) or compared with `is`,
    nearest to the site first."""
    bound = {n.text for n in site.scope.variables if n.kind in ("local", "param")}
    key = ("node_locals", func.start_byte)
    if key not in site.shared:
        found: dict[str, int] = {}
        for n in walk(func):
            if n.type == "identifier" and is_variable(n) and n.parent is not None and (
                    (n.parent.type == "attribute" and n.parent.child_by_field_name("object") == n)
                    or (n.parent.type == "comparison_operator" and " is " in f" {text(n.parent)} ")):
                found.setdefault(text(n), n.start_byte)
        site.shared[key] = found
    found = site.shared[key]
    names = [n for n in found if n in bound]
    names.sort(key=lambda s: abs(found[s] - site.stmt.start_byte))
    return names[:_MAX_LOCALS]


def _indent_step(site: Site, func: Node) -> str:
    body = func.child_by_field_name("body")
    if body is None or not body.named_children:
        return "    "
    outer = site.offsets.indent_of(func.start_point.row + 1)
    inner = site.offsets.indent_of(body.named_children[0].start_point.row + 1)
    return inner[len(outer):] or "    "
