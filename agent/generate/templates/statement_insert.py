"""Missing-statement repairs by copying: a statement of a useful shape (a guard `if ...: return`, an
`x += 1`, a `self.x = ...`, an `xs.append(...)`) found elsewhere in the same function or module is
inserted just before or after the suspicious statement, re-indented, when every name it reads is
in scope there."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import COMPOUND_TYPES, SIMPLE_TYPES, text, walk
from ..site import Fix, Site, prior_of, shorten
from ._donors import inside, useful, words
from ._names import BUILTINS, SELF_NAMES, is_variable

KIND = "statement.insert"
PRIOR = prior_of(KIND)

_MAX_DONORS = 4
_MAX_DONOR_LINES = 4


def generate(site: Site) -> Iterable[Fix]:
    stmt = site.stmt
    if stmt.type not in SIMPLE_TYPES | COMPOUND_TYPES or stmt.type in (
            "function_definition", "class_definition", "decorated_definition") or not site.owns_lines():
        return
    if site.scope.function is None:
        return
    start, end = site.line_region()
    # A module global may be read but not rebound in a function: it would become a local there.
    known = {n.text for n in site.scope.variables if n.kind != "global"}
    readable = known | {n.text for n in site.scope.variables} | {n.text for n in site.scope.callables}
    for donor in _donors(site, (known, readable | BUILTINS)):
        snippet = site.reindent(donor, site.indent)
        label = shorten(text(donor))
        yield Fix(((start, start, snippet),), f"insert `{label}` before line {site.line}")
        if stmt.type != "return_statement" and end <= len(site.src) and site.src[end - 1:end] == b"\n":
            yield Fix(((end, end, snippet),), f"insert `{label}` after line {site.line}")


def _donors(site: Site, known: tuple[set[str], set[str]]) -> list[Node]:
    func = site.function
    key = ("useful_in", func.start_byte)
    if key not in site.shared:
        site.shared[key] = [n for n in walk(func) if useful(n)]
    own = site.shared[key]
    if "useful_statements" not in site.shared:
        site.shared["useful_statements"] = [n for n in walk(site.tree.root_node) if useful(n)]
    module = [n for n in site.shared["useful_statements"] if not inside(n, func)]
    # Module donors that touch what this function touches (`self._data`, `key`) first.
    here = words(site, func)
    module.sort(key=lambda n: -len(words(site, n) & here))
    stmt_text = text(site.stmt)
    picked: list[Node] = []
    seen: set[str] = {stmt_text}
    for node in sorted(own, key=lambda n: abs(n.start_byte - site.stmt.start_byte)) + module:
        said = text(node)
        if said in seen or node.end_point.row - node.start_point.row >= _MAX_DONOR_LINES:
            continue
        if inside(site.stmt, node) or inside(node, site.stmt) or not _names_known(node, known):
            continue
        seen.add(said)
        picked.append(node)
        if len(picked) == _MAX_DONORS:
            break
    return picked


def _names_known(node: Node, known: tuple[set[str], set[str]]) -> bool:
    bindable, readable = known
    inner = node.named_children[0] if node.type == "expression_statement" and node.named_children else None
    if inner is not None and inner.type == "augmented_assignment":
        target = inner.child_by_field_name("left")
        if target is not None and target.type == "identifier" and text(target) not in bindable:
            return False
    self_ok = bool(SELF_NAMES & bindable)
    return all(text(n) in readable or (self_ok and text(n) in SELF_NAMES)
               for n in walk(node) if n.type == "identifier" and (is_variable(n) or text(n) in SELF_NAMES))
