"""Regular-expression repairs: small edits (agent.generate.regex_edits) of a pattern literal — the
first argument of `re.match`/`search`/`sub`/`compile`/`findall`/`split`..., of a `*regex*`/`*_re`
helper, a `..._RE`/`_VALID_URL`-style assignment, or a raw string that reads as a pattern — and the
pattern a name the statement matches with is bound to in the same file (`URL_RE.match(s)`,
`re.search(self._VALID_URL, s)`: a module or class constant, run at import, so no test's coverage
shows its line). The characters where the failing comparison's actual and expected values differ
are the first ones tried in a character class."""
from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import field_node, parent_of, text
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
    patterns = [n for n in site.nodes("string") if _is_pattern(n)]
    for node in [*patterns, *_named_patterns(site)]:
        lit = string_literal(node, site.src)
        if lit is None or lit.value is None or len(lit.pieces) != 1 or lit.is_bytes:
            continue
        piece = lit.pieces[0]
        for new, why in pattern_edits(piece.value, hints, verbose=_verbose_flag(node)):
            span = piece.rewrite(new)
            if span is not None:
                yield Fix((span,), f"regex: {why}")


def _named_patterns(site: Site) -> list[Node]:
    """String literals bound at module or class level to a name the site matches with."""
    used = set()
    for call in site.nodes("call"):
        callee, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if callee is None or callee.type != "attribute":
            continue
        obj, attr = callee.child_by_field_name("object"), text(callee.child_by_field_name("attribute") or callee)
        if obj is None or attr not in _RE_FUNCTIONS:
            continue
        if text(obj) in _RE_MODULES:
            first = args.named_children[0] if args is not None and args.named_children else None
            if first is not None and first.type in ("identifier", "attribute"):
                used.add(text(first).rsplit(".", 1)[-1])
        elif obj.type in ("identifier", "attribute") and attr != "compile":
            used.add(text(obj).rsplit(".", 1)[-1])
    if not used:
        return []
    key = "regex.edit:constants"
    if key not in site.shared:
        site.shared[key] = _constant_patterns(site.tree.root_node)
    return [node for name, node in site.shared[key] if name in used]


def _constant_patterns(root: Node) -> list[tuple[str, Node]]:
    """(name, string) of `NAME = "..."` and `NAME = re.compile("...")` at module and class level."""
    found = []
    bodies = [root]
    for stmt in root.named_children:
        inner = stmt.child_by_field_name("definition") if stmt.type == "decorated_definition" else stmt
        if inner is not None and inner.type == "class_definition" and inner.child_by_field_name("body"):
            bodies.append(field_node(inner, "body"))
    for body in bodies:
        for stmt in body.named_children:
            expr = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else None
            if expr is None or expr.type != "assignment":
                continue
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            if left is None or right is None or left.type != "identifier":
                continue
            if right.type == "call" and text(right.child_by_field_name("function") or right) in ("re.compile", "compile"):
                args = right.child_by_field_name("arguments")
                right = args.named_children[0] if args is not None and args.named_children else right
            if right.type == "string":
                found.append((text(left), right))
    return found


def _is_pattern(node: Node) -> bool:
    target, parent = node, node.parent
    while parent is not None and (parent.type == "parenthesized_expression" or (
            parent.type == "binary_operator" and parent.child_by_field_name("left") == target
            and text(parent.child_by_field_name("operator") or parent).strip() == "%")):
        target, parent = parent, parent.parent
    if parent is not None and parent.type == "attribute" and text(parent.child_by_field_name("attribute") or parent) == "format":
        call = parent_of(parent)
        target, parent = call, call.parent
    if parent is None:
        return False
    if parent.type == "argument_list" and parent.named_children[:1] == [target]:
        return _pattern_callee(parent.parent)
    if parent.type == "keyword_argument":
        name = parent.child_by_field_name("name")
        return name is not None and text(name) in ("pattern", "regex")
    if parent.type == "assignment" and parent.child_by_field_name("right") == target:
        left = field_node(parent, "left")
        bound = text(field_node(left, "attribute")) if left.type == "attribute" else text(left)
        if _PATTERN_NAME.search(bound):
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
