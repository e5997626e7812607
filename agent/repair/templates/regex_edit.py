"""Regular-expression repairs: small edits (agent.repair.regex_edits) of a pattern literal — the
first argument of `re.match`/`search`/`sub`/`compile`/`findall`/`split`..., of a `*regex*`/`*_re`
helper, a `..._RE`/`_VALID_URL`-style assignment, or a raw string that reads as a pattern. The
characters where the failing comparison's actual and expected values differ are the first ones
tried in a character class."""
from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text
from ..align import changed_chars
from ..regex_edits import pattern_edits
from ..site import Fix, Site, prior_of
from ..strings import string_literal

KIND = "regex.edit"
PRIOR = prior_of(KIND)
EVIDENCE = True

_RE_MODULES = frozenset({"re", "regex"})
_RE_FUNCTIONS = frozenset({"match", "search", "sub", "subn", "compile", "findall", "finditer",
                           "split", "fullmatch"})
_PATTERN_NAME = re.compile(r"(?i)(?:^|_)(?:re|rex|regex|regexp|pattern|valid_url)$")
_PATTERN_SYNTAX = re.compile(r"\\[dswbDSWB]|\[[^\]]+\]|\(\?[:P=!<]|[+*]\?|\(\?[aiLmsux]+\)")


def generate(site: Site) -> Iterable[Fix]:
    hints = "".join(changed_chars(*m.texts()) for m in site.mismatches if m.is_text)
    for node in site.nodes("string"):
        if not _is_pattern(node):
            continue
        lit = string_literal(node, site.src)
        if lit is None or lit.value is None or len(lit.pieces) != 1 or lit.is_bytes:
            continue
        piece = lit.pieces[0]
        for new, why in pattern_edits(piece.value, hints, verbose=_verbose_flag(node)):
            span = piece.rewrite(new)
            if span is not None:
                yield Fix((span,), f"regex: {why}")


def _is_pattern(node: Node) -> bool:
    target, parent = node, node.parent
    while parent is not None and (parent.type == "parenthesized_expression" or (
            parent.type == "binary_operator" and parent.child_by_field_name("left") == target
            and text(parent.child_by_field_name("operator") or parent).strip() == "%")):
        target, parent = parent, parent.parent
    if parent is not None and parent.type == "attribute" and text(parent.child_by_field_name("attribute") or parent) == "format":
        call = parent.parent
        target, parent = call, call.parent if call is not None else None
    if parent is None:
        return False
    if parent.type == "argument_list" and parent.named_children[:1] == [target]:
        return _pattern_callee(parent.parent)
    if parent.type == "keyword_argument":
        name = parent.child_by_field_name("name")
        return name is not None and text(name) in ("pattern", "regex")
    if parent.type == "assignment" and parent.child_by_field_name("right") == target:
        left = parent.child_by_field_name("left")
        name = text(left.child_by_field_name("attribute") or left) if left.type == "attribute" else text(left)
        if _PATTERN_NAME.search(name):
            return True
    return text(node)[:2].lower() in ("r'", 'r"') and bool(_PATTERN_SYNTAX.search(text(node)))


def _pattern_callee(call: Node | None) -> bool:
    callee = call.child_by_field_name("function") if call is not None else None
    if callee is None:
        return False
    if callee.type == "attribute":
        obj, attr = callee.child_by_field_name("object"), text(callee.child_by_field_name("attribute") or callee)
        if obj is not None and text(obj) in _RE_MODULES:
            return attr in _RE_FUNCTIONS
        name = attr
    else:
        name = text(callee)
    return "regex" in name.lower() or bool(_PATTERN_NAME.search(name))


def _verbose_flag(node: Node) -> bool:
    """The call the pattern is passed to also passes re.X / re.VERBOSE."""
    args = node.parent
    if args is None or args.type != "argument_list":
        return False
    return any(re.search(r"\b(?:VERBOSE|X)\b", text(arg)) for arg in args.named_children[1:])
