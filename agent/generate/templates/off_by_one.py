"""Off-by-one repairs: integer literals ±1, `e ± 1` → `e`, and `e` → `e + 1`/`e - 1` where
boundaries live (indices, slice bounds, `range()` arguments, the bound of an ordering comparison,
the arguments of a recursive call); `range(1, n)` ↔ `range(n)`; `enumerate(xs)` ↔
`enumerate(xs, start=1)`; a loop over `xs` → over `xs[1:]` or `xs[:-1]`."""
from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from ...ast.nodes import field_node, parent_of, text
from ..site import Fix, Site, left_operand, prior_of, replace

KIND = "off_by_one"
PRIOR = prior_of(KIND)

_ORDERING = frozenset({"<", "<=", ">", ">="})
_LITERALS = frozenset({"integer", "float", "string", "true", "false", "none"})


def generate(site: Site) -> Iterable[Fix]:
    for node in site.nodes("integer"):
        yield from _literal(node)
    for node in site.nodes("binary_operator"):
        op, right = node.child_by_field_name("operator"), node.child_by_field_name("right")
        if op is not None and text(op) in "+-" and right is not None and right.type == "integer" \
                and _int(right) == 1:
            yield replace(node, text(field_node(node, "left")))
    for bound in _boundaries(site):
        if bound.type in _LITERALS or bound.type == "unary_operator" or _is_pm_one(bound):
            continue
        yield replace(bound, f"{left_operand(bound, '+')} + 1")
        yield replace(bound, f"{left_operand(bound, '-')} - 1")
    for call in site.nodes("call"):
        yield from _range_start(call)
        yield from _enumerate_start(call)
    yield from _shift_indices(site)
    for iterable in _iterables(site):
        yield replace(iterable, f"{text(iterable)}[1:]")
        yield replace(iterable, f"{text(iterable)}[:-1]")


def _int(node: Node) -> int | None:
    try:
        return int(text(node).replace("_", ""), 10)
    except ValueError:
        return None


def _is_pm_one(node: Node) -> bool:
    right = node.child_by_field_name("right") if node.type == "binary_operator" else None
    return right is not None and right.type == "integer" and _int(right) == 1


def _literal(node: Node) -> Iterable[Fix]:
    value = _int(node)
    if value is None:
        return
    parent = node.parent
    negated = parent is not None and parent.type == "unary_operator" and text(parent).startswith("-")
    target = parent_of(node) if negated else node
    value = -value if negated else value
    in_pm = (parent is not None and parent.type == "binary_operator"
             and parent.child_by_field_name("right") == node and value == 1)
    for new in (value + 1, value - 1):
        if in_pm and new == 0:
            continue
        yield replace(target, str(new))


def _boundaries(site: Site) -> Iterable[Node]:
    for node in site.nodes("subscript"):
        index = node.child_by_field_name("subscript")
        if index is not None and index.type not in ("slice", "string", "tuple"):
            yield index
    for node in site.nodes("slice"):
        yield from (c for c in node.named_children if c.type != "comment")
    for node in site.nodes("call"):
        func = node.child_by_field_name("function")
        if func is not None and text(func) == "range":
            yield from field_node(node, "arguments").named_children
    own = _function_name(site)
    for node in site.nodes("call"):   # a recursive call that forgets to shrink its argument
        func, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if own and func is not None and text(func) in (own, f"self.{own}", f"cls.{own}") \
                and args is not None and args.type == "argument_list":
            for arg in args.named_children:
                yield from _numeric_leaves(arg)
    for node in site.nodes("comparison_operator"):
        ops = node.children_by_field_name("operators")
        if len(ops) == 1 and text(ops[0]) in _ORDERING:
            yield node.named_children[-1]


def _range_start(call: Node) -> Iterable[Fix]:
    func, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if func is None or text(func) != "range" or args is None:
        return
    values = [a for a in args.named_children if a.type != "comment"]
    if len(values) == 2 and values[0].type == "integer":
        yield Fix(((values[0].start_byte, values[1].start_byte, ""),),
                  f"`{text(call)}` → `range({text(values[1])})`")
    if len(values) == 1 and values[0].type != "keyword_argument":
        for start in ("1", "0"):
            yield Fix(((values[0].start_byte, values[0].start_byte, f"{start}, "),),
                      f"`{text(call)}` → `range({start}, {text(values[0])})`")


def _function_name(site: Site) -> str:
    func = site.scope.function
    name = func.child_by_field_name("name") if func is not None else None
    return text(name) if name is not None else ""


def _numeric_leaves(node: Node) -> Iterable[Node]:
    """The plain names among a value: itself, or the branches of a conditional expression."""
    value = node.child_by_field_name("value") if node.type == "keyword_argument" else node
    if value is None:
        return
    if value.type in ("identifier", "attribute"):
        yield value
    elif value.type == "conditional_expression":
        for branch in (value.named_children[0], value.named_children[-1]):
            yield from _numeric_leaves(branch)


def _iterables(site: Site) -> Iterable[Node]:
    """Plain-name iterables of loops and comprehensions, which may need to skip an element."""
    for node in site.nodes("for_statement", "for_in_clause"):
        right = node.child_by_field_name("right")
        if right is not None and right.type in ("identifier", "attribute"):
            yield right


def _enumerate_start(call: Node) -> Iterable[Fix]:
    """`enumerate(xs)` ↔ `enumerate(xs, start=1)` (its start ±1 is the integer-literal rule)."""
    func, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if func is None or text(func) != "enumerate" or args is None or args.type != "argument_list":
        return
    values = [a for a in args.named_children if a.type != "comment"]
    if len(values) == 1:
        yield Fix(((values[0].end_byte, values[0].end_byte, ", start=1"),),
                  f"`{text(call)}` → `enumerate({text(values[0])}, start=1)`")
    elif len(values) == 2:
        yield Fix(((values[0].end_byte, values[1].end_byte, ""),),
                  f"`{text(call)}` → `enumerate({text(values[0])})`")


def _shift_indices(site: Site) -> Iterable[Fix]:
    """Every index into the same sequence shifted together (`xs[i] + xs[i + 1]` →
    `xs[i - 1] + xs[i]`): a window placed one step off."""
    by_object: dict[str, list[Node]] = {}
    for node in site.nodes("subscript"):
        obj, index = node.child_by_field_name("value"), node.child_by_field_name("subscript")
        if obj is not None and index is not None and index.type not in ("slice", "string", "tuple"):
            by_object.setdefault(text(obj), []).append(index)
    for name, indices in by_object.items():
        if len(indices) < 2 or len(indices) > 4 or len({text(i) for i in indices}) < 2:
            continue
        for delta in (1, -1):
            spans = tuple((i.start_byte, i.end_byte, _shifted(i, delta)) for i in indices)
            yield Fix(spans, f"shift every index into `{name}` by {delta:+d}")


def _shifted(node: Node, delta: int) -> str:
    value = _int(node) if node.type == "integer" else None
    if value is not None:
        return str(value + delta)
    right = node.child_by_field_name("right") if node.type == "binary_operator" else None
    op = text(field_node(node, "operator")) if right is not None else ""
    step = _int(right) if right is not None and right.type == "integer" else None
    if step is not None and op in "+-":
        k = (step if op == "+" else -step) + delta
        left = text(field_node(node, "left"))
        return left if k == 0 else f"{left} {'+' if k > 0 else '-'} {abs(k)}"
    sign = "+" if delta > 0 else "-"
    return f"{left_operand(node, sign)} {sign} 1"
