"""Missing-conversion repairs: wrap a value in a call (`max(0, e)`, `abs`, `len`, `int`, `str`,
`list`, `sorted`) where values flow out of a statement: returned, assigned, passed or compared."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace

KIND = "call.wrap"
PRIOR = prior_of(KIND)

_WRAPPERS = ("max(0, {})", "abs({})", "len({})", "int({})", "str({})", "list({})", "sorted({})")
_NUMERIC_WRAPPERS = ("max(0, {})", "abs({})", "int({})", "str({})")
_COLLECTION_WRAPPERS = ("len({})", "list({})", "sorted({})")
_NUMERIC = frozenset({"binary_operator", "unary_operator"})
_NUMERIC_CALLS = frozenset({"len", "sum", "abs", "int", "round", "min", "max", "float", "count"})
_COLLECTIONS = frozenset({"list_comprehension", "set_comprehension", "dictionary_comprehension",
                          "list", "dictionary", "set"})
_SKIP = frozenset({"integer", "float", "string", "true", "false", "none", "keyword_argument",
                   "list_splat", "dictionary_splat", "comment", "lambda", "expression_list",
                   "pattern_list", "tuple", "generator_expression"})
_MAX_VALUES = 2


def generate(site: Site) -> Iterable[Fix]:
    for value in _values(site)[:_MAX_VALUES]:
        inner = text(value)
        callee = value.child_by_field_name("function") if value.type == "call" else None
        for wrapper in _wrappers_for(value, callee):
            if callee is not None and wrapper.startswith(text(callee) + "("):
                continue
            yield replace(value, wrapper.format(inner))


def _wrappers_for(value: Node, callee: Node | None) -> tuple[str, ...]:
    """Only conversions that make sense for what the value evidently is."""
    name = text(callee).rsplit(".", 1)[-1] if callee is not None else ""
    if value.type in _NUMERIC or name in _NUMERIC_CALLS:
        return _NUMERIC_WRAPPERS
    if value.type in _COLLECTIONS or name in ("keys", "values", "items", "split", "filter", "map"):
        return _COLLECTION_WRAPPERS
    return _WRAPPERS


def _values(site: Site) -> list[Node]:
    found: list[Node] = []
    for node in site.nodes("return_statement"):
        found.extend(node.named_children[:1])
    for node in site.nodes("assignment", "augmented_assignment"):
        right = node.child_by_field_name("right")
        if right is not None:
            found.append(right)
    for node in site.nodes("comparison_operator"):
        found.extend(node.named_children)
    return [n for n in found if n.type not in _SKIP]
