"""Donor statements: statements of the project's own code that a missing-statement repair copies to
a suspicious point, and the re-binding of their names to the names in scope there.

A donor's variables that are not in scope at the site are re-bound, best evidence first: to the
site's variable assigned from the same expression (`ex_args = params.get(param)` in the donor's
function, `param = params.get(param)` in the site's), to the parameter in the same position, to
the literal default of the donor function's parameter (`default=[]` → `[]`), else, for a donor
from a related function, to an in-scope variable of the same kind the site's function uses most.
A variable the donor assigns is re-bound only to one assigned from the same expression."""
from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from ...ast.nodes import enclosing, field_node, text, walk
from ...ast.query import captures
from ..site import Site
from ._kinds import compatible, kinds_in
from ._names import BUILTINS, SELF_NAMES, is_variable

__all__ = ["useful", "inside", "words", "words_in", "Roles", "roles_of", "rebind", "donor_text",
           "free_variables", "stored_names"]

_EXITS = frozenset({"return_statement", "raise_statement", "continue_statement", "break_statement"})
_LITERALS = frozenset({"integer", "float", "string", "true", "false", "none", "list", "dictionary",
                       "tuple", "set"})
_ALTERNATIVES = 2
_FUNCTIONS = frozenset({"function_definition", "lambda"})


def useful(node: Node) -> bool:
    """A statement shape worth copying: a guard `if ...: <exit>`, an `x += e`, a `self.x = e`, an
    `obj.method(...)` call."""
    if node.type == "if_statement":
        body = node.child_by_field_name("consequence")
        return (body is not None and len(body.named_children) == 1
                and body.named_children[0].type in _EXITS
                and not node.children_by_field_name("alternative"))
    if node.type != "expression_statement" or not node.named_children:
        return False
    inner = node.named_children[0]
    if inner.type == "augmented_assignment":
        return True
    if inner.type == "assignment":
        left = inner.child_by_field_name("left")
        return left is not None and left.type == "attribute" and text(left).split(".")[0] in SELF_NAMES
    return inner.type == "call" and field_node(inner, "function").type == "attribute"


def inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def words(site: Site, node: Node) -> frozenset[str]:
    """Names and `self.x` fields a statement or function mentions (memoised per node of the
    site's file)."""
    key = ("words", node.start_byte, node.end_byte)
    if key not in site.shared:
        site.shared[key] = words_in(node)
    return site.shared[key]


def words_in(node: Node) -> frozenset[str]:
    found = set()
    for n in walk(node):
        if n.type == "identifier" and is_variable(n) and text(n) not in BUILTINS:
            found.add(text(n))
        elif n.type == "attribute" and text(n).split(".")[0] in SELF_NAMES:
            found.add(".".join(text(n).split(".")[:2]))
    return frozenset(found)


@dataclass
class Roles:
    """What a function says about each of its variables: parameter position and default, the
    expressions assigned to it, and (read on first use) its kind."""
    func: Node | None = None
    params: list[str] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)
    sources: dict[str, set[str]] = field(default_factory=dict)

    @functools.cached_property
    def kinds(self) -> dict[str, str]:
        return kinds_in(self.func) if self.func is not None else {}


def roles_of(func: Node | None, memo: dict, path: str = "") -> Roles:
    """Memoised in `memo` under the function's file (`path`) and position."""
    if func is None:
        return Roles()
    key = ("roles", path, func.start_byte, func.end_byte)
    if key in memo:
        return memo[key]
    roles = Roles(func)
    params = func.child_by_field_name("parameters")
    for p in params.named_children if params is not None else ():
        name = p if p.type == "identifier" else p.child_by_field_name("name")
        if name is None and p.type == "typed_parameter":
            name = next((c for c in p.named_children if c.type == "identifier"), None)
        if name is None or name.type != "identifier" or text(name) in SELF_NAMES:
            continue
        roles.params.append(text(name))
        default = p.child_by_field_name("value") if p.type.endswith("default_parameter") else None
        if default is not None and default.type in _LITERALS and len(text(default)) <= 20:
            roles.defaults[text(name)] = text(default)
    for target in captures("assignments", func).get("assign", []):
        assignment = target.parent
        if assignment is None or assignment.type != "assignment" \
                or assignment.child_by_field_name("left") != target:
            continue
        right = assignment.child_by_field_name("right")
        if right is not None and enclosing(target, _FUNCTIONS) == func:
            roles.sources.setdefault(text(target), set()).add(" ".join(text(right).split()))
    memo[key] = roles
    return roles


def rebind(free: list[str], donor: Roles, here: Roles, visible: list[str],
           used: dict[str, int], stores: frozenset[str] = frozenset(),
           by_kind: bool = True) -> Iterator[dict[str, str]]:
    """Mappings of the donor's out-of-scope variables to what stands for them at the site, the
    best first; none when some variable has no stand-in. `visible`: in-scope variables of the
    site, nearest first; `used`: how often the site's function uses each; `stores`: the free
    variables the donor assigns, which only a variable playing the same role may stand for;
    `by_kind`: whether a variable of the same kind will do (for a donor from a related function)."""
    options: dict[str, list[str]] = {}
    for name in free:
        found = _stand_ins(name, donor, here, visible, used, name in stores, by_kind)
        if not found:
            return
        options[name] = found
    best = {name: found[0] for name, found in options.items()}
    yield best
    emitted = 1
    for name, found in options.items():
        for other in found[1:]:
            if emitted >= _ALTERNATIVES:
                return
            yield {**best, name: other}
            emitted += 1


def _stand_ins(name: str, donor: Roles, here: Roles, visible: list[str], used: dict[str, int],
               stored: bool, by_kind: bool) -> list[str]:
    out: list[str] = []
    shapes = donor.sources.get(name, set())
    for v in visible:
        if shapes & here.sources.get(v, set()):
            out.append(v)
    if stored:
        return out[:3]
    if name in donor.params:
        i = donor.params.index(name)
        if i < len(here.params) and here.params[i] in visible:
            out.append(here.params[i])
        if name in donor.defaults:
            out.append(donor.defaults[name])
    kind = donor.kinds.get(name, "") if by_kind else ""
    for v in sorted(visible, key=lambda v: -used.get(v, 0)) if kind else ():
        if here.kinds.get(v, "") == kind and compatible(kind, here.kinds.get(v, "")):
            out.append(v)
    return list(dict.fromkeys(out))[:3]


def donor_text(node: Node, mapping: dict[str, str], indent: str, newline: str) -> str:
    """The donor's lines with its variables renamed and its indentation moved to `indent`."""
    src = node.text or b""
    renames = [(n.start_byte - node.start_byte, n.end_byte - node.start_byte, mapping[text(n)])
               for n in walk(node) if n.type == "identifier" and text(n) in mapping
               and (is_variable(n) or _is_target(n))]
    out = src
    for start, end, new in sorted(renames, reverse=True):
        out = out[:start] + new.encode("utf-8") + out[end:]
    lines = out.decode("utf-8", errors="surrogateescape").splitlines()
    column = node.start_point.column
    moved = [indent + lines[0]] + [indent + (ln[column:] if ln[:column].strip() == "" else ln.lstrip())
                                   for ln in lines[1:]]
    return newline.join(moved) + newline


def _is_target(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type in ("assignment", "augmented_assignment") \
        and parent.child_by_field_name("left") == node


def stored_names(node: Node) -> frozenset[str]:
    """Variables a statement assigns."""
    return frozenset(text(n) for n in walk(node) if n.type == "identifier" and _is_target(n))


def free_variables(node: Node, known: set[str]) -> list[str]:
    """Variables a statement reads or binds that are not in `known`, first seen first."""
    out: list[str] = []
    for n in walk(node):
        if n.type != "identifier" or not (is_variable(n) or _is_target(n)):
            continue
        name = text(n)
        if name in known or name in SELF_NAMES or name in BUILTINS or name in out:
            continue
        out.append(name)
    return out
