"""Probe sites: what to evaluate, and where, to see whether a candidate changes a value at all.

A candidate that edits one place inside a function body can be judged before it is validated:
evaluate what it changes, as written and as edited, in the live frame each time that line runs
during the failing tests. If the two never differ there, the edit cannot change those tests'
outcome. Per candidate `probe_sites` finds:

- an expression edit: the largest enclosing expression that is safe to evaluate twice (no calls
  except known pure builtins and methods, no assignment, no comprehension), before and after; only
  its truth when it is the test of an `if`, `while`, `assert` or conditional expression;
- a statement edit (found by comparing the function's statements before and after): a wrapping
  `if C:` is `True` vs `bool(C)`, an inserted guard `if C: <exit>` is `False` vs `bool(C)` (one
  that returns: `...` vs what it returns where it fires, `(e) if (C) else ...`), an inserted or
  deleted `x += e` / `x = e` is the value `x` would hold either way;
- otherwise, inside a function body, a reach-only site: whether the edited line runs at all.
Candidates with several edits, or edits outside function bodies (run at import), get no site.
"""
from __future__ import annotations

import ast
import dataclasses
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from ...ast.offsets import Offsets
from ...ast.purity import PURE_BUILTINS, PURE_METHODS, PURE_MODULE_FUNCTIONS
from ...types import Candidate

__all__ = ["ProbeSite", "probe_sites"]

# Kinds that edit a regular expression's pattern: the pattern differs wherever it runs and grows
# when the result shrinks; neither says what the match does.
PATTERN_KINDS = frozenset({"regex.edit"})
_NEVER = (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.ListComp, ast.SetComp,
          ast.DictComp, ast.GeneratorExp, ast.JoinedStr, ast.FormattedValue, ast.Starred)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_Function = ast.FunctionDef | ast.AsyncFunctionDef
_BLOCKS = ("body", "orelse", "finalbody")


@dataclass(frozen=True)
class ProbeSite:
    candidate_id: str
    path: str
    line: int           # 1-based line whose "line" event precedes the change
    before: str         # the expression as written ("" for a reach-only site)
    after: str          # what the candidate makes of it
    pattern: bool = False   # a regular expression's pattern: that it differs, or how its size
                            # moves, says nothing of the result's

    @property
    def reach_only(self) -> bool:
        return not self.before

    def payload(self) -> dict:
        return {"id": self.candidate_id, "path": self.path, "line": self.line, "before": self.before,
                "after": self.after}


def probe_sites(candidates: Sequence[Candidate], files: Mapping[str, bytes]) -> list[ProbeSite]:
    """One site per candidate that can be probed (see the module docstring)."""
    parsed: dict[str, _File | None] = {}
    sites = []
    for cand in candidates:
        if len(cand.edits) != 1 or cand.edits[0].path not in files:
            continue
        edit = cand.edits[0]
        if edit.path not in parsed:
            parsed[edit.path] = _File.load(edit.path, files[edit.path])
        doc = parsed[edit.path]
        site = doc.site(cand.id, edit.start, edit.end, edit.text) if doc else None
        if site is not None:
            sites.append(dataclasses.replace(site, pattern=True) if cand.template in PATTERN_KINDS else site)
    return sites


class _File:
    """One parsed file. Only the top-level statements that candidates edit are indexed (parents,
    expressions by line, functions), the first time one of their candidates asks."""

    def __init__(self, path: str, src: bytes, tree: ast.Module) -> None:
        self.path, self.src, self.offsets = path, src, Offsets(src)
        self.top = [(self._start(s), self._end(s), s) for s in tree.body]
        self.parent: dict[int, ast.AST] = {id(s): tree for s in tree.body}
        self.exprs: dict[int, list[tuple[int, int, ast.expr]]] = {}   # by each line they span
        self.functions: list[tuple[int, int, _Function]] = []
        self._indexed: set[int] = set()

    def _index(self, start: int, end: int) -> None:
        for s, e, stmt in self.top:
            if s <= end and start <= e and id(stmt) not in self._indexed:
                self._indexed.add(id(stmt))
                self._index_tree(stmt)

    def _index_tree(self, root: ast.AST) -> None:
        for node in ast.walk(root):
            for child in ast.iter_child_nodes(node):
                self.parent[id(child)] = node
            if isinstance(node, ast.expr) and node.end_lineno is not None:
                span = (self._start(node), self._end(node), node)
                for line in range(node.lineno, node.end_lineno + 1):
                    self.exprs.setdefault(line, []).append(span)
            elif isinstance(node, _FUNCTIONS):
                body_start = self.offsets.point_to_byte(node.body[0].lineno, 0)
                self.functions.append((body_start, self._end(node), node))

    @classmethod
    def load(cls, path: str, src: bytes) -> _File | None:
        try:
            return cls(path, src, ast.parse(src))
        except (SyntaxError, ValueError, RecursionError):
            return None

    def _start(self, node: ast.expr | ast.stmt) -> int:
        return self.offsets.point_to_byte(node.lineno, node.col_offset)

    def _end(self, node: ast.expr | ast.stmt) -> int:   # ast.parse sets every end position
        return self.offsets.point_to_byte(cast(int, node.end_lineno), cast(int, node.end_col_offset))

    def site(self, cid: str, start: int, end: int, text: str) -> ProbeSite | None:
        self._index(start, end)
        holders = [(s, e, n) for s, e, n in self.exprs.get(self.offsets.line_of(start), ())
                   if s <= start and end <= e]
        if holders:
            s, e, node = min(holders, key=lambda h: (h[1] - h[0], -self._depth(h[2])))
            if not self._in_function_body(node):
                return None
            return self._expression_site(cid, start, end, text, s, e, node)
        return self._statement_site(cid, start, end, text)

    # -- expressions ---------------------------------------------------------------------------
    def _expression_site(self, cid: str, start: int, end: int, text: str, s: int, e: int,
                         node: ast.expr) -> ProbeSite:
        best = None
        line = node.lineno
        while isinstance(node, ast.expr):
            before = self.src[s:e].decode("utf-8", "replace")
            after = (self.src[s:start] + text.encode("utf-8") + self.src[end:e]).decode("utf-8", "replace")
            parent = self.parent.get(id(node))
            callee = isinstance(parent, ast.Call) and parent.func is node
            verdict = _evaluable(before, after, node, callee)
            if verdict is False:
                break
            if verdict:
                best = (node, before, after)
            if not isinstance(parent, ast.expr) or isinstance(parent, _NEVER):
                break
            node, s, e = parent, self._start(parent), self._end(parent)
        if best is None:
            return ProbeSite(cid, self.path, line, "", "")
        node, before, after = best
        if self._tested(node):     # only its truth counts: `x and y` -> `x` differs only if that flips
            before, after = f"bool({before})", f"bool({after})"
        return ProbeSite(cid, self.path, node.lineno, before, after)

    def _tested(self, node: ast.expr) -> bool:
        """The test of an `if`, `while`, `assert` or conditional expression."""
        parent = self.parent.get(id(node))
        return isinstance(parent, (ast.If, ast.While, ast.Assert, ast.IfExp)) and parent.test is node

    def _depth(self, node: ast.AST) -> int:
        depth = 0
        while id(node) in self.parent:
            node, depth = self.parent[id(node)], depth + 1
        return depth

    def _in_function_body(self, node: ast.AST) -> bool:
        """Inside some function's body statements (not its decorators, defaults or annotations)."""
        child = node
        parent = self.parent.get(id(child))
        while parent is not None:
            if isinstance(parent, _FUNCTIONS):
                return any(child is stmt for stmt in parent.body)
            if isinstance(parent, (ast.ClassDef, ast.Module)):
                return False
            child, parent = parent, self.parent.get(id(parent))
        return False

    # -- statements ----------------------------------------------------------------------------
    def _statement_site(self, cid: str, start: int, end: int, text: str) -> ProbeSite | None:
        inside = [(s, e, f) for s, e, f in self.functions if s <= start and end <= e]
        if not inside:
            return None
        _, fn_end, fn = min(inside, key=lambda h: h[1] - h[0])
        seg_start = self.offsets.point_to_byte(fn.lineno, 0)
        old = self.src[seg_start:fn_end].decode("utf-8", "replace")
        new = (self.src[seg_start:start] + text.encode("utf-8") + self.src[end:fn_end]).decode("utf-8", "replace")
        try:
            snippets = [_Snippet(textwrap.dedent(t)) for t in (old, new)]
        except (SyntaxError, ValueError, RecursionError, IndexError):
            return None
        a, b = snippets
        change = _block_change(a.fn.body, b.fn.body, a.text, b.text)
        if change is None:
            return None
        line, before, after = change
        if before and not all(_pure_text(t) for t in (before, after)):
            before = after = ""
        return ProbeSite(cid, self.path, line + fn.lineno - 1, before, after)


class _Snippet:
    """A function's source, parsed on its own, with its statements' text at hand."""

    def __init__(self, source: str) -> None:
        self.fn = cast(_Function, ast.parse(source).body[0])   # the source of one function
        self.lines = source.splitlines(keepends=True)

    def text(self, stmt: ast.stmt) -> str:
        end = cast(int, stmt.end_lineno)        # ast.parse sets every end position
        if stmt.lineno == end:
            return self.lines[stmt.lineno - 1][stmt.col_offset:stmt.end_col_offset]
        return "".join([self.lines[stmt.lineno - 1][stmt.col_offset:],
                        *self.lines[stmt.lineno:end - 1],
                        self.lines[end - 1][:stmt.end_col_offset]])


def _block_change(a: list[ast.stmt], b: list[ast.stmt], text_a, text_b) -> tuple[int, str, str] | None:
    """(line in the snippet, before, after) of the one statement-level change between two blocks;
    before == after == "" where only reaching the line can be told. Statements are compared by
    their text (cheap; the two snippets differ only around the edit)."""
    da, db = [text_a(s) for s in a], [text_b(s) for s in b]
    i = 0
    while i < min(len(a), len(b)) and da[i] == db[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and da[len(a) - 1 - j] == db[len(b) - 1 - j]:
        j += 1
    old, new = a[i:len(a) - j], b[i:len(b) - j]
    if len(old) == 1 and len(new) == 1:
        x, y = old[0], new[0]
        if isinstance(y, ast.If) and not y.orelse and len(y.body) == 1 and ast.dump(y.body[0]) == ast.dump(x):
            return x.lineno, "True", f"bool({ast.unparse(y.test)})"
        same = _same_value_statement(x, y)
        if same is not None:
            return (x.lineno, *same)
        if type(x) is type(y) and _same_header(x, y):
            for field in _BLOCKS:
                xs, ys = getattr(x, field, None), getattr(y, field, None)
                if isinstance(xs, list) and isinstance(ys, list) \
                        and [text_a(s) for s in xs] != [text_b(s) for s in ys]:
                    return _block_change(xs, ys, text_a, text_b) if xs and ys else (x.lineno, "", "")
        return x.lineno, "", ""
    if not old and len(new) == 1:
        if i >= len(a):
            return None                     # appended at the end of a block: no line runs before it
        return (a[i].lineno, *_effect(new[0], inserted=True))
    if len(old) == 1 and not new:
        return (old[0].lineno, *_effect(old[0], inserted=False))
    return (old[0].lineno, "", "") if old else None


def _same_value_statement(x: ast.stmt, y: ast.stmt) -> tuple[str, str] | None:
    """`t = a` -> `t = b` (and `t += a`, `return a`): the two values."""
    kinds = (ast.Assign, ast.AugAssign, ast.Return)
    if type(x) is not type(y) or not isinstance(x, kinds) or not isinstance(y, kinds) \
            or x.value is None or y.value is None:
        return None
    if _dump_without(x, ("value",)) != _dump_without(y, ("value",)):
        return None
    if isinstance(x, ast.AugAssign) and isinstance(y, ast.AugAssign):
        return (ast.unparse(ast.BinOp(x.target, x.op, x.value)), ast.unparse(ast.BinOp(y.target, y.op, y.value)))
    return ast.unparse(x.value), ast.unparse(y.value)


def _same_header(x: ast.stmt, y: ast.stmt) -> bool:
    blocks = (*_BLOCKS, "handlers")
    return _dump_without(x, blocks) == _dump_without(y, blocks)


def _dump_without(stmt: ast.stmt, fields: Sequence[str]) -> str:
    """The statement's dump with `fields` left out."""
    kept: dict[str, Any] = {f: getattr(stmt, f, None) for f in stmt._fields if f not in fields}
    return ast.dump(type(stmt)(**kept))


def _effect(stmt: ast.stmt, inserted: bool) -> tuple[str, str]:
    """(without, with) the statement, as values at its line; ("", "") when not expressible."""
    if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1 \
            and isinstance(stmt.body[0], ast.Return):
        # A guard that returns: what it returns where it fires (`...` where it does not), so
        # that two guards on one condition returning different values are told apart.
        value = stmt.body[0].value
        returned = ast.unparse(value) if value is not None else "None"
        pair = ("...", f"({returned}) if ({ast.unparse(stmt.test)}) else ...")
    elif isinstance(stmt, ast.If) and not stmt.orelse:
        pair = ("False", f"bool({ast.unparse(stmt.test)})")
    elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, (ast.Name, ast.Attribute)):
        target = ast.unparse(stmt.target)
        pair = (target, ast.unparse(ast.BinOp(stmt.target, stmt.op, stmt.value)))
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], (ast.Name, ast.Attribute)):
        pair = (ast.unparse(stmt.targets[0]), ast.unparse(stmt.value))
    else:
        return "", ""
    return pair if inserted else (pair[1], pair[0])


def _evaluable(before: str, after: str, node: ast.expr, callee: bool) -> bool | None:
    """True: both texts are pure loads worth evaluating. None: not on its own (a callee, a slice)
    but an enclosing expression may be. False: never (a store, an impure call)."""
    if isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
        return False
    try:
        trees = [ast.parse("(" + t + "\n)", mode="eval") for t in (before, after)]
    except (SyntaxError, ValueError, RecursionError):
        return None
    if not all(_pure(t) for t in trees):
        return False
    return None if callee else True


def _pure_text(text: str) -> bool:
    try:
        return _pure(ast.parse("(" + text + "\n)", mode="eval"))
    except (SyntaxError, ValueError, RecursionError):
        return False


def _pure(tree: ast.AST) -> bool:
    for n in ast.walk(tree):
        if isinstance(n, _NEVER):
            return False
        if isinstance(n, ast.Call):
            f = n.func
            if not ((isinstance(f, ast.Name) and f.id in PURE_BUILTINS)
                    or (isinstance(f, ast.Attribute) and f.attr in PURE_METHODS)
                    or (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                        and f.attr in PURE_MODULE_FUNCTIONS.get(f.value.id, ()) and n.args
                        and isinstance(n.args[0], ast.Constant) and isinstance(n.args[0].value, (str, bytes)))):
                return False
    return True
