"""Condition sites: the suspicious conditions whose outcomes the warm worker forces, what it records
at each evaluation, and the sources it runs them in.

A site is the test of an `if`, `elif`, `while` or conditional expression, or the value of a
`return` that is plainly boolean (a comparison, `not`, `isinstance(...)`, an `and`/`or` of those),
inside a function body, on or governing one of the most suspicious lines: the condition on the
line itself, or the one of the innermost `if`/`while` whose body holds it. Its terms are what a
synthesized condition may read: the names and pure subexpressions of the condition (operands of
its `and`/`or`, sides of its comparisons), the function's parameters and the names it reads, and
the `a.b` / `a.b.c` chains it reads, nearest first, and the module's UPPER_CASE constants. Its
constants are the function's numeric and
short string literals. The instrumented source calls the hook in place of each condition `C`
(`__remedy_cond__(ID, thunk=lambda: (C))`) and keeps every line where it was.
"""
from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard, cast

from ...ast.offsets import Offsets
from ...ast.purity import PURE_BUILTINS, PURE_METHODS
from ...types import SuspiciousLine
from ..validity import apply_spans

__all__ = ["ConditionSite", "condition_sites", "instrumented", "HOOK"]

HOOK = "__remedy_cond__"
MAX_SITES = 3
MAX_TERMS = 24
MAX_MODULE_CONSTANTS = 6
MAX_NUMBERS = 10
MAX_STRINGS = 8
STRING_LIMIT = 40
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_Function = ast.FunctionDef | ast.AsyncFunctionDef
_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.ClassDef)
_NEVER = (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.ListComp, ast.SetComp,
          ast.DictComp, ast.GeneratorExp, ast.JoinedStr, ast.Starred)
_SELF = frozenset({"self", "cls"})


@dataclass(frozen=True)
class ConditionSite:
    id: int
    path: str
    line: int                       # where the condition starts
    start: int                      # its bytes in the file
    end: int
    text: str
    kind: str                       # if | elif | while | ternary | return
    terms: tuple[str, ...]
    condition_terms: frozenset[str]
    numbers: tuple[int | float, ...]
    strings: tuple[str, ...]
    suspiciousness: float
    last_elif: tuple[int, int] | None = None     # bytes of `elif C:`, the chain's last clause
    swapped: tuple[int, int, str] | None = None  # a conditional expression with its branches swapped
    lazy: bool = True                            # instrumented as a lambda

    def payload(self) -> dict:
        return {"id": self.id, "terms": list(self.terms)}


def condition_sites(files: Mapping[str, bytes], lines: Sequence[SuspiciousLine],
                    max_sites: int = MAX_SITES, max_lines: int = 10) -> list[ConditionSite]:
    """Up to `max_sites` conditions, the most suspicious first, that never overlap."""
    parsed: dict[str, _Module | None] = {}
    found: dict[tuple[str, int], tuple[float, int, _Module, ast.expr, str, _Function]] = {}
    ordered = sorted((sl for sl in lines if sl.path in files), key=lambda sl: -sl.score)[:max_lines]
    for order, sl in enumerate(ordered):
        if sl.path not in parsed:
            parsed[sl.path] = _Module.load(sl.path, files[sl.path])
        module = parsed[sl.path]
        if module is None:
            continue
        for cond, kind, fn, weight in module.conditions_at(sl.line):
            key = (sl.path, module.start(cond))
            score = sl.score * weight
            if key not in found or found[key][0] < score:
                found[key] = (score, order, module, cond, kind, fn)
    chosen: list[ConditionSite] = []
    for score, _, module, cond, kind, fn in sorted(found.values(), key=lambda f: (-f[0], f[1])):
        start, end = module.start(cond), module.end(cond)
        if any(s.path == module.path and s.start < end and start < s.end for s in chosen):
            continue
        chosen.append(module.site(len(chosen), cond, kind, fn, score))
        if len(chosen) >= max_sites:
            break
    return chosen


def instrumented(sites: Sequence[ConditionSite], files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files with each site's condition `C` replaced by `__remedy_cond__(ID, thunk=lambda: (C))`
    (so that the hook sees it raise), or by `__remedy_cond__(ID, (C))` where a lambda would change
    what `C` means (`await`, `:=`, `yield`, zero-argument `super()`)."""
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for s in sites:
        call = f"{HOOK}({s.id}, thunk=lambda: ({s.text}))" if s.lazy else f"{HOOK}({s.id}, ({s.text}))"
        spans.setdefault(s.path, []).append((s.start, s.end, call))
    return {path: apply_spans(files[path], spans[path]) for path in spans}


class _Module:
    def __init__(self, path: str, src: bytes, tree: ast.Module) -> None:
        self.path, self.src, self.tree = path, src, tree
        self.offsets = Offsets(src)
        self.parent: dict[int, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parent[id(child)] = node
        self.imported = {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                         if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        self.defined = {n.name for n in tree.body
                        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        self._conditions: list | None = None
        self.constants = [t.id for n in tree.body if isinstance(n, ast.Assign) and _literal(n.value)
                          for t in n.targets if isinstance(t, ast.Name) and t.id.isupper()]

    @classmethod
    def load(cls, path: str, src: bytes) -> _Module | None:
        try:
            return cls(path, src, ast.parse(src))
        except (SyntaxError, ValueError, RecursionError):
            return None

    def start(self, node: ast.expr | ast.stmt) -> int:
        return self.offsets.point_to_byte(node.lineno, node.col_offset)

    def end(self, node: ast.expr | ast.stmt) -> int:   # ast.parse sets every end position
        return self.offsets.point_to_byte(cast(int, node.end_lineno), cast(int, node.end_col_offset))

    def text(self, node: ast.expr | ast.stmt) -> str:
        return self.src[self.start(node):self.end(node)].decode("utf-8", "replace")

    def function_of(self, node: ast.AST) -> _Function | None:
        """The function whose body holds `node` directly (no lambda, comprehension or class between)."""
        child, parent = node, self.parent.get(id(node))
        while parent is not None:
            if isinstance(parent, _FUNCTIONS):
                return parent if any(child is stmt for stmt in parent.body) else None
            if isinstance(parent, (*_SCOPES, ast.Module)):
                return None
            child, parent = parent, self.parent.get(id(parent))
        return None

    def conditions_at(self, line: int) -> list[tuple[ast.expr, str, _Function, float]]:
        """(condition, kind, function, weight): the first on `line`, else (weighing a little less)
        the one governing it."""
        if self._conditions is None:
            self._conditions = []
            for node in ast.walk(self.tree):
                cond, kind = _condition_of(node, self.parent.get(id(node)))
                fn = self.function_of(cond) if cond is not None and not _unsafe(cond) else None
                if fn is not None:
                    self._conditions.append((node, cond, kind, fn))
        here, governing = [], None
        for node, cond, kind, fn in self._conditions:
            if cond.lineno <= line <= cond.end_lineno:
                here.append((cond, kind, fn, 1.0))
            elif isinstance(node, (ast.If, ast.While)) and node.body[0].lineno <= line \
                    <= cast(int, node.body[-1].end_lineno):
                if governing is None or node.lineno > governing[0].lineno:
                    governing = (cond, kind, fn, 0.9)
        here.sort(key=lambda c: (c[0].lineno, c[0].col_offset))
        return here[:1] or ([governing] if governing is not None else [])

    def site(self, sid: int, cond: ast.expr, kind: str, fn: _Function, score: float) -> ConditionSite:
        own = _condition_terms(cond, self.text)
        terms = list(dict.fromkeys(own))
        constants = [c for c in self.constants if c not in terms][:MAX_MODULE_CONSTANTS]
        for term in self._function_terms(fn, cond.lineno):
            if len(terms) >= MAX_TERMS - len(constants):
                break
            if term not in terms and term not in constants:
                terms.append(term)
        terms += constants
        numbers, strings = _constants(fn, cond)
        return ConditionSite(sid, self.path, cond.lineno, self.start(cond), self.end(cond),
                             self.text(cond), kind, tuple(terms[:MAX_TERMS]), frozenset(own),
                             numbers, strings, score, self._last_elif(cond), self._swapped(cond),
                             not _changes_in_a_lambda(cond))

    def _swapped(self, cond: ast.expr) -> tuple[int, int, str] | None:
        """`B if C else A` for the conditional expression `A if C else B` that `cond` tests: its
        negation as its author would write it."""
        node = self.parent.get(id(cond))
        if not isinstance(node, ast.IfExp) or node.test is not cond:
            return None
        loose = (ast.IfExp, ast.Lambda, ast.NamedExpr)
        body, orelse = (f"({self.text(n)})" if isinstance(n, loose) else self.text(n)
                        for n in (node.body, node.orelse))
        return self.start(node), self.end(node), f"{orelse} if {self.text(cond)} else {body}"

    def _last_elif(self, cond: ast.expr) -> tuple[int, int] | None:
        """Bytes of `elif C:` when `cond` is the test of a chain's last clause."""
        clause, parent = self.parent.get(id(cond)), None
        if isinstance(clause, ast.If):
            parent = self.parent.get(id(clause))
        if not (isinstance(clause, ast.If) and isinstance(parent, ast.If) and parent.orelse == [clause]
                and not clause.orelse):
            return None
        start, end = self.start(clause), self.end(cond)
        if not self.src.startswith(b"elif", start):
            return None
        rest = self.src[end:end + 200]
        colon = len(rest) - len(rest.lstrip(b" \t)"))
        return (start, end + colon + 1) if rest[colon:colon + 1] == b":" else None

    def _function_terms(self, fn: _Function, line: int) -> list[str]:
        """Parameters, names read and `a.b` chains read in the function, nearest to `line` first."""
        args = fn.args
        params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)
                  if a.arg not in _SELF]
        params += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        seen: dict[str, int] = {}
        called: set[str] = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                f = node.func
                called.add(ast.unparse(f))
                if isinstance(f, ast.Attribute):
                    called.add(ast.unparse(f.value))
            if not hasattr(node, "lineno") or isinstance(node, _SCOPES):
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                name = node.id
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and _chain(node):
                name = ast.unparse(node)
            else:
                continue
            distance = abs(node.lineno - line)
            seen[name] = min(seen.get(name, distance), distance)
        local = set(params) | {n.id for n in ast.walk(fn)
                               if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        out = list(params)
        for name, _ in sorted(seen.items(), key=lambda kv: (kv[1], kv[0])):
            root = name.split(".")[0]
            module_level = root not in local and root not in _SELF
            if name in called or name in _SELF or name in self.defined \
                    or (module_level and root in self.imported):
                continue           # callables, classes, functions and modules are no data
            out.append(name)
        return list(dict.fromkeys(out))


def _condition_of(node: ast.AST, parent: ast.AST | None) -> tuple[ast.expr | None, str]:
    if isinstance(node, ast.If):
        return node.test, "elif" if isinstance(parent, ast.If) and parent.orelse == [node] else "if"
    if isinstance(node, ast.While):
        return node.test, "while"
    if isinstance(node, ast.IfExp):
        return node.test, "ternary"
    if isinstance(node, ast.Return) and node.value is not None and _boolean(node.value):
        return node.value, "return"
    return None, ""


def _boolean(expr: ast.expr) -> bool:
    """Plainly a truth value: a comparison, `not`, isinstance/hasattr/callable/startswith-like
    calls, or `and`/`or` of those."""
    if isinstance(expr, ast.Compare) or (isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not)):
        return True
    if isinstance(expr, ast.BoolOp):
        return all(_boolean(v) for v in expr.values)
    if isinstance(expr, ast.Call):
        f = expr.func
        return (isinstance(f, ast.Name) and f.id in ("isinstance", "issubclass", "hasattr", "callable")) \
            or (isinstance(f, ast.Attribute) and f.attr.startswith(("is", "startswith", "endswith")))
    return isinstance(expr, ast.Constant) and isinstance(expr.value, bool)


def _unsafe(cond: ast.expr) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(cond))


def _changes_in_a_lambda(cond: ast.expr) -> bool:
    return any(isinstance(n, (ast.Await, ast.NamedExpr, ast.Yield, ast.YieldFrom))
               or (isinstance(n, ast.Name) and n.id == "super") for n in ast.walk(cond))


def _chain(node: ast.Attribute) -> bool:
    """`a.b` or `a.b.c` over a plain name."""
    depth, value = 1, node.value
    while isinstance(value, ast.Attribute):
        depth, value = depth + 1, value.value
    return isinstance(value, ast.Name) and depth <= 2


def _pure(node: ast.AST) -> bool:
    for n in ast.walk(node):
        if isinstance(n, _NEVER):
            return False
        if isinstance(n, ast.Call):
            f = n.func
            if not ((isinstance(f, ast.Name) and f.id in PURE_BUILTINS)
                    or (isinstance(f, ast.Attribute) and f.attr in PURE_METHODS)):
                return False
    return True


def _condition_terms(cond: ast.expr, text) -> list[str]:
    """The condition's names and pure subexpressions worth reading on their own: operands of its
    `and`/`or` and `not`, sides of its comparisons, attribute chains, subscripts and pure calls."""
    out: list[str] = []

    def visit(node: ast.expr, top: bool) -> None:
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                if _pure(v) and not isinstance(v, ast.BoolOp):
                    out.append(ast.unparse(v))
                visit(v, False)
        elif isinstance(node, ast.UnaryOp):
            visit(node.operand, False)
        elif isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                if not isinstance(side, ast.Constant) and _pure(side):
                    out.append(ast.unparse(side))
                visit(side, False)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.append(node.id)
        elif isinstance(node, ast.Attribute) and _chain(node):
            out.append(ast.unparse(node))
            visit(node.value, False)
        elif isinstance(node, (ast.Subscript, ast.Call, ast.BinOp)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("isinstance", "issubclass", "hasattr", "callable"):
                for a in node.args[:1]:
                    visit(a, False)
                return
            if _pure(node) and not top:
                out.append(ast.unparse(node))
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr) and not (isinstance(node, ast.Call) and child is node.func):
                    visit(child, False)

    visit(cond, True)
    return [t for t in dict.fromkeys(out) if t not in _SELF]


def _constants(fn: _Function, cond: ast.expr) -> tuple[tuple[int | float, ...], tuple[str, ...]]:
    """The function's numbers (0 and 1 always) and short strings, the condition's own first."""
    doc = fn.body[0].value if fn.body and isinstance(fn.body[0], ast.Expr) else None
    numbers: list[int | float] = []
    strings: list[str] = []
    for root in (cond, fn):
        for node in ast.walk(root):
            if node is doc:
                continue
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
                    and isinstance(node.operand, ast.Constant) and _number(node.operand.value):
                numbers.append(-node.operand.value)
            elif isinstance(node, ast.Constant):
                if _number(node.value):
                    numbers.append(node.value)
                elif isinstance(node.value, str) and len(node.value) <= STRING_LIMIT:
                    strings.append(node.value)
    numbers += [0, 1]
    return tuple(dict.fromkeys(numbers))[:MAX_NUMBERS], tuple(dict.fromkeys(strings))[:MAX_STRINGS]


def _literal(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) \
        and not isinstance(node.value, bool)


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
