"""Wrong-constant repairs: `True` ↔ `False`, `None` → a neutral value, a number → 0/1/-1, a string
→ `""`. Default arguments are left to `default_value`."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace

KIND = "literal.replace"
PRIOR = prior_of(KIND)


def alternatives(node: Node) -> tuple[str, ...]:
    """Plausible replacements for a literal, most plausible first."""
    kind, value = node.type, text(node)
    if kind == "true":
        return ("False",)
    if kind == "false":
        return ("True",)
    if kind == "none":
        return ("0", "False", '""', "[]")
    if kind in ("integer", "float"):
        return tuple(v for v in ("0", "1", "-1", "None") if v != value)
    if kind == "string" and not value.lower().startswith(("f", "rf", "fr", "b", "rb", "br")):
        return ('""',) if len(value.strip("'\"rRuU")) > 0 else ('" "',)
    if kind in ("list", "dictionary", "tuple", "set") and not node.named_children:
        return ("None",)
    return ()


def generate(site: Site) -> Iterable[Fix]:
    for node in site.nodes("true", "false", "none", "integer", "float", "string", "list",
                           "dictionary"):
        if node.parent is not None and node.parent.type == "concatenated_string":
            continue
        for new in alternatives(node):
            yield replace(node, new)
