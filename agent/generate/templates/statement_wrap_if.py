"""Missing-condition repairs: a statement that should only run sometimes is wrapped in an `if`
(`remaining -= 1` → `if is_business_day(day, holidays): remaining -= 1`). The conditions are ones
the code already states: predicate calls (`is_*`, `has_*`, `can_*`...) made elsewhere in the module
whose arguments are in scope, tests of `if`/`while` statements of the same function, and the
truthiness or not-None-ness of a name the statement reads. A function's last statement, when it
is a `return` of a value, may be wrapped too: it then returns None when the condition fails
(`return str(d)` → `if d is not None: return str(d)`)."""
from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import text, walk
from ..site import Fix, Site, prior_of, shorten
from ._names import BUILTINS, SELF_NAMES, is_variable, mentioned_names

KIND = "statement.wrap_if"
PRIOR = prior_of(KIND)

_PREDICATE = re.compile(r"^_?(is|has|can|should|needs?|contains|allows?|matches)(_|[A-Z]|$)")
_MAX_CONDITIONS = 6
_MAX_LINES = 4


def generate(site: Site) -> Iterable[Fix]:
    stmt = site.stmt
    if site.scope.function is None or not (stmt.type == "expression_statement" or _final_return(site)) \
            or not site.owns_lines() \
            or stmt.end_point.row - stmt.start_point.row >= _MAX_LINES:
        return
    start, end = site.line_region()
    if site.src[end - 1:end] != b"\n":
        return
    unit = "\t" if site.indent.startswith("\t") else "    "
    body = site.reindent(stmt, site.indent + unit)
    for cond in _conditions(site)[:_MAX_CONDITIONS]:
        yield Fix(((start, end, f"{site.indent}if {cond}:{site.newline}{body}"),),
                  f"guard `{shorten(text(stmt), 30)}` with `if {shorten(cond, 30)}:`")


def _final_return(site: Site) -> bool:
    """`return <value>` as the last statement of the function's own body."""
    stmt = site.stmt
    if stmt.type != "return_statement" or not stmt.named_children:
        return False
    body = site.function.child_by_field_name("body")
    return body is not None and stmt.parent == body and body.named_children[-1] == stmt


def _conditions(site: Site) -> list[str]:
    readable = {n.text for n in site.scope.variables} | {n.text for n in site.scope.callables} | BUILTINS
    self_ok = site.scope.cls is not None
    enclosing_tests = set()
    parent = site.stmt.parent
    while parent is not None and parent.type != "function_definition":
        cond = parent.child_by_field_name("condition")
        if cond is not None:
            enclosing_tests.add(text(cond))
        parent = parent.parent

    def usable(node: Node) -> bool:
        return text(node) not in enclosing_tests and node.end_point.row == node.start_point.row and all(
            text(n) in readable or (self_ok and text(n) in SELF_NAMES)
            for n in walk(node) if n.type == "identifier" and (is_variable(n) or text(n) in SELF_NAMES))

    func = site.function
    own = [c for c in _tests(site, func) if usable(c)]
    own.sort(key=lambda n: abs(n.start_byte - site.stmt.start_byte))
    predicates = [c for c in _predicate_calls(site) if usable(c)]
    predicates.sort(key=lambda n: (not (func.start_byte <= n.start_byte < func.end_byte),
                                   abs(n.start_byte - site.stmt.start_byte)))
    stated = [text(n) for n in predicates[:3]] + [text(n) for n in own[:2]]
    names = mentioned_names(site, limit=2)
    if site.stmt.type == "return_statement":     # return a value only when it exists
        found = [c for name in names for c in (f"{name} is not None", name)] + stated
    else:
        found = stated + [c for name in names for c in (name, f"{name} is not None")]
    return list(dict.fromkeys(f for f in found if f))


def _tests(site: Site, func: Node) -> list[Node]:
    key = ("wrap_if_tests", func.start_byte)
    if key not in site.shared:
        site.shared[key] = [c for n in walk(func, skip=frozenset({"function_definition", "lambda"}))
                            if n.type in ("if_statement", "elif_clause", "while_statement")
                            and (c := n.child_by_field_name("condition")) is not None]
    return site.shared[key]


def _predicate_calls(site: Site) -> list[Node]:
    if "predicate_calls" not in site.shared:
        calls = []
        for node in walk(site.tree.root_node):
            if node.type != "call":
                continue
            func = node.child_by_field_name("function")
            name = text(func).rsplit(".", 1)[-1] if func is not None else ""
            if _PREDICATE.match(name) or name in ("isinstance", "callable", "hasattr"):
                calls.append(node)
        site.shared["predicate_calls"] = calls
    return site.shared["predicate_calls"]
