"""Helpers the name-based templates share: which identifiers are plain variable uses, and which
names in a statement a condition or guard could mention."""
from __future__ import annotations

import builtins

from tree_sitter import Node

from ...ast.nodes import text
from ..site import Site

BUILTINS = frozenset(dir(builtins))
SELF_NAMES = frozenset({"self", "cls"})
_BINDING_PARENTS = frozenset({"parameters", "lambda_parameters", "default_parameter",
                              "typed_parameter", "typed_default_parameter", "list_splat_pattern",
                              "dictionary_splat_pattern", "keyword_argument", "aliased_import",
                              "dotted_name", "function_definition", "class_definition",
                              "global_statement", "nonlocal_statement", "as_pattern_target",
                              "for_in_clause"})


def is_callee(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type == "call" and parent.child_by_field_name("function") == node


def is_variable(node: Node) -> bool:
    """An identifier that names a variable here (not an attribute name, keyword, definition...)."""
    parent = node.parent
    if node.type != "identifier" or parent is None or text(node) in SELF_NAMES:
        return False
    if parent.type in _BINDING_PARENTS:
        return parent.type == "keyword_argument" and parent.child_by_field_name("value") == node
    if parent.type == "attribute" and parent.child_by_field_name("attribute") == node:
        return False
    if parent.type in ("for_statement", "pattern_list", "tuple_pattern") and \
            parent.child_by_field_name("left") == node:
        return False
    return parent.type != "named_expression" or parent.child_by_field_name("name") != node


def mentioned_names(site: Site, limit: int = 3, prefer_inputs: bool = False) -> list[str]:
    """Variables and `self.x` fields the site's expressions read, first seen first (parameters
    and fields first with `prefer_inputs`: those are what a missing None-check usually guards)."""
    seen: list[str] = []
    for node in site.nodes("identifier", "attribute"):
        if node.type == "attribute":
            obj = node.child_by_field_name("object")
            if obj is None or text(obj) not in SELF_NAMES or is_callee(node):
                continue
            name = text(node)
        elif is_variable(node) and not is_callee(node) and text(node) not in BUILTINS:
            name = text(node)
        else:
            continue
        if name not in seen:
            seen.append(name)
    if prefer_inputs:
        inputs = {n.text for n in site.scope.variables if n.kind == "param"}
        inputs |= {f.text for f in site.scope.fields}
        seen.sort(key=lambda name: name not in inputs)
    return seen[:limit]
