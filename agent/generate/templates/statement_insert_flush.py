"""Missing flush after a loop: a loop that accumulates into a buffer (`current`) and appends it to
a result when full (`lines.append(current); current = word`) forgets the last, partial buffer.
Inserts `if current: lines.append(current)` right after the loop."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import field_node, text, walk
from ..site import Fix, Site, prior_of

KIND = "statement.insert_flush"
PRIOR = prior_of(KIND)

_LOOPS = frozenset({"for_statement", "while_statement"})


def generate(site: Site) -> Iterable[Fix]:
    func = site.scope.function
    if func is None:
        return
    for loop in _loops(site):
        _, end = site.line_region(loop)
        if site.src[end - 1:end] != b"\n":
            continue
        ind = site.offsets.indent_of(loop.start_point.row + 1)
        body = loop.child_by_field_name("body")
        step = site.offsets.indent_of(body.start_point.row + 1)[len(ind):] if body is not None else ""
        step = step or "    "
        nl = site.newline
        for target, buf in _flushes(loop):
            snippet = f"{ind}if {buf}:{nl}{ind}{step}{target}.append({buf}){nl}"
            yield Fix(((end, end, snippet),), f"insert `if {buf}: {target}.append({buf})` after the loop")


def _loops(site: Site) -> list[Node]:
    found: list[Node] = []
    prev = site.stmt.prev_named_sibling
    while prev is not None and prev.type == "comment":
        prev = prev.prev_named_sibling
    if prev is not None and prev.type in _LOOPS:
        found.append(prev)
    node: Node | None = site.stmt
    while node is not None and node.type != "function_definition":
        if node.type in _LOOPS and node not in found:
            found.append(node)
            break
        node = node.parent
    return found


def _flushes(loop: Node) -> list[tuple[str, str]]:
    """(`xs`, `buf`) for every `xs.append(buf)` in the loop where `buf` is also rebound there."""
    rebound = set()
    appends: list[tuple[str, str]] = []
    for n in walk(loop):
        if n.type == "assignment":
            left = n.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                rebound.add(text(left))
        elif n.type == "call":
            fn, args = n.child_by_field_name("function"), n.child_by_field_name("arguments")
            if fn is not None and fn.type == "attribute" and text(field_node(fn, "attribute")) == "append" \
                    and args is not None and len(args.named_children) == 1 \
                    and args.named_children[0].type == "identifier":
                pair = (text(field_node(fn, "object")), text(args.named_children[0]))
                if pair not in appends:
                    appends.append(pair)
    return [p for p in appends if p[1] in rebound][:2]
