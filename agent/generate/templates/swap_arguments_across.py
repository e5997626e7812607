"""Arguments swapped between two calls on neighbouring lines: `left = clamp(y, 0, W)` over
`top = clamp(x, 0, H)` → `clamp(x, 0, W)` and `clamp(y, 0, H)`. Two calls, one in the suspicious
statement and one in a statement at most two lines away (the next one, or the same place in the
other branch of an `if`), exchange:
- for calls of the same function, the arguments at one position (or the values of one keyword),
  and where those two arguments have the same shape but differ in several leaves (`H - w` and
  `W - h`), each differing pair on its own (`clamp(x, 0, H - w)` → `clamp(x, 0, W - w)`);
- for calls of the same shape that differ in one or two leaves, each differing pair: the callee
  included (`set.union(*sets)` over `set.intersection(*sets)` → the two exchanged).
One edit in each line."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from tree_sitter import Node

from ...ast.nodes import SIMPLE_TYPES, enclosing, field_node, text, walk
from ..site import Fix, Site, prior_of, shorten

KIND = "swap.arguments_across"
PRIOR = prior_of(KIND)

_SKIP = frozenset({"list_splat", "dictionary_splat", "comment"})
_MAX_FIXES = 12
_REACH = 2          # lines between the two statements' first lines
_LEAVES = frozenset({"identifier", "integer", "float", "string", "true", "false", "none"})


def generate(site: Site) -> Iterable[Fix]:
    stmt = site.stmt
    if stmt.type not in SIMPLE_TYPES or not site.owns_lines():
        return
    calls = site.nodes("call")
    if not calls:
        return
    fixes = 0
    for other in _neighbours(stmt):
        if not site.owns_lines(other):
            continue
        theirs = [n for n in walk(other) if n.type == "call"]
        for mine in calls:
            for their in theirs:
                for x, y in _exchanges(mine, their):
                    yield Fix(((x.start_byte, x.end_byte, text(y)), (y.start_byte, y.end_byte, text(x))),
                              f"swap `{shorten(text(x), 20)}` and `{shorten(text(y), 20)}` between lines "
                              f"{x.start_point.row + 1} and {y.start_point.row + 1}")
                    fixes += 1
                    if fixes >= _MAX_FIXES:
                        return


def _neighbours(stmt: Node) -> list[Node]:
    """Simple statements of the same function whose first line is at most _REACH lines from
    `stmt`'s, nearest first."""
    row = stmt.start_point.row
    root = enclosing(stmt, {"function_definition"})
    if root is None:
        root = stmt
        while root.parent is not None:
            root = root.parent
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if node.end_point.row < row - _REACH or node.start_point.row > row + _REACH:
            continue
        if node.type in SIMPLE_TYPES:
            if node != stmt and abs(node.start_point.row - row) <= _REACH and \
                    node.start_point.row != row:
                found.append(node)
            continue
        stack.extend(node.named_children)
    return sorted(found, key=lambda n: (abs(n.start_point.row - row), n.start_byte))


def _callee(call: Node) -> str:
    fn = call.child_by_field_name("function")
    return text(fn) if fn is not None else ""


def _exchanges(mine: Node, their: Node) -> Iterator[tuple[Node, Node]]:
    if _callee(mine) == _callee(their):
        for a, b in _arguments(mine, their):
            yield a, b
            leaves = _differing_leaves(a, b)
            if leaves is not None and len(leaves) >= 2:
                yield from leaves
        return
    leaves = _differing_leaves(mine, their)
    if leaves is not None and 1 <= len(leaves) <= 2:
        yield from leaves


def _arguments(a: Node, b: Node) -> Iterator[tuple[Node, Node]]:
    """Arguments at the same position, and values of the same keyword, that differ."""
    args_a, args_b = a.child_by_field_name("arguments"), b.child_by_field_name("arguments")
    if args_a is None or args_b is None or args_a.type != "argument_list" or args_b.type != "argument_list":
        return
    pos_a = [n for n in args_a.named_children if n.type not in _SKIP and n.type != "keyword_argument"]
    pos_b = [n for n in args_b.named_children if n.type not in _SKIP and n.type != "keyword_argument"]
    for x, y in zip(pos_a, pos_b):
        if text(x) != text(y):
            yield x, y
    kw_b = {text(field_node(k, "name")): k.child_by_field_name("value")
            for k in args_b.named_children if k.type == "keyword_argument"}
    for k in args_a.named_children:
        if k.type != "keyword_argument":
            continue
        value, other = k.child_by_field_name("value"), kw_b.get(text(field_node(k, "name")))
        if value is not None and other is not None and text(value) != text(other):
            yield value, other


def _differing_leaves(a: Node, b: Node) -> list[tuple[Node, Node]] | None:
    """The pairs of leaves where two same-shaped expressions differ; None when shapes differ."""
    if a.type != b.type or a.child_count != b.child_count:
        return None
    if a.type in _LEAVES:
        return [] if text(a) == text(b) else [(a, b)]
    if a.child_count == 0:
        return [] if text(a) == text(b) else None
    out: list[tuple[Node, Node]] = []
    for x, y in zip(a.children, b.children):
        sub = _differing_leaves(x, y)
        if sub is None:
            return None
        out += sub
    return out
