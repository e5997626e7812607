"""Rough value kinds of the names a function uses, read from how it uses them, so that an
ingredient replaces a number with a number and a sequence with a sequence: `num` (counted,
compared by order, used in arithmetic or as an index), `seq` (sized, iterated, indexed, appended
to; strings included), `bool`, `call` (called) and `obj` (has attributes read). A name with no
evidence, or with evidence of two kinds, has kind "" and fits anywhere (after the names that fit)."""
from __future__ import annotations

from collections import Counter

from tree_sitter import Node

from ...ast.nodes import field_node, text, walk
from ..site import Site
from ._names import is_variable

__all__ = ["name_kinds", "kinds_in", "expression_kind", "compatible"]

_NUM_CALLS = frozenset({"len", "sum", "int", "float", "abs", "round", "ord", "min", "max", "count",
                        "index", "find", "rfind", "bit_length", "divmod"})
_SEQ_CALLS = frozenset({"list", "sorted", "tuple", "str", "repr", "split", "rsplit", "splitlines",
                        "strip", "lstrip", "rstrip", "lower", "upper", "join", "replace", "format",
                        "keys", "values", "items", "copy", "reversed", "set", "dict", "encode",
                        "decode", "title", "casefold", "zfill"})
_SEQ_METHODS = frozenset({"append", "extend", "pop", "insert", "remove", "sort", "reverse", "clear",
                          "split", "strip", "lstrip", "rstrip", "startswith", "endswith", "lower",
                          "upper", "join", "replace", "format", "find", "index", "count", "add",
                          "discard", "update", "get", "keys", "values", "items", "setdefault"})
_ARITH = frozenset({"+", "-", "*", "/", "//", "%", "**"})
_ORDER = frozenset({"<", "<=", ">", ">="})
_NUM_TYPES = frozenset({"int", "float", "complex"})
_SEQ_TYPES = frozenset({"str", "bytes", "list", "tuple", "dict", "set", "frozenset", "Sequence",
                        "List", "Tuple", "Dict", "Set", "Iterable", "Mapping", "MutableMapping"})
_NUMBERS = frozenset({"integer", "float"})
_SEQUENCES = frozenset({"string", "concatenated_string", "list", "tuple", "dictionary", "set",
                        "list_comprehension", "dictionary_comprehension", "set_comprehension"})
_BOOLS = frozenset({"true", "false", "comparison_operator", "not_operator", "boolean_operator"})


def name_kinds(site: Site, root: Node | None = None) -> dict[str, str]:
    """Kind of every variable and `self.x` field a function (default: the site's, or outside one,
    the module) uses; memoised per function (`root` must then belong to the site's file)."""
    root = root or site.scope.function or site.tree.root_node
    key = ("name_kinds", root.start_byte, root.end_byte)
    if key not in site.shared:
        site.shared[key] = kinds_in(root)
    return site.shared[key]


def kinds_in(root: Node) -> dict[str, str]:
    votes: dict[str, Counter] = {}
    for node in walk(root):
        for name, kind in _evidence(node):
            votes.setdefault(name, Counter())[kind] += 1
    return {name: _decide(counts) for name, counts in votes.items()}


def _decide(counts: Counter) -> str:
    kinds = set(counts)
    if "call" in kinds and len(kinds) > 1:
        kinds.discard("call")      # `f(x)` and `f.attr`: what it returns is another matter
    if "obj" in kinds and len(kinds) > 1:
        kinds.discard("obj")       # `xs.append` says seq; `n.bit_length` says num
    if "key" in kinds:             # `xs[k]`: a number only if something else says so
        kinds.discard("key")
        if not kinds:
            return ""
    return kinds.pop() if len(kinds) == 1 else ""


def _key(node: Node | None) -> str | None:
    """The name a node stands for: a variable, or a `self.x` field."""
    if node is None:
        return None
    if node.type == "identifier":
        return text(node) if is_variable(node) else None
    if node.type == "attribute":
        obj = node.child_by_field_name("object")
        if obj is not None and obj.type == "identifier" and text(obj) in ("self", "cls"):
            return text(node)
    return None


def expression_kind(node: Node, kinds: dict[str, str]) -> str:
    """The kind of an expression from its shape, else from the names it is made of."""
    kind = node.type
    if kind in _NUMBERS or (kind == "unary_operator" and text(node).startswith("-")):
        return "num"
    if kind in _SEQUENCES:
        return "seq"
    if kind in _BOOLS:
        return "bool"
    if kind == "binary_operator":
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        if op is not None and text(op) in _ARITH and left is not None:
            return expression_kind(left, kinds) or expression_kind(field_node(node, "right"), kinds)
    if kind == "call":
        fn = node.child_by_field_name("function")
        name = text(fn).rsplit(".", 1)[-1] if fn is not None else ""
        if name in _NUM_CALLS:
            return "num"
        if name in _SEQ_CALLS:
            return "seq"
        if name in ("bool", "isinstance", "hasattr", "callable", "startswith", "endswith", "any", "all"):
            return "bool"
        return ""
    if kind == "subscript":
        sub = node.child_by_field_name("subscript")
        return "seq" if sub is not None and sub.type == "slice" else ""
    key = _key(node)
    return kinds.get(key, "") if key else ""


def compatible(a: str, b: str) -> bool:
    return not a or not b or a == b


def _evidence(node: Node):
    """(name, kind) pairs that one node gives."""
    kind, parent = node.type, node.parent
    name = _key(node)
    if name is not None and parent is not None:
        yield from _use(node, name, parent)
    if kind in ("assignment", "augmented_assignment"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        target = _key(left)
        if target is not None and right is not None:
            value = expression_kind(right, {})
            if value:
                yield target, value
            if kind == "augmented_assignment" and value == "num":
                yield target, "num"
        annotation = node.child_by_field_name("type")
        if target is not None and annotation is not None:
            yield from _annotated(target, annotation)
    elif kind in ("typed_parameter", "typed_default_parameter", "default_parameter"):
        ident = node.child_by_field_name("name") if kind != "typed_parameter" else next(
            (c for c in node.named_children if c.type == "identifier"), None)
        if ident is not None:
            annotation = node.child_by_field_name("type")
            if annotation is not None:
                yield from _annotated(text(ident), annotation)
            default = node.child_by_field_name("value")
            if default is not None and default.type != "none":
                value = expression_kind(default, {})
                if value:
                    yield text(ident), value
    elif kind == "for_statement":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        fn = right.child_by_field_name("function") if right is not None and right.type == "call" else None
        if left is not None and fn is not None:
            if left.type == "identifier" and text(fn) == "range":
                yield text(left), "num"
            elif left.type in ("pattern_list", "tuple_pattern") and text(fn) == "enumerate" \
                    and left.named_children and left.named_children[0].type == "identifier":
                yield text(left.named_children[0]), "num"


def _annotated(name: str, annotation: Node):
    words = text(annotation).replace("[", " ").replace("|", " ").replace(",", " ").split()
    head = words[0].rsplit(".", 1)[-1] if words else ""
    if head in _NUM_TYPES:
        yield name, "num"
    elif head in _SEQ_TYPES:
        yield name, "seq"
    elif head == "bool":
        yield name, "bool"


def _use(node: Node, name: str, parent: Node):
    """What the place a name is read at says about it."""
    ptype = parent.type
    if ptype == "call" and parent.child_by_field_name("function") == node:
        yield name, "call"
    elif ptype == "attribute" and parent.child_by_field_name("object") == node:
        attr = parent.child_by_field_name("attribute")
        grand = parent.parent
        called = grand is not None and grand.type == "call" \
            and grand.child_by_field_name("function") == parent
        if called and attr is not None and text(attr) in _SEQ_METHODS:
            yield name, "seq"
        else:
            yield name, "obj"
    elif ptype == "subscript":
        if parent.child_by_field_name("value") == node:
            yield name, "seq"
        else:
            yield name, "key"
    elif ptype == "slice":
        yield name, "num"
    elif ptype == "binary_operator":
        op = parent.child_by_field_name("operator")
        other = parent.child_by_field_name("right" if parent.child_by_field_name("left") == node else "left")
        symbol = text(op) if op is not None else ""
        if symbol in ("-", "/", "//", "**") or (
                symbol in _ARITH and other is not None and other.type in _NUMBERS) or (
                symbol == "*" and other is not None and other.type in ("identifier", "attribute")):
            yield name, "num"     # `s * 3` repeats a string; `a * b` multiplies numbers
    elif ptype == "unary_operator" and text(parent).startswith("-"):
        yield name, "num"
    elif ptype == "comparison_operator":
        ops = {text(c) for c in parent.children if not c.is_named}
        if ops & _ORDER:
            yield name, "num"
        elif ops & {"in", "not in"} and parent.named_children and parent.named_children[-1] == node:
            yield name, "seq"
    elif ptype == "argument_list":
        call = parent.parent
        fn = call.child_by_field_name("function") if call is not None else None
        callee = text(fn) if fn is not None else ""
        if callee == "range":
            yield name, "num"
        elif callee in ("len", "sorted", "reversed", "enumerate", "list", "tuple", "set", "sum"):
            yield name, "seq"
    elif ptype == "for_statement" and parent.child_by_field_name("right") == node:
        yield name, "seq"

