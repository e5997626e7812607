"""Wrong-return repairs: the returned value replaced with a literal of the same flavour (bool, number,
string, collection) or with an in-scope variable; a bare `return` given a value."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace
from ._names import SELF_NAMES

KIND = "return.value"
PRIOR = prior_of(KIND)

_BOOLISH = frozenset({"true", "false", "comparison_operator", "not_operator", "boolean_operator"})
_NUMBER = frozenset({"integer", "float", "unary_operator", "binary_operator"})
_SEQUENCE = frozenset({"list", "list_comprehension"})
_MAX_NAMES = 5


def _literals(value: Node | None) -> tuple[str, ...]:
    kind = value.type if value is not None else "none"
    if kind in _BOOLISH:
        return ("True", "False", "None")
    if kind in _NUMBER:
        return ("0", "1", "-1", "None")
    if kind == "string":
        return ('""', "None")
    if kind in _SEQUENCE:
        return ("[]", "[[]]", "None")
    if kind in ("dictionary", "dictionary_comprehension"):
        return ("{}", "None")
    return ("None", "0", "[]", '""', "False")


def generate(site: Site) -> Iterable[Fix]:
    if site.stmt.type != "return_statement":
        return
    values = site.stmt.named_children
    value = values[0] if values else None
    current = text(value) if value is not None else "None"
    names = [n.text for n in site.scope.variables if n.text not in SELF_NAMES and n.kind != "global"]
    options = [*(_literals(value)), *names[:_MAX_NAMES]]
    for new in options:
        if new == current:
            continue
        if value is None:
            yield Fix(((site.stmt.end_byte, site.stmt.end_byte, f" {new}"),), f"`return` → `return {new}`")
        else:
            yield replace(value, new)
