"""Anti-patterns of plausible patches (Tan et al., "Anti-patterns in search-based program repair",
FSE 2016): edits that make weak tests pass by removing behaviour rather than fixing it. A plausible
patch that shows one ranks after every plausible patch that shows none; nothing is dropped.

Judged per function the patch changes (Python's own parser, both versions of the file):
- "unused parameter": a parameter the function read before and no longer reads;
- "unused loop variable": a `for` target its loop's body read before and no longer reads (a
  recursive call given a loop-invariant argument);
- "degenerate loop bound": a `range(...)` that became a constant one of at most one step, a loop
  test that became constant, or a bound that lost its square root (`i * i <= n`, `n ** 0.5`,
  `isqrt(n)`): the answer stays right at quadratic cost, or the loop no longer loops;
- "deleted check": fewer `if`/`raise`/`assert` statements, or an `if`/`elif`/`while`/`assert`/
  conditional test that became a constant or compares a value with itself (`x > x`).
"""
from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import cast

__all__ = ["anti_patterns", "ANTI_PATTERNS"]

ANTI_PATTERNS = ("unused parameter", "unused loop variable", "degenerate loop bound", "deleted check")

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
_CHECKS = (ast.If, ast.Raise, ast.Assert)
_ROOTS = frozenset({"sqrt", "isqrt"})


def anti_patterns(before: Mapping[str, bytes], after: Mapping[str, bytes]) -> tuple[str, ...]:
    """The anti-patterns (names from ANTI_PATTERNS, in that order) that the patch turning each
    `before[path]` into `after[path]` shows; () when none, or when a version does not parse."""
    found: set[str] = set()
    for path, new in after.items():
        old = before.get(path)
        if old is None or old == new:
            continue
        try:
            old_tree, new_tree = ast.parse(old), ast.parse(new)
        except (SyntaxError, ValueError, RecursionError):
            continue
        old_fns, new_fns = _functions(old_tree), _functions(new_tree)
        for name, fn in new_fns.items():
            was = old_fns.get(name)
            if was is not None and ast.dump(was) != ast.dump(fn):
                found.update(_function_anti_patterns(was, fn))
    return tuple(a for a in ANTI_PATTERNS if a in found)


def _functions(tree: ast.Module) -> dict[str, _Function]:
    """Every function by its dotted path (`Class.method.inner`; lambdas by their order)."""
    out: dict[str, _Function] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        lambdas = 0
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    out.setdefault(name, child)
                visit(child, name + ".")
            elif isinstance(child, ast.Lambda):
                lambdas += 1
                name = f"{prefix}<lambda{lambdas}>"
                out.setdefault(name, child)
                visit(child, name + ".")
            else:
                visit(child, prefix)
    visit(tree, "")
    return out


def _function_anti_patterns(old: _Function, new: _Function) -> Iterator[str]:
    if _params(old) == _params(new) and _params(old) & _reads(old) - _reads(new):
        yield "unused parameter"
    old_loops, new_loops = _loops(old), _loops(new)
    if len(old_loops) == len(new_loops):
        for a, b in zip(old_loops, new_loops):
            if isinstance(a, ast.For) and isinstance(b, ast.For):
                targets = _stores(a.target)
                if targets == _stores(b.target) and targets & _reads_in(a.body) - _reads_in(b.body):
                    yield "unused loop variable"
            if type(a) is type(b) and _degenerate(a, b):
                yield "degenerate loop bound"
    if any(_count(new, kind) < _count(old, kind) for kind in _CHECKS):
        yield "deleted check"
    old_tests, new_tests = _tests(old), _tests(new)
    if len(old_tests) == len(new_tests) and any(
            _trivial(b) and not _trivial(a) for a, b in zip(old_tests, new_tests)):
        yield "deleted check"


def _params(fn: _Function) -> set[str]:
    args = fn.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return set(names)


def _body_nodes(fn: _Function) -> list[ast.AST]:
    body = fn.body if isinstance(fn.body, list) else [fn.body]
    return [n for stmt in body for n in ast.walk(stmt)]


def _reads(fn: _Function) -> set[str]:
    return {n.id for n in _body_nodes(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _reads_in(stmts: list[ast.stmt]) -> set[str]:
    return {n.id for s in stmts for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _stores(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _own_nodes(fn: _Function) -> Iterator[ast.AST]:
    """The function's nodes, not those of functions nested in it (judged on their own)."""
    body = fn.body if isinstance(fn.body, list) else [fn.body]
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed([c for c in ast.iter_child_nodes(node) if not isinstance(c, _FUNCTIONS)]))


def _loops(fn: _Function) -> list[ast.stmt]:
    return [n for n in _own_nodes(fn) if isinstance(n, (ast.For, ast.AsyncFor, ast.While))]


def _count(fn: _Function, kind: type) -> int:
    return sum(isinstance(n, kind) for n in _own_nodes(fn))


def _tests(fn: _Function) -> list[ast.expr]:
    return [n.test for n in _own_nodes(fn) if isinstance(n, (ast.If, ast.While, ast.Assert, ast.IfExp))]


def _trivial(test: ast.expr) -> bool:
    """A constant, a comparison of a value with itself, or comparisons of the same two values that
    no ordering of them can make differ (`x > y and x < y`, `x <= y or x > y`)."""
    if isinstance(test, ast.Constant):
        return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _trivial(test.operand)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return ast.dump(test.left) == ast.dump(test.comparators[0])
    if isinstance(test, ast.BoolOp):
        pair = _compared_pair(test)
        return pair is not None and len({_truth(test, pair, order) for order in (-1, 0, 1)}) == 1
    return False


_ORDERED = {ast.Lt: lambda o: o < 0, ast.LtE: lambda o: o <= 0, ast.Gt: lambda o: o > 0,
            ast.GtE: lambda o: o >= 0, ast.Eq: lambda o: o == 0, ast.NotEq: lambda o: o != 0}


def _compared_pair(test: ast.expr) -> tuple[str, str] | None:
    """The two operands every comparison in an `and`/`or` of comparisons compares, if the same."""
    pairs = set()
    for node in ast.walk(test):
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _ORDERED:
                return None
            pairs.add(frozenset((ast.dump(node.left), ast.dump(node.comparators[0]))))
        elif not isinstance(node, (ast.BoolOp, ast.UnaryOp, ast.boolop, ast.unaryop, ast.cmpop)) \
                and not _inside_compare(node, test):
            return None
    if len(pairs) != 1:
        return None
    pair = tuple(sorted(next(iter(pairs))))
    return (pair[0], pair[-1]) if len(pair) == 2 else None


def _inside_compare(node: ast.AST, test: ast.expr) -> bool:
    return any(isinstance(c, ast.Compare) and any(n is node for n in ast.walk(c)) for c in ast.walk(test))


def _truth(node: ast.expr, pair: tuple[str, str], order: int) -> bool:
    """`node`'s value when pair[0] compares to pair[1] as `order` (-1 less, 0 equal, 1 greater)."""
    if isinstance(node, ast.BoolOp):
        values = [_truth(v, pair, order) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        return not _truth(node.operand, pair, order)
    compare = cast(ast.Compare, node)       # _compared_pair let only comparisons through
    left = ast.dump(compare.left)
    return _ORDERED[type(compare.ops[0])](order if left == pair[0] else -order)


def _degenerate(old: ast.stmt, new: ast.stmt) -> bool:
    if isinstance(old, ast.While) and isinstance(new, ast.While):
        return (_trivial(new.test) and not _trivial(old.test)) or (_rooted(old.test) and not _rooted(new.test))
    if not isinstance(old, (ast.For, ast.AsyncFor)) or not isinstance(new, (ast.For, ast.AsyncFor)):
        return False        # (the caller pairs loops of one type)
    if _rooted(old.iter) and not _rooted(new.iter):
        return True
    old_args, new_args = _range_args(old.iter), _range_args(new.iter)
    if old_args is None or new_args is None or all(isinstance(a, ast.Constant) for a in old_args):
        return False
    values = [a.value if isinstance(a, ast.Constant) else None for a in new_args]
    ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if len(ints) != len(values):
        return False
    start, stop = (0, ints[0]) if len(ints) == 1 else (ints[0], ints[1])
    return stop - start <= 1


def _range_args(node: ast.expr) -> list[ast.expr] | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" \
            and 1 <= len(node.args) <= 3 and not node.keywords:
        return node.args
    return None


def _rooted(node: ast.expr) -> bool:
    """Bounded by a square root: `sqrt(n)`, `isqrt(n)`, `n ** 0.5`, or `i * i` (squared to compare)."""
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in _ROOTS:
                return True
        if isinstance(n, ast.BinOp):
            if isinstance(n.op, ast.Pow) and isinstance(n.right, ast.Constant) and n.right.value in (0.5, 2):
                return True
            if isinstance(n.op, ast.Mult) and ast.dump(n.left) == ast.dump(n.right) \
                    and not isinstance(n.left, ast.Constant):
                return True
    return False
