"""Bug injection for the ranker's training corpus: realistic one-site bugs written into correct code.

This is deliberately not the repair templates run backwards: besides the slips the templates can
undo (wrong operator, off-by-one, wrong variable or attribute, dropped negation, swapped arguments,
deleted statement or guard, changed constant) it makes bugs no template expresses (a method call
replaced by another with different arguments, a string literal altered, a bogus statement
inserted, a wrapping call removed), so the model cannot learn to simply invert the generator.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from tree_sitter import Node

from ...ast.nodes import text, walk
from ...ast.scope import ModuleIndex, scope_at

__all__ = ["Mutation", "KINDS", "mutate", "function_statements"]

_SIMPLE = frozenset({"expression_statement", "return_statement", "assert_statement",
                     "raise_statement"})
_HEADERS = {"if_statement": "condition", "elif_clause": "condition", "while_statement": "condition",
            "for_statement": "right"}
_CMP = {"<": ["<=", ">", "=="], "<=": ["<", ">="], ">": [">=", "<"], ">=": [">", "<="],
        "==": ["!=", "is"], "!=": ["==", "is not"], "is": ["is not", "=="], "is not": ["is", "!="],
        "in": ["not in"], "not in": ["in"]}
_ARITH = {"+": ["-", "*"], "-": ["+"], "*": ["/", "+", "**"], "/": ["//", "*"], "//": ["/", "%"],
          "%": ["//"], "<<": [">>"], ">>": ["<<"], "&": ["|"], "|": ["&", "^"]}
_AUG = {"+=": ["-="], "-=": ["+="], "*=": ["/=", "+="], "|=": ["&="], "&=": ["|="]}
_SELF = frozenset({"self", "cls"})


@dataclass(frozen=True)
class Mutation:
    kind: str
    start: int        # bytes of the original replaced by `new`
    end: int
    new: str
    site: int         # byte in the *mutated* file whose line fault localization should find


def function_statements(root: Node) -> list[Node]:
    """Statements inside function bodies (where tests can reach a bug)."""
    out = []
    for node in walk(root):
        if node.type in _SIMPLE or node.type in _HEADERS:
            parent = node.parent
            while parent is not None and parent.type != "function_definition":
                parent = parent.parent
            if parent is not None:
                out.append(node)
    return out


def _focus(stmt: Node) -> list[Node]:
    if stmt.type in _HEADERS:
        node = stmt.child_by_field_name(_HEADERS[stmt.type])
        return list(walk(node)) if node is not None else []
    return list(walk(stmt, skip=frozenset({"lambda"})))


def _variable_uses(nodes: list[Node]) -> list[Node]:
    out = []
    for n in nodes:
        p = n.parent
        if n.type != "identifier" or p is None or text(n) in _SELF:
            continue
        if p.type in ("attribute",) and p.child_by_field_name("attribute") == n:
            continue
        if p.type == "call" and p.child_by_field_name("function") == n:
            continue
        if p.type in ("keyword_argument", "default_parameter", "parameters") and \
                p.child_by_field_name("value") != n:
            continue
        out.append(n)
    return out


def _op(stmt: Node, nodes: list[Node], index: ModuleIndex, rng: random.Random) -> Mutation | None:
    options = []
    for n in nodes:
        if n.type == "comparison_operator":
            for op in n.children_by_field_name("operators"):
                options += [(op, alt) for alt in _CMP.get(" ".join(text(op).split()), [])]
        elif n.type in ("binary_operator", "augmented_assignment"):
            sign = n.child_by_field_name("operator")
            table = _ARITH if n.type == "binary_operator" else _AUG
            if sign is not None:
                options += [(sign, alt) for alt in table.get(text(sign), [])]
        elif n.type == "boolean_operator":
            sign = n.child_by_field_name("operator")
            if sign is not None:
                options.append((sign, "or" if text(sign) == "and" else "and"))
    if not options:
        return None
    op, alt = rng.choice(options)
    return Mutation("wrong_operator", op.start_byte, op.end_byte, alt, op.start_byte)


def _off_by_one(stmt, nodes, index, rng) -> Mutation | None:
    options = []
    for n in nodes:
        if n.type == "integer" and text(n).isdigit() and len(text(n)) < 4:
            value = int(text(n))
            options += [(n, str(value + 1))] + ([(n, str(value - 1))] if value > 0 else [])
        elif n.type == "binary_operator":
            op, right = n.child_by_field_name("operator"), n.child_by_field_name("right")
            if op is not None and text(op) in "+-" and right is not None and text(right) == "1":
                options.append((n, text(n.child_by_field_name("left"))))
        elif n.type in ("identifier", "attribute") and n.parent is not None and \
                n.parent.type in ("subscript", "slice", "argument_list"):
            if n.parent.type == "subscript" and n.parent.child_by_field_name("value") == n:
                continue
            options.append((n, f"{text(n)} {rng.choice('+-')} 1"))
    if not options:
        return None
    n, new = rng.choice(options)
    return Mutation("off_by_one", n.start_byte, n.end_byte, new, n.start_byte)


def _variable(stmt, nodes, index, rng) -> Mutation | None:
    uses = _variable_uses(nodes)
    if not uses:
        return None
    n = rng.choice(uses)
    pool = [v.text for v in scope_at(index, stmt).variables if v.text != text(n) and v.text not in _SELF]
    if not pool:
        return None
    return Mutation("wrong_variable", n.start_byte, n.end_byte, rng.choice(pool[:8]), n.start_byte)


def _negation(stmt, nodes, index, rng) -> Mutation | None:
    nots = [n for n in nodes if n.type == "not_operator"]
    if nots:
        n = rng.choice(nots)
        arg = n.child_by_field_name("argument")
        return Mutation("dropped_negation", n.start_byte, n.end_byte, text(arg), n.start_byte)
    if stmt.type in ("if_statement", "elif_clause", "while_statement"):
        cond = stmt.child_by_field_name("condition")
        if cond is not None and cond.type in ("identifier", "attribute", "call"):
            return Mutation("added_negation", cond.start_byte, cond.end_byte, f"not {text(cond)}",
                            cond.start_byte)
    return None


def _swap_args(stmt, nodes, index, rng) -> Mutation | None:
    calls = []
    for n in nodes:
        if n.type == "argument_list":
            pos = [a for a in n.named_children if a.type not in ("keyword_argument", "list_splat",
                                                                  "dictionary_splat", "comment")]
            if len(pos) >= 2 and text(pos[0]) != text(pos[1]):
                calls.append(pos)
    if not calls:
        return None
    a, b = rng.choice(calls)[:2]
    new = text(b) + stmt.text[a.end_byte - stmt.start_byte:b.start_byte - stmt.start_byte].decode(
        "utf-8", "surrogateescape") + text(a)
    return Mutation("swapped_args", a.start_byte, b.end_byte, new, a.start_byte)


def _line_bounds(src: bytes, node: Node) -> tuple[int, int]:
    start = src.rfind(b"\n", 0, node.start_byte) + 1
    end = src.find(b"\n", node.end_byte)
    return start, (len(src) if end == -1 else end + 1)


def _delete(stmt, nodes, index, rng, src: bytes = b"") -> Mutation | None:
    target = stmt
    kind = "deleted_statement"
    if stmt.type == "if_statement" and stmt.child_by_field_name("alternative") is None:
        body = stmt.child_by_field_name("consequence")
        if body is None or len(body.named_children) != 1 or body.named_children[0].type not in (
                "return_statement", "raise_statement", "continue_statement", "break_statement"):
            return None
        kind = "deleted_guard"
    elif stmt.type not in ("expression_statement",):
        return None
    block = target.parent
    nxt = target.next_named_sibling
    if block is None or block.type != "block" or len(block.named_children) < 2 or nxt is None:
        return None
    start, end = _line_bounds(src, target)
    if src[start:target.start_byte].strip() or b";" in src[target.end_byte:end]:
        return None
    return Mutation(kind, start, end, "", start)


def _constant(stmt, nodes, index, rng) -> Mutation | None:
    options = []
    for n in nodes:
        if n.type == "integer" and text(n).isdigit():
            v = int(text(n))
            options.append((n, str(rng.choice([v * 2 + 2, max(v // 2, 0) + 3, 10, 100]))))
        elif n.type in ("true", "false"):
            options.append((n, "False" if n.type == "true" else "True"))
        elif n.type == "none" and n.parent is not None and n.parent.type != "comparison_operator":
            options.append((n, rng.choice(["0", "''", "False"])))
    options = [(n, new) for n, new in options if new != text(n)]
    if not options:
        return None
    n, new = rng.choice(options)
    return Mutation("changed_constant", n.start_byte, n.end_byte, new, n.start_byte)


def _attribute(stmt, nodes, index, rng) -> Mutation | None:
    options = []
    for n in nodes:
        if n.type != "attribute" or (n.parent is not None and n.parent.type == "call"
                                     and n.parent.child_by_field_name("function") == n):
            continue
        obj, attr = n.child_by_field_name("object"), n.child_by_field_name("attribute")
        if obj is None or attr is None:
            continue
        if text(obj) in _SELF:
            scope = scope_at(index, stmt)
            pool = [f.text for f in scope.fields]
        else:
            pool = list(index.by_object.get(text(obj), []))
        pool = [p for p in pool if p != text(attr)]
        if pool:
            options.append((attr, rng.choice(pool)))
    if not options:
        return None
    attr, new = rng.choice(options)
    return Mutation("wrong_attribute", attr.start_byte, attr.end_byte, new, attr.start_byte)


def _replace_call(stmt, nodes, index, rng) -> Mutation | None:
    calls = [n for n in nodes if n.type == "call" and n.child_by_field_name("function") is not None
             and n.child_by_field_name("function").type == "attribute"]
    pool = sorted(index.called_attributes)
    if not calls or len(pool) < 2:
        return None
    call = rng.choice(calls)
    func = call.child_by_field_name("function")
    attr = func.child_by_field_name("attribute")
    args = call.child_by_field_name("arguments")
    others = [p for p in pool if p != text(attr)]
    if attr is None or args is None or not others:
        return None
    kept = [text(a) for a in args.named_children if a.type != "comment"]
    kept = kept[:-1] if kept and rng.random() < 0.6 else kept + [rng.choice(["None", "0", "True"])]
    new = f"{text(func.child_by_field_name('object'))}.{rng.choice(others)}({', '.join(kept)})"
    return Mutation("replaced_call", call.start_byte, call.end_byte, new, call.start_byte)


def _string(stmt, nodes, index, rng) -> Mutation | None:
    strings = [n for n in nodes if n.type == "string_content" and 1 < len(text(n)) < 40
               and "\\" not in text(n) and "{" not in text(n)]
    if not strings:
        return None
    n = rng.choice(strings)
    s = text(n)
    i = rng.randrange(len(s))
    new = rng.choice([s[:i] + s[i + 1:], s.swapcase(), s + rng.choice(["s", "_", " "])])
    if new == s:
        return None
    return Mutation("changed_string", n.start_byte, n.end_byte, new, n.start_byte)


def _insert(stmt, nodes, index, rng, src: bytes = b"") -> Mutation | None:
    """Duplicate a simple assignment from the same block after `stmt` (a bogus re-initialisation)."""
    block = stmt.parent
    if block is None or block.type != "block" or stmt.type not in _SIMPLE:
        return None
    donors = [s for s in block.named_children if s.type == "expression_statement" and s != stmt
              and s.named_children and s.named_children[0].type in ("assignment", "augmented_assignment")
              and "\n" not in text(s)]
    if not donors:
        return None
    donor = rng.choice(donors)
    start, end = _line_bounds(src, stmt)
    if src[start:stmt.start_byte].strip() or stmt.type == "return_statement":
        return None
    indent = src[start:stmt.start_byte].decode()
    return Mutation("inserted_statement", end, end, f"{indent}{text(donor)}\n", end)


def _unwrap(stmt, nodes, index, rng) -> Mutation | None:
    calls = [n for n in nodes if n.type == "call" and n.child_by_field_name("function") is not None
             and n.child_by_field_name("function").type == "identifier"
             and text(n.child_by_field_name("function")) in ("len", "int", "str", "list", "abs",
                                                              "float", "sorted", "tuple", "bool")]
    calls = [c for c in calls if len(c.child_by_field_name("arguments").named_children) == 1]
    if not calls:
        return None
    call = rng.choice(calls)
    arg = call.child_by_field_name("arguments").named_children[0]
    return Mutation("removed_call", call.start_byte, call.end_byte, text(arg), call.start_byte)


_Op = Callable[..., "Mutation | None"]
KINDS: dict[str, tuple[_Op, float]] = {
    "wrong_operator": (_op, 3.0), "off_by_one": (_off_by_one, 2.0), "wrong_variable": (_variable, 2.0),
    "negation": (_negation, 1.0), "swapped_args": (_swap_args, 1.0), "delete": (_delete, 1.0),
    "changed_constant": (_constant, 1.0), "wrong_attribute": (_attribute, 1.0),
    "replaced_call": (_replace_call, 1.0), "changed_string": (_string, 0.7),
    "inserted_statement": (_insert, 0.7), "removed_call": (_unwrap, 0.6),
}
_NEEDS_SRC = frozenset({"delete", "inserted_statement"})


def mutate(src: bytes, stmt: Node, index: ModuleIndex, rng: random.Random) -> Mutation | None:
    """One bug at `stmt`, of a kind drawn by weight among those that apply."""
    nodes = _focus(stmt)
    names = list(KINDS)
    weights = [KINDS[k][1] for k in names]
    while names:
        k = rng.choices(range(len(names)), weights)[0]
        name = names.pop(k)
        weights.pop(k)
        fn = KINDS[name][0]
        m = fn(stmt, nodes, index, rng, src) if name in _NEEDS_SRC else fn(stmt, nodes, index, rng)
        if m is not None and src[m.start:m.end].decode("utf-8", "surrogateescape") != m.new:
            return m
    return None
