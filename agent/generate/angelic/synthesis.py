"""Condition synthesis: a condition over the site's terms and constants that agrees with every
observed outcome (Nopol's and ACS's search, bounded).

An `Observation` is one evaluation of the condition: the value summaries of the site's terms there,
the condition's truth as written, and the truth the run needs (the forced one in a failing test that
the forcing made pass; the actual one in a passing test). Atoms are small tests over one or two
terms — `t`, `not t`, `t is None`, `t op c` and `t op u` for numbers, `u op len(t)`, `t == "s"`,
`t.startswith("s")`, `isinstance(t, T)` and their negations — evaluated on the summaries with
Python's own semantics (a comparison that would raise is undefined, and an undefined value where it
would be evaluated disqualifies the condition; `and`/`or` short-circuit). Shapes: the condition
negated (`not C`, or C without its `not`), a missing conjunct or disjunct added to it (a guard such
as `x is not None` goes in front), an atom in its place, and `and`/`or` of two atoms. The results
come smallest change first — in tokens substituted, inserted or deleted, as a developer's fix is
usually the least edit that works; a replacement that reads none of the condition's terms counts
as deleting it and writing the new one — then simplest shape. Of the atoms that agree at every
observation only a few are kept (the nearest to the condition and the shortest), so the search
stays small.
"""
from __future__ import annotations

import ast
import difflib
import functools
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Value", "Observation", "Atom", "Synthesized", "atoms", "synthesize"]

MAX_PAIR_ATOMS = 24
PER_SIGNATURE = 3
_OPS: dict[str, Callable] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
                             "==": operator.eq, "!=": operator.ne}
_LOOSE_AND = (ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr)   # parenthesised when `and`-ed
_LOOSE_OR = (ast.IfExp, ast.Lambda, ast.NamedExpr)


@dataclass(frozen=True)
class Value:
    """A term's value at one evaluation, as the worker summarised it (remedy_angelic)."""
    kind: str                         # N b i s y c o
    value: object = None
    length: int | None = None
    truth: bool | None = None
    classes: tuple[str, ...] = ()

    @classmethod
    def from_summary(cls, data) -> Value | None:
        if not isinstance(data, dict) or data.get("k") not in ("N", "b", "i", "s", "y", "c", "o"):
            return None
        length = data.get("n")
        truth = data.get("t")
        return cls(data["k"], data.get("v"), length if isinstance(length, int) else None,
                   truth if isinstance(truth, bool) else None,
                   tuple(c for c in data.get("c") or () if isinstance(c, str)))


@dataclass(frozen=True)
class Observation:
    env: Mapping[str, Value]          # a term absent here could not be evaluated
    actual: bool | None               # the condition as written (None: it raised)
    wanted: bool                      # what the run needs


Judge = Callable[[Observation], "bool | None"]
Combine = Callable[["bool | None", Judge, Observation, bool], "bool | None"]   # _and, _or


@dataclass(frozen=True)
class Atom:
    text: str
    cost: float
    terms: frozenset[str]
    judge: Judge = field(compare=False, repr=False)
    guard: bool = False               # guards other reads (`x is not None`): goes in front


@dataclass(frozen=True)
class Synthesized:
    text: str
    shape: str                        # conjunct | disjunct | negate | replace | pair
    cost: float
    drops: bool = False               # reads none of the condition's terms


def atoms(observations: Sequence[Observation], terms: Sequence[str], numbers: Sequence[float],
          strings: Sequence[str], condition_terms: frozenset[str] = frozenset(),
          boolean_only: bool = False, condition: str = "") -> list[Atom]:
    """The atoms over `terms` that tell some observations apart, cheapest first. `boolean_only`:
    the condition's value itself is used (a `return`), so a bare non-bool term is no atom."""
    seen: dict[str, list[Value]] = {t: [v for o in observations if (v := o.env.get(t)) is not None]
                                    for t in terms}
    kinds = {t: {v.kind for v in vs} for t, vs in seen.items() if vs}
    numeric = [t for t, k in kinds.items() if "i" in k and k <= {"i", "N"}]
    stringy = [t for t, k in kinds.items() if "s" in k and k <= {"s", "N"}]
    sized = [t for t, k in kinds.items() if k & {"s", "y", "c"} and k <= {"s", "y", "c", "N"}]
    found: list[Atom] = []

    def add(text: str, cost: float, used: Sequence[str], judge: Judge, guard: bool = False) -> None:
        extra = sum(0.4 for t in used if t not in condition_terms and not _constant_like(t))
        found.append(Atom(text, cost + extra, frozenset(used), judge, guard))

    for t, k in kinds.items():
        vs = seen[t]
        if all(v.truth is not None for v in vs) and (not boolean_only or k == {"b"}):
            vague = 0.8 if k & {"i", "o"} else 0.0     # a number's or an object's truth: rarely meant
            add(t, 1.0 + vague, [t], _truth(t))
            add(f"not {t}", 1.2 + vague, [t], _negated(_truth(t)))
        if "N" in k and len(k) > 1:
            add(f"{t} is None", 1.0, [t], _is_none(t), guard=True)
            add(f"{t} is not None", 1.0, [t], _negated(_is_none(t)), guard=True)
        classes = dict.fromkeys(c for v in vs for c in v.classes if c != "object")
        for name in list(classes)[:4]:
            add(f"isinstance({t}, {name})", 2.0, [t], _isinstance(t, name), guard=True)
            add(f"not isinstance({t}, {name})", 2.2, [t], _negated(_isinstance(t, name)), guard=True)
    for i, t in enumerate(numeric):
        for rank, c in enumerate(numbers):
            for op in _OPS:
                add(f"{t} {op} {_literal(c)}", 1.6 + 0.05 * rank, [t], _compare(t, op, const=c))
        for u in numeric[i + 1:]:
            first, second = (u, t) if _constant_like(t) and not _constant_like(u) else (t, u)
            for op in _OPS:
                add(f"{first} {op} {second}", 1.5 if _constant_like(second) else 2.0, [t, u],
                    _compare(first, op, other=second))
        for s in sized:
            for op in _OPS:
                add(f"{t} {op} len({s})", 2.2, [t, s], _compare(t, op, other=s, length=True))
    for s in sized:
        for rank, c in enumerate(n for n in numbers if isinstance(n, int) and n > 0):
            for op in _OPS:
                add(f"len({s}) {op} {c}", 2.2 + 0.05 * rank, [s], _compare(s, op, const=c, length=True))
    double = '"' in condition and "'" not in condition      # the quotes the code already uses
    for i, t in enumerate(stringy):
        for rank, word in enumerate(strings):
            q = _quoted(word, double)
            add(f"{t} == {q}", 1.8 + 0.05 * rank, [t], _string(t, "==", word))
            add(f"{t} != {q}", 1.8 + 0.05 * rank, [t], _string(t, "!=", word))
            if word:
                add(f"{t}.startswith({q})", 2.4 + 0.05 * rank, [t], _string(t, "startswith", word))
                add(f"{t}.endswith({q})", 2.4 + 0.05 * rank, [t], _string(t, "endswith", word))
        for u in stringy[i + 1:]:
            add(f"{t} == {u}", 2.0, [t, u], _string_pair(t, u, True))
            add(f"{t} != {u}", 2.0, [t, u], _string_pair(t, u, False))
    return _distinct(found, observations, condition)


def synthesize(condition: str, observations: Sequence[Observation], candidates: Sequence[Atom],
               limit: int = 8) -> list[Synthesized]:
    """Conditions that agree with every observation, cheapest first (at most `limit`)."""
    if not observations or not any(o.wanted != o.actual for o in observations):
        return []
    try:
        tree = ast.parse(f"({condition.strip()}\n)", mode="eval").body
    except SyntaxError:
        return []
    wrap_and = f"({condition})" if isinstance(tree, _LOOSE_AND) and not _is_and(tree) else condition
    wrap_or = f"({condition})" if isinstance(tree, _LOOSE_OR) else condition
    out: list[Synthesized] = []
    if all(o.actual is not None and o.wanted != o.actual for o in observations):
        out.append(Synthesized(_negate(tree, condition), "negate", 2.0))
    own = _names(tree)
    composable = not isinstance(tree, ast.Constant)      # `False or x` is `x`
    for a in candidates:
        for joiner, combine, cost in (("and", _and, 1.0), ("or", _or, 1.2)) if composable else ():
            wrapped = wrap_and if joiner == "and" else wrap_or
            # A guard goes in front; so does any atom that must keep `C` from raising.
            for first in ((True,) if a.guard else (False, True)):
                if _agrees(observations, functools.partial(_joined, combine, a.judge, first)):
                    text = f"{a.text} {joiner} {wrapped}" if first else f"{wrapped} {joiner} {a.text}"
                    out.append(Synthesized(text, "conjunct" if joiner == "and" else "disjunct",
                                           cost + a.cost))
                    break
        if _agrees(observations, a.judge):
            unrelated = 1.0 if not a.terms & own else 0.0
            out.append(Synthesized(a.text, "replace", 2.5 + a.cost + unrelated, bool(unrelated)))
    out += _pairs(observations, candidates)
    before = _tokens(condition)
    best: dict[str, tuple] = {}
    for s in out:
        if s.text not in best:
            after = _tokens(s.text)
            # A replacement that reads none of the condition's terms drops its check entirely.
            distance = len(before) + len(after) if s.drops else _distance(before, after)
            best[s.text] = (distance, s.cost, len(s.text), s)
    return [entry[-1] for entry in sorted(best.values(), key=lambda e: e[:3])][:limit]


def _pairs(observations: Sequence[Observation], candidates: Sequence[Atom]) -> list[Synthesized]:
    """`a and b` over atoms true wherever the condition must hold; `a or b` over atoms false
    wherever it must not (a guard goes first)."""
    out = []
    for joiner, combine in (("and", _and), ("or", _or)):
        keep = [o for o in observations if o.wanted is (joiner == "and")]
        pool = [a for a in candidates if all(a.judge(o) is (joiner == "and") for o in keep)]
        pool = pool[:MAX_PAIR_ATOMS]
        for i, a in enumerate(pool):
            for b in pool[i + 1:]:
                if a.text == f"not {b.text}" or b.text == f"not {a.text}":
                    continue                                   # `x or not x`
                first, second = (b, a) if b.guard and not a.guard else (a, b)
                if _agrees(observations, functools.partial(_paired, combine, first.judge, second.judge)):
                    out.append(Synthesized(f"{first.text} {joiner} {second.text}", "pair",
                                           4.0 + first.cost + second.cost))
    return out


def _joined(combine: Combine, right: Judge, right_first: bool, o: Observation) -> bool | None:
    """The condition, as observed, joined to `right` by `combine`."""
    return combine(o.actual, right, o, right_first)


def _paired(combine: Combine, left: Judge, right: Judge, o: Observation) -> bool | None:
    """Two atoms joined by `combine`, `left` first."""
    return combine(left(o), right, o, False)


def _and(left, right: Judge, o: Observation, right_first: bool) -> bool | None:
    """`left and right` (or `right and left` when `right_first`), `left` already evaluated."""
    if right_first:
        r = right(o)
        if r is None or not r:
            return r
        return left
    if left is None or not left:
        return left
    return right(o)


def _or(left, right: Judge, o: Observation, right_first: bool) -> bool | None:
    if right_first:
        r = right(o)
        if r is None or r:
            return r
        return left
    if left is None or left:
        return left
    return right(o)


def _agrees(observations: Sequence[Observation], judge: Judge) -> bool:
    for o in observations:
        got = judge(o)
        if got is None or got != o.wanted:
            return False
    return True


def _distinct(found: list[Atom], observations: Sequence[Observation], condition: str) -> list[Atom]:
    """The atoms worth combining, cheapest first. Of the atoms that agree at every observation,
    only PER_SIGNATURE of the nearest to the condition (to stand in its place) and PER_SIGNATURE
    of the shortest (to be added to it) are kept; one undefined at every observation, never."""
    before = _tokens(condition)
    groups: dict[tuple, list[Atom]] = {}
    for a in found:
        signature = tuple(a.judge(o) for o in observations)
        if not all(s is None for s in signature):
            groups.setdefault(signature, []).append(a)
    kept: list[Atom] = []
    for group in groups.values():
        nearest = sorted(group, key=lambda a: (_distance(before, _tokens(a.text)), a.cost))
        shortest = sorted(group, key=lambda a: (len(_tokens(a.text)), a.cost))
        kept += list({id(a): a for a in nearest[:PER_SIGNATURE] + shortest[:PER_SIGNATURE]}.values())
    return sorted(kept, key=lambda a: (a.cost, len(a.text)))


def _names(tree: ast.AST) -> set[str]:
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            try:
                out.add(ast.unparse(n))
            except (ValueError, RecursionError):
                continue
    return out


_TOKEN = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\w+|[<>=!]=|\S""")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _distance(a: list[str], b: list[str]) -> int:
    """Token edits from `a` to `b`: a substituted run counts its longer side, an inserted or deleted
    run its length (`>` -> `>=` is 1, `c` -> `c or x` is 2)."""
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")


_INVERSE = {ast.Is: "is not", ast.IsNot: "is", ast.Eq: "!=", ast.NotEq: "==", ast.In: "not in",
            ast.NotIn: "in"}     # (not `<` -> `>=`: NaN compares false both ways)


def _negate(tree: ast.expr, condition: str) -> str:
    """`not C`, C without its `not`, or `a is not b` for `a is b` (and `!=`, `not in`)."""
    source = f"({condition.strip()}\n)"
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.Not):
        return ast.get_source_segment(source, tree.operand) or ast.unparse(tree.operand)
    if isinstance(tree, ast.Compare) and len(tree.ops) == 1 and type(tree.ops[0]) in _INVERSE:
        left = ast.get_source_segment(source, tree.left)
        right = ast.get_source_segment(source, tree.comparators[0])
        if left and right:
            return f"{left} {_INVERSE[type(tree.ops[0])]} {right}"
    return f"not ({condition})" if isinstance(tree, _LOOSE_AND) else f"not {condition}"


def _constant_like(term: str) -> bool:
    """A module constant by its name (`LIMIT`, `MAX_DEPTH`): compared against like a literal."""
    return term.isupper() and "." not in term


def _is_and(tree: ast.AST) -> bool:
    return isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And)


def _quoted(text: str, double: bool) -> str:
    """`repr(text)`, in double quotes when `double` and the text allows it."""
    r = repr(text)
    if double and r.startswith("'") and '"' not in text:
        return '"' + r[1:-1].replace("\\'", "'") + '"'
    return r


def _literal(c) -> str:
    return repr(c)


# -- judges: the value of an atom at one observation; None where Python would raise ------------------

def _truth(t: str) -> Judge:
    def judge(o: Observation):
        v = o.env.get(t)
        return None if v is None else v.truth
    return judge


def _negated(inner: Judge) -> Judge:
    def judge(o: Observation):
        r = inner(o)
        return None if r is None else not r
    return judge


def _is_none(t: str) -> Judge:
    def judge(o: Observation):
        v = o.env.get(t)
        return None if v is None else v.kind == "N"
    return judge


def _isinstance(t: str, name: str) -> Judge:
    def judge(o: Observation):
        v = o.env.get(t)
        return None if v is None else name in v.classes
    return judge


def _operand(v: Value | None, length: bool):
    """A term's number (or length), `None` for a None value, or the undefined marker."""
    if v is None:
        return _UNDEFINED
    if v.kind == "N":
        return None
    if length:
        return v.length if v.length is not None else _UNDEFINED
    if v.kind == "i" and isinstance(v.value, (int, float)) and not isinstance(v.value, bool):
        return v.value
    return _UNDEFINED


_UNDEFINED = object()


def _compare(t: str, op: str, *, const=None, other: str | None = None, length: bool = False) -> Judge:
    """`t op const`, `t op other`; with `length`, `len(t) op const` / `t op len(other)`."""
    fn = _OPS[op]

    def judge(o: Observation):
        if other is None:
            left, right = _operand(o.env.get(t), length), const
        else:
            left = _operand(o.env.get(t), False)
            right = _operand(o.env.get(other), length)
            if length and right is None:
                return None                     # len(None) raises
        if left is _UNDEFINED or right is _UNDEFINED:
            return None
        if left is None or right is None:       # None == x is defined; None < x raises
            return fn(left, right) if op in ("==", "!=") else None
        return fn(left, right)
    return judge


def _string(t: str, op: str, c: str) -> Judge:
    def judge(o: Observation):
        v = o.env.get(t)
        if v is None:
            return None
        if v.kind == "N":
            return {"==": False, "!=": True}.get(op)
        if v.kind != "s" or not isinstance(v.value, str):
            return None
        if op == "==":
            return v.value == c
        if op == "!=":
            return v.value != c
        return getattr(v.value, op)(c)
    return judge


def _string_pair(t: str, u: str, equal: bool) -> Judge:
    def judge(o: Observation):
        a, b = o.env.get(t), o.env.get(u)
        if a is None or b is None:
            return None
        x = None if a.kind == "N" else a.value
        y = None if b.kind == "N" else b.value
        if (a.kind != "N" and not isinstance(x, str)) or (b.kind != "N" and not isinstance(y, str)):
            return None
        return (x == y) if equal else (x != y)
    return judge
