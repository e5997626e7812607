"""Missing-guard repairs: insert `if x is None: <exit>` or `if not x: <exit>` before the statement,
for a name it reads; the exit is `continue` inside a loop, otherwise a `return` of a value the
function already returns elsewhere (or `None`)."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text, walk
from ..site import Fix, Site, prior_of
from ._names import mentioned_names

KIND = "statement.insert_guard"
PRIOR = prior_of(KIND)

_SIMPLE_VALUES = frozenset({"integer", "float", "string", "true", "false", "none", "list",
                            "dictionary", "tuple", "unary_operator"})
_MAX_EXITS = 3


def generate(site: Site) -> Iterable[Fix]:
    if site.stmt.type in ("function_definition", "class_definition", "decorated_definition",
                          "elif_clause", "else_clause", "except_clause", "finally_clause") \
            or not site.owns_lines():
        return
    start, _ = site.line_region()
    inner = site.indent + _indent_unit(site)
    nl = site.newline
    for name in mentioned_names(site, limit=2, prefer_inputs=True):
        for test in (f"{name} is None", f"not {name}"):
            for exit_ in _exits(site):
                guard = f"{site.indent}if {test}:{nl}{inner}{exit_}{nl}"
                yield Fix(((start, start, guard),), f"insert guard `if {test}: {exit_}`")


def _indent_unit(site: Site) -> str:
    return "\t" if site.indent.startswith("\t") else "    "


def _exits(site: Site) -> list[str]:
    exits: list[str] = []
    if site.enclosing_loop() is not None:
        exits.append("continue")
    func = site.scope.function
    if func is not None:
        values = site.shared.get(("returns", func.start_byte))
        if values is None:
            values = [text(node.named_children[0])
                      for node in walk(func, skip=frozenset({"function_definition", "lambda"}))
                      if node.type == "return_statement" and node.named_children
                      and node.named_children[0].type in _SIMPLE_VALUES]
            site.shared[("returns", func.start_byte)] = values
        for value in dict.fromkeys(values + ["None"]):
            exits.append(f"return {value}" if value != "None" or values else "return")
    return list(dict.fromkeys(exits))[:_MAX_EXITS]
