"""Expressions from in-scope names (the ingredients of SimFix, ssFix and CapGen): a name or
subexpression of the suspicious statement is replaced by

- its object alone (`src.name` → `src`), or an attribute that object has elsewhere in the file or
  that its class defines (`src` → `src.name`); for `obj.attr`, a name defined beside `attr` in
  the project module `obj` names, or another field of the classes that define `attr`, in this
  file or a sibling module (`syms.arglist` → `syms.typedargslist`);
- an expression the function already writes (`len(text)`, `node.next`, `xs[i]`, `self.width`),
  when every name in it is in scope here: the nearest and most used first, of a fitting kind;
- a small combination of numbers the function uses: `a - b`, `a + b`, `b - a`, `max(a, b)`,
  `min(a, b)`, `a ± 1`, `len(xs)`, and `xs[i - 1]` / `xs[i + 1]` beside an `xs[i]` it writes;
- for a callable used as a value inside a lambda or function whose parameters go unused, a call
  on them (`lambda a, b: not op` → `lambda a, b: not op(a, b)`);
- a literal equal to a parameter's default by that parameter (`.strip("-")` → `.strip(sep)`
  in `def slugify(text, sep="-")`).

The first of these (object alone, attribute, call, parameter) also comes applied to every
occurrence of the same expression within a few lines, where one mistake was copied.

Kinds (agent.generate.templates._kinds) keep a number a number. Candidates whose value at the site
never differs from the original's in the failing tests are dropped by the session's probe before
validation (`SPECULATIVE`), which is what lets this template offer many."""
from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tree_sitter import Node

from ...ast.nodes import text, walk
from ..site import Fix, Site, prior_of, replace, shorten
from ._attributes import attributes_of, sibling_attributes
from ._donors import roles_of
from ._kinds import compatible, expression_kind, name_kinds
from ._names import BUILTINS, SELF_NAMES, is_callee, is_variable

KIND = "expression.ingredient"
PRIOR = prior_of(KIND)
SPECULATIVE = True

_MAX_TARGETS = 8
_MAX_FIXES = 48
_PER_TARGET = 4          # ingredients of one tier per target
_PARTNERS = 3            # numbers combined with a target
_MAX_INGREDIENT = 32     # characters
_TWIN_LINES = 3
_EXPRESSIONS = frozenset({"identifier", "attribute", "subscript", "call"})   # replaced, and replacing
_LITERALS = frozenset({"string", "integer", "float"})
_CALLS = frozenset({"len", "abs", "min", "max", "int", "float", "str", "sum", "round", "sorted",
                    "list", "tuple", "set", "repr", "bool"})
# Parents in which a combination `a - b` needs parentheses.
_TIGHT = frozenset({"binary_operator", "unary_operator", "attribute", "subscript", "call",
                    "await", "not_operator"})


@dataclass(frozen=True)
class _Ingredient:
    text: str
    kind: str
    start: int                 # first occurrence in the function
    uses: int
    names: frozenset[str]      # variables it reads
    node_type: str


def generate(site: Site) -> Iterable[Fix]:
    func = site.scope.function
    if func is None or site.stmt.type in ("function_definition", "class_definition",
                                          "decorated_definition"):
        return
    kinds = name_kinds(site)
    pool = _visible(site, _ingredients(site, func, kinds))
    targets = _targets(site)[:_MAX_TARGETS]
    tiers = [[_parameters_for_literals(site)] + [_special(site, t) for t in targets],
             [_from_pool(site, t, kinds, pool, same_kind=True) for t in targets],
             [_combinations(site, t, kinds, pool) for t in targets],
             [_from_pool(site, t, kinds, pool, same_kind=False) for t in targets]]
    emitted: set[tuple[int, str]] = set()
    count = 0
    for level, tier in enumerate(tiers):
        for node, new in _round_robin(tier):
            key = (node.start_byte, new)
            if key in emitted or new == text(node):
                continue
            emitted.add(key)
            twins = _twins(site, node) if level == 0 else []
            if twins:           # a copied mistake is likelier than one of two right copies
                spans = tuple((n.start_byte, n.end_byte, new) for n in [node, *twins])
                yield Fix(spans, f"`{shorten(text(node))}` → `{shorten(new)}` ({len(spans)} times)")
            yield replace(node, new)
            count += 1 + bool(twins)
            if count >= _MAX_FIXES:
                return


def _twins(site: Site, node: Node) -> list[Node]:
    """The same expression on the neighbouring lines of the function (a copied mistake, as in
    `f"{src.name} (original)"` beside `f"{src.name} (formatted)"`)."""
    func, own, row = site.function, text(node), node.start_point.row
    key = ("expressions_by_text", func.start_byte, func.end_byte)
    if key not in site.shared:
        table: dict[tuple[str, str], list[Node]] = {}
        body = func.child_by_field_name("body")
        for n in walk(body) if body is not None else ():
            if n.type in _EXPRESSIONS or n.type in _LITERALS:
                table.setdefault((n.type, text(n)), []).append(n)
        site.shared[key] = table
    return [n for n in site.shared[key].get((node.type, own), ()) if n.start_byte != node.start_byte
            and abs(n.start_point.row - row) <= _TWIN_LINES and _is_load(n) and not is_callee(n)]


def _round_robin(streams: list[Iterator[tuple[Node, str]]]) -> Iterator[tuple[Node, str]]:
    live = list(streams)
    while live:
        for stream in list(live):
            item = next(stream, None)
            if item is None:
                live.remove(stream)
            else:
                yield item


# -- what may be replaced -------------------------------------------------------------------------
def _targets(site: Site) -> list[Node]:
    found = []
    for node in site.nodes(*_EXPRESSIONS):
        if not _is_load(node) or is_callee(node):
            continue
        if node.parent is not None and node.parent.type == "expression_statement":
            continue            # a bare call statement: replacing all of it is no ingredient
        if node.type == "identifier":
            if not is_variable(node) or text(node) in BUILTINS or not _is_value(site, node):
                continue
        elif node.type == "call":
            fn = node.child_by_field_name("function")
            if fn is None or text(fn) not in _CALLS:
                continue
        elif node.type == "attribute":
            if node.child_by_field_name("object") is None:
                continue
        found.append(node)
    return found


def _is_value(site: Site, node: Node) -> bool:
    """A variable, not `self` nor a module, class or function the file imports or defines."""
    name = text(node)
    if name in SELF_NAMES:
        return False
    return name in site.scope.variable_names() or name not in site.scope


def _is_load(node: Node) -> bool:
    child, parent = node, node.parent
    while parent is not None and parent.type in ("pattern_list", "tuple_pattern", "list_pattern"):
        child, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.type in ("assignment", "augmented_assignment", "for_statement", "for_in_clause"):
        return parent.child_by_field_name("left") != child
    if parent.type in ("delete_statement", "keyword_argument"):
        return parent.type == "keyword_argument" and parent.child_by_field_name("value") == child
    if parent.type in ("default_parameter", "typed_default_parameter"):
        return parent.child_by_field_name("value") == child
    return parent.type not in ("parameters", "lambda_parameters", "type", "aliased_import",
                               "dotted_name", "global_statement", "nonlocal_statement")


def _needs_paren(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type in _TIGHT


# -- what may replace it --------------------------------------------------------------------------
def _ingredients(site: Site, func: Node, kinds: dict[str, str]) -> list[_Ingredient]:
    """Loads the function writes, distinct by text, first occurrence first (memoised)."""
    key = ("ingredients", func.start_byte, func.end_byte)
    if key in site.shared:
        return site.shared[key]
    first: dict[str, Node] = {}
    uses: dict[str, int] = {}
    for node in walk(func, skip=frozenset({"lambda"})):
        if node.type not in _EXPRESSIONS or not _is_load(node) or is_callee(node):
            continue
        if node.type == "identifier" and (not is_variable(node) or text(node) in BUILTINS):
            continue
        if node.type != "identifier" and not _simple(node):
            continue
        t = text(node)
        if len(t) > _MAX_INGREDIENT or "\n" in t:
            continue
        first.setdefault(t, node)
        uses[t] = uses.get(t, 0) + 1
    out = [_Ingredient(t, expression_kind(n, kinds), n.start_byte, uses[t], _reads(n), n.type)
           for t, n in first.items()]
    site.shared[key] = out
    return out


def _simple(node: Node) -> bool:
    """A pure-looking expression over names and small literals: `a.b`, `xs[i]`, `len(x)`."""
    if node.type == "call":
        fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if fn is None or text(fn) not in _CALLS or args is None or args.type != "argument_list":
            return False
        return 0 < len(args.named_children) <= 2 and all(_atom(a) for a in args.named_children)
    if node.type == "attribute":
        obj = node.child_by_field_name("object")
        return obj is not None and (obj.type == "identifier" or (obj.type == "attribute" and _simple(obj)))
    if node.type == "subscript":
        value, index = node.child_by_field_name("value"), node.child_by_field_name("subscript")
        return value is not None and index is not None and value.type in ("identifier", "attribute") \
            and _atom(index)
    return False


def _atom(node: Node) -> bool:
    if node.type in ("identifier", "integer", "string", "true", "false", "none"):
        return True
    if node.type == "attribute":
        return _simple(node)
    if node.type in ("unary_operator", "binary_operator"):
        return all(_atom(c) for c in node.named_children)
    return False


def _reads(node: Node) -> frozenset[str]:
    return frozenset(text(n) for n in walk(node) if n.type == "identifier" and is_variable(n))


def _visible(site: Site, pool: list[_Ingredient]) -> list[_Ingredient]:
    """Ingredients whose every variable is in scope at the site (a bare name: a variable, not
    a module, class or function)."""
    variables = set(site.scope.variable_names())
    names = variables | {n.text for n in site.scope.callables}
    if site.scope.cls is not None:
        names |= SELF_NAMES
    return [g for g in pool if g.names <= names
            and (g.node_type != "identifier" or g.text in variables)]


def _ancestor_texts(site: Site, node: Node) -> set[str]:
    out, parent = set(), node.parent
    while parent is not None and parent != site.stmt.parent:
        out.add(text(parent))
        parent = parent.parent
    return out


def _order(pool: list[_Ingredient], at: int) -> list[_Ingredient]:
    return sorted(pool, key=lambda g: (abs(g.start - at), -g.uses))


def _from_pool(site: Site, target: Node, kinds: dict[str, str], pool: list[_Ingredient],
               same_kind: bool) -> Iterator[tuple[Node, str]]:
    kind = expression_kind(target, kinds)
    if same_kind and not kind:
        return
    own, enclosing = text(target), _ancestor_texts(site, target)
    taken = 0
    for g in _order(pool, target.start_byte):
        if g.node_type == "identifier" and target.type == "identifier":
            continue             # name for name is identifier.replace's
        if g.text == own or g.text in enclosing:
            continue
        if same_kind and g.kind != kind:
            continue
        if not same_kind and (g.kind == kind or not compatible(kind, g.kind)):
            continue
        yield target, g.text
        taken += 1
        if taken == _PER_TARGET:
            return


def _parameters_for_literals(site: Site) -> Iterator[tuple[Node, str]]:
    """A literal equal to a parameter's default (`"-"` where `sep="-"`): the value hard-coded
    where the parameter was meant."""
    defaults = roles_of(site.scope.function, site.shared, site.path).defaults
    if not defaults:
        return
    values: dict[tuple, str] = {}
    for name, default in defaults.items():
        value = _literal_value(default)
        if value is not None:
            values.setdefault(value, name)
    for node in site.nodes("string", "integer", "float"):
        value = _literal_value(text(node))
        if value is not None and value in values and _is_load(node):
            yield node, values[value]


def _literal_value(source: str) -> tuple | None:
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return (type(value).__name__, value)


def _special(site: Site, target: Node) -> Iterator[tuple[Node, str]]:
    if target.type == "attribute":
        obj, attr = target.child_by_field_name("object"), target.child_by_field_name("attribute")
        if obj is not None and (obj.type != "identifier" or _is_value(site, obj)):
            yield target, text(obj)
        if obj is not None and attr is not None and text(obj) not in SELF_NAMES:
            taken = set(site.index.by_object.get(text(obj), []))     # attribute.replace's
            for other in sibling_attributes(site, text(obj), text(attr)):
                if other not in taken:
                    yield target, f"{text(obj)}.{other}"
    if target.type == "identifier":
        name = text(target)
        call = _call_on_unused(site, target)
        if call:
            yield target, f"{name}({call})"
        enclosing = _ancestor_texts(site, target)
        for field in attributes_of(site, name, _PER_TARGET):
            new = f"{name}.{field}"
            if new not in enclosing:
                yield target, new


def _call_on_unused(site: Site, target: Node) -> str:
    """`a, b` when `target` sits in a lambda (or nested function) none of whose parameters the
    body reads."""
    node = target.parent
    while node is not None and node.type not in ("lambda", "function_definition"):
        node = node.parent
    if node is None:
        return ""
    params = node.child_by_field_name("parameters")
    body = node.child_by_field_name("body")
    if params is None or body is None:
        return ""
    names = [text(p) for p in params.named_children if p.type == "identifier"]
    names = [n for n in names if n not in SELF_NAMES]
    if not names:
        return ""
    key = ("identifiers_read", body.start_byte, body.end_byte)
    if key not in site.shared:
        site.shared[key] = frozenset(text(n) for n in walk(body) if n.type == "identifier")
    if site.shared[key] & set(names):
        return ""
    return ", ".join(names)


def _combinations(site: Site, target: Node, kinds: dict[str, str],
                  pool: list[_Ingredient]) -> Iterator[tuple[Node, str]]:
    if expression_kind(target, kinds) != "num":
        return
    own, enclosing = text(target), _ancestor_texts(site, target)
    wrap = _needs_paren(target)
    base = own                 # a name, attribute, subscript or call: never needs parentheses
    bound = _bound_here(site)
    unused = _unused_parameters(site)
    partners = [g.text for g in _order(pool, target.start_byte)
                if g.kind == "num" and g.text != own and not _contains(g, target)
                and not g.names & bound][:_PARTNERS]
    partners += [p for p in unused if p != own][:_PARTNERS - len(partners)]
    for b in partners:
        for new in (f"{base} - {b}", f"{base} + {b}"):
            yield target, f"({new})" if wrap else new
        yield target, f"max({own}, {b})"
        yield target, f"min({own}, {b})"
        new = f"{b} - {base}"
        yield target, f"({new})" if wrap else new
    for new in (f"{base} + 1", f"{base} - 1"):
        yield target, f"({new})" if wrap else new
    seqs = [g.text for g in _order(pool, target.start_byte) if g.kind == "seq"
            and g.node_type in ("identifier", "attribute")][:_PARTNERS]
    for s in seqs:
        new = f"len({s})"
        if new not in enclosing and new != own:
            yield target, new
    for g in _order(pool, target.start_byte):
        if g.node_type != "subscript" or g.text in enclosing:
            continue
        value = g.text[: g.text.index("[")]
        index = g.text[g.text.index("[") + 1: -1]
        if value == own:
            continue
        for step in (" - 1", " + 1"):
            yield target, f"{value}[{index}{step}]"
        break


def _unused_parameters(site: Site) -> list[str]:
    """Parameters the function never reads: what a wrong expression most often left out."""
    func = site.function
    key = ("unused_parameters", func.start_byte, func.end_byte)
    if key not in site.shared:
        body = func.child_by_field_name("body")
        read = {text(n) for n in walk(body) if n.type == "identifier"} if body is not None else set()
        site.shared[key] = [n.text for n in site.index.bindings.get(func.start_byte, [])
                            if n.kind == "param" and n.text not in read and n.text not in SELF_NAMES]
    return site.shared[key]


def _contains(g: _Ingredient, target: Node) -> bool:
    if target.type == "identifier":
        return text(target) in g.names
    return text(target) in g.text


def _bound_here(site: Site) -> set[str]:
    """Names the statement itself assigns: not yet what they will be when it runs."""
    out = set()
    for node in site.nodes("assignment", "augmented_assignment"):
        left = node.child_by_field_name("left")
        if left is not None:
            out |= {text(n) for n in walk(left) if n.type == "identifier"}
    return out
