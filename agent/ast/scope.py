"""Which names are in scope at a node, with a rough kind, so repair templates can replace a name
with another of the same kind (a local with a local, a `self.` field with a field)."""
from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from .nodes import enclosing, field_node, parent_of, text
from .query import captures

__all__ = ["Name", "ModuleIndex", "Scope", "index_module", "scope_at"]

_FUNC = frozenset({"function_definition"})
_CLASS = frozenset({"class_definition"})
_DEF = frozenset({"function_definition", "class_definition"})
_SELF = frozenset({"self", "cls"})


@dataclass(frozen=True)
class Name:
    text: str
    kind: str   # param | local | global | function | class | import | field | method | attribute
    line: int   # 1-based line where it is first bound (or seen, for attributes)


@dataclass
class ModuleIndex:
    """Facts about a whole module, computed once per file."""
    module_names: dict[str, Name] = field(default_factory=dict)
    bindings: dict[int, list[Name]] = field(default_factory=dict)      # function start -> names
    fields: dict[int, dict[str, Name]] = field(default_factory=dict)   # class start -> self.x
    methods: dict[int, set[str]] = field(default_factory=dict)         # class start -> self.m()
    attributes: dict[str, Name] = field(default_factory=dict)          # obj.attr, obj not self
    by_object: dict[str, list[str]] = field(default_factory=dict)      # "rect" -> [width, height]
    called_attributes: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Scope:
    """Names visible at one node, nearest first within each group."""
    variables: tuple[Name, ...]
    callables: tuple[Name, ...]
    fields: tuple[Name, ...]
    methods: frozenset[str]
    attributes: tuple[Name, ...]
    function: Node | None
    cls: Node | None

    def variable_names(self) -> list[str]:
        return [n.text for n in self.variables]

    def __contains__(self, name: str) -> bool:
        return any(n.text == name for n in self.variables + self.callables)


def _line(node: Node) -> int:
    return node.start_point.row + 1


def _add(table: dict[str, Name], name: Name) -> None:
    table.setdefault(name.text, name)


def index_module(tree: Tree) -> ModuleIndex:
    index = ModuleIndex()
    root = tree.root_node
    defs = captures("definitions", root)
    for kind in ("function", "class", "import"):
        for node in defs.get(kind, []):
            owner = enclosing(parent_of(node) if kind != "import" else node, _DEF)
            if owner is None:
                _add(index.module_names, Name(text(node), kind, _line(node)))
    for node in defs.get("param", []):
        func = enclosing(node, _FUNC)
        if func is not None:
            index.bindings.setdefault(func.start_byte, []).append(Name(text(node), "param", _line(node)))
    for node in captures("assignments", root).get("assign", []):
        func = enclosing(node, _FUNC)
        if func is None:
            if enclosing(node, _CLASS) is None:
                _add(index.module_names, Name(text(node), "global", _line(node)))
        else:
            index.bindings.setdefault(func.start_byte, []).append(Name(text(node), "local", _line(node)))
    attrs = captures("attributes", root)
    called = {n.start_byte for n in attrs.get("method", [])}
    for obj, attr in zip(attrs.get("object", []), _attribute_names(attrs)):
        name, is_call = text(attr), attr.start_byte in called
        cls = enclosing(attr, _CLASS) if obj.type == "identifier" and text(obj) in _SELF else None
        if cls is not None:
            if is_call:
                index.methods.setdefault(cls.start_byte, set()).add(name)
            else:
                _add(index.fields.setdefault(cls.start_byte, {}), Name(name, "field", _line(attr)))
        elif is_call:
            index.called_attributes.add(name)
        else:
            _add(index.attributes, Name(name, "attribute", _line(attr)))
            seen = index.by_object.setdefault(text(obj), [])
            if name not in seen:
                seen.append(name)
    return index


def _attribute_names(attrs: dict[str, list[Node]]) -> list[Node]:
    """Attribute identifiers aligned with the `object` captures (one per attribute node)."""
    names = {n.start_byte: n for n in attrs.get("attribute", []) + attrs.get("method", [])}
    return [names[field_node(parent_of(obj), "attribute").start_byte]
            for obj in attrs.get("object", [])]


def scope_at(index: ModuleIndex, node: Node) -> Scope:
    line = _line(node)
    variables: dict[str, Name] = {}
    func = enclosing(node, _FUNC) if node.type != "function_definition" else node
    current = func
    while current is not None:
        loop_lines = _loop_header_lines(node, current)
        names = index.bindings.get(current.start_byte, [])
        visible = [n for n in names if n.kind == "param" or n.line < line or n.line in loop_lines]
        for name in sorted(visible, key=lambda n: -n.line):
            _add(variables, name)
        current = enclosing(current, _FUNC)
    module = index.module_names.values()
    for name in sorted((n for n in module if n.kind == "global"), key=lambda n: -n.line):
        _add(variables, name)
    cls = enclosing(node, _CLASS)
    fields = tuple(index.fields.get(cls.start_byte, {}).values()) if cls is not None else ()
    methods = frozenset(index.methods.get(cls.start_byte, set())) if cls is not None else frozenset()
    return Scope(
        variables=tuple(variables.values()),
        callables=tuple(n for n in module if n.kind in ("function", "class", "import")),
        fields=fields, methods=methods, attributes=tuple(index.attributes.values()),
        function=func, cls=cls,
    )


def _loop_header_lines(node: Node, func: Node) -> set[int]:
    """Lines of loop headers enclosing `node` inside `func`: names bound there (and anywhere in the
    loop body, on a later iteration) are visible."""
    lines: set[int] = set()
    parent = node.parent
    while parent is not None and parent != func:
        if parent.type in ("for_statement", "while_statement"):
            lines.update(range(_line(parent), parent.end_point.row + 2))
        parent = parent.parent
    return lines
