"""Literals rewritten from the failing assertion: when a failed `==` compared strings (or numbers),
a string literal of the suspicious statement whose text shows up where the actual value differs
from the expected one is rewritten to what the expected value holds there (a separator, a flag's
missing suffix, the word a format string lost); a number literal moves by the missing amount.
A named constant in scope that holds the rewritten value (a module-level constant, `os.sep`,
`os.pathsep`, `os.linesep` for separator literals) is offered in its place, first; so is the
function's parameter whose default the literal hardcodes (`sep="-"` ... `"-".join(...)`), in place of
every such literal of the statement at once. A literal that
a substring test uses (`'-' in arg`, `s.startswith('#')`) may instead grow into a longer text the
failing test mentions. A few rewrites per literal: the most frequent readings first."""
from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator

from tree_sitter import Node

from ...ast.nodes import field_node, parent_of, text
from ..align import Alignment
from ..mismatch import Mismatch
from ..site import Fix, Site, prior_of, shorten
from ..strings import Piece, StringLiteral, string_literal

KIND = "literal.expected"
PRIOR = prior_of(KIND)
EVIDENCE = True

PER_LITERAL = 3
EXTENSIONS = 4
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")
_SUBSTRING_METHODS = frozenset({"startswith", "endswith", "find", "rfind", "index", "rindex", "count",
                                "split", "rsplit", "partition", "rpartition", "removeprefix",
                                "removesuffix", "replace"})
_TOKEN_STOP = frozenset(" \t\r\n'\",;()[]{}<>=")
# Platform constants a separator literal may stand for (values from this interpreter: the tests run
# on this machine).
_OS_CONSTANTS = {"os.sep": ("/", "\\"), "os.pathsep": (":", ";"), "os.linesep": ("\n", "\r\n")}


def generate(site: Site) -> Iterable[Fix]:
    found = site.mismatches
    if not found and not site.mentioned:
        return
    yield from _parameter_fixes(site, found)
    for node in site.nodes("string", "integer", "float"):
        if node.type == "string":
            if node.parent is not None and node.parent.type == "expression_statement":
                continue                                  # a docstring
            lit = string_literal(node, site.src)
            if lit is not None:
                yield from _string_fixes(site, node, lit, found)
        else:
            yield from _number_fixes(site, node, found)


# -- strings ---------------------------------------------------------------------------------------
def _string_fixes(site: Site, node: Node, lit: StringLiteral, found: tuple[Mismatch, ...]) -> Iterator[Fix]:
    rewrites: list[tuple[int, int, str]] = []
    for piece, i, j, extra in _runs(node, lit):
        run = piece.value[i:j]
        for m in found:
            if not m.is_text or lit.is_bytes != isinstance(m.actual, bytes):
                continue
            if not run and len(lit.pieces) * (len(piece.value) + 1) > 1:
                continue                     # an empty stretch between fields reads anywhere
            for target in _alignment(site, m).targets(run)[:PER_LITERAL]:
                span = piece.rewrite(piece.value[:i] + target + piece.value[j:], extra)
                if span is not None and span not in rewrites:
                    rewrites.append(span)
    rewrites = rewrites[:PER_LITERAL]
    value = lit.value
    emitted: set[str] = set()
    for span in rewrites:
        new = _new_value(lit, span)
        for name in _constants_for(site, node, value, new, bool(rewrites)):
            if name not in emitted:
                emitted.add(name)
                yield Fix(((node.start_byte, node.end_byte, name),),
                          f"`{shorten(text(node))}` → `{name}` (the failing test expects {shorten(repr(new))})")
    for span in rewrites:
        yield _fix(node, span, "the failing test expects it")
    if value and not rewrites and _substring_test(node):
        for longer in _extensions(site, value):
            span = lit.pieces[0].rewrite(longer) if len(lit.pieces) == 1 else None
            if span is not None:
                yield _fix(node, span, "a longer text the failing test mentions")


def _parameter_fixes(site: Site, found: tuple[Mismatch, ...]) -> Iterator[Fix]:
    """The parameter whose string default the statement's literals hardcode, where the failing
    comparison implicates that text."""
    texts = [m for m in found if m.is_text and isinstance(m.actual, str)]
    if site.scope.function is None or not texts:
        return
    params = site.scope.function.child_by_field_name("parameters")
    literals = [(n, string_literal(n, site.src)) for n in site.nodes("string")]
    for param in params.named_children if params is not None else ():
        default = param.child_by_field_name("value")
        if param.type not in ("default_parameter", "typed_default_parameter") or default is None \
                or default.type != "string":
            continue
        lit = string_literal(default, site.src)
        value = lit.value if lit is not None else None
        same = [n for n, lit in literals if lit is not None and value and lit.value == value]
        if not same or not value or not any(_alignment(site, m).targets(value) for m in texts):
            continue
        name = text(field_node(param, "name"))
        yield Fix(tuple((n.start_byte, n.end_byte, name) for n in same),
                  f"`{shorten(text(same[0]))}` → `{name}` (the parameter it hardcodes)")


def _fix(node: Node, span: tuple[int, int, str], why: str) -> Fix:
    start, end, new = span
    src = node.text or b""
    after = (src[:start - node.start_byte] + new.encode("utf-8", "surrogateescape")
             + src[end - node.start_byte:]).decode("utf-8", "replace")
    return Fix((span,), f"`{shorten(text(node))}` → `{shorten(after)}` ({why})")


def _new_value(lit: StringLiteral, span: tuple[int, int, str]) -> str | None:
    """The literal's whole value after `span`, when it has one (no f-string fields)."""
    if lit.value is None:
        return None
    start, end, new = span
    node = lit.node
    source = lit.src[node.start_byte:start] + new.encode("utf-8", "surrogateescape") + lit.src[end:node.end_byte]
    try:
        value = ast.literal_eval(source.decode("utf-8"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        return None
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _runs(node: Node, lit: StringLiteral) -> list[tuple[Piece, int, int, dict[str, str]]]:
    """The literal's stretches of fixed output text: whole pieces, or, for a `%` or `.format`
    template, the text between its fields (whose `%` or braces a rewrite must escape)."""
    parent = node.parent
    field, extra = None, {}
    if parent is not None and parent.type == "binary_operator" and parent.child_by_field_name("left") == node \
            and text(parent.child_by_field_name("operator") or parent).strip() == "%":
        field, extra = _PERCENT_FIELD, {"%": "%%"}
    elif parent is not None and parent.type == "attribute" and parent.child_by_field_name("object") == node \
            and text(parent.child_by_field_name("attribute") or parent) == "format":
        field, extra = _FORMAT_FIELD, {"{": "{{", "}": "}}"}
    runs = []
    for piece in lit.pieces:
        if field is None:
            runs.append((piece, 0, len(piece.value), extra))
            continue
        at = 0
        for m in field.finditer(piece.value):
            if m.start() > at:
                runs.append((piece, at, m.start(), extra))
            at = m.end()
        if at < len(piece.value):
            runs.append((piece, at, len(piece.value), extra))
    return runs


def _alignment(site: Site, m: Mismatch) -> Alignment:
    key = ("literal.expected:alignment", m)
    if key not in site.shared:
        site.shared[key] = Alignment(*m.texts())
    return site.shared[key]


def _constants_for(site: Site, node: Node, old: str | None, new: str | None, implicated: bool) -> list[str]:
    """Named constants in scope to put in place of a literal whose value should become `new`."""
    names = []
    for name, value in _module_constants(site).items():
        if new is not None and value == new and node.start_point.row + 1 != site.index.module_names[name].line:
            names.append(name)
    if implicated and _imports_os(site):
        for name, family in _OS_CONSTANTS.items():
            if old in family or new in family:
                names.append(name)
    return names


def _module_constants(site: Site) -> dict[str, str]:
    key = "literal.expected:constants"
    if key not in site.shared:
        found: dict[str, str] = {}
        for stmt in site.tree.root_node.named_children:
            expr = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else None
            if expr is None or expr.type != "assignment":
                continue
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            if left is None or right is None or left.type != "identifier" or right.type != "string":
                continue
            lit = string_literal(right, site.src)
            name = text(left)
            if lit is not None and lit.value is not None and name in site.index.module_names:
                found[name] = lit.value
        site.shared[key] = found
    return site.shared[key]


def _imports_os(site: Site) -> bool:
    key = "literal.expected:os"
    if key not in site.shared:
        site.shared[key] = any(stmt.type == "import_statement" and "os" in re.split(r"[\s,]+", text(stmt))
                               for stmt in site.tree.root_node.named_children)
    return site.shared[key] and os.sep is not None


def _substring_test(node: Node) -> bool:
    """`node` is the needle of a substring test: `'x' in s`, `s.startswith('x')`, `s.split('x')`..."""
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "comparison_operator":
        ops = [text(c) for c in parent.children if not c.is_named]
        return parent.named_children[:1] == [node] and bool(ops) and ops[0] in ("in", "not in")
    if parent.type == "tuple":          # s.startswith(('a', 'b'))
        parent = parent.parent
        node = parent_of(node)
    if parent is None or parent.type != "argument_list" or parent.named_children[:1] != [node]:
        return False
    call = parent.parent
    callee = call.child_by_field_name("function") if call is not None else None
    if callee is None or callee.type != "attribute":
        return False
    return text(callee.child_by_field_name("attribute") or callee) in _SUBSTRING_METHODS


def _extensions(site: Site, needle: str) -> list[str]:
    """Longer texts around `needle` in the strings the failure shows: one more character on
    either side, and the whole token it sits in."""
    counts: dict[str, int] = {}
    for hay in site.mentioned:
        at = hay.find(needle)
        while at != -1:
            end = at + len(needle)
            lo, hi = at, end
            while lo > 0 and hay[lo - 1] not in _TOKEN_STOP:
                lo -= 1
            while hi < len(hay) and hay[hi] not in _TOKEN_STOP:
                hi += 1
            for longer in (hay[lo:hi], hay[at:end + 1], hay[max(at - 1, 0):end]):
                if longer != needle and needle in longer and not _TOKEN_STOP & set(longer):
                    counts[longer] = counts.get(longer, 0) + 1
            at = hay.find(needle, at + 1)
    return sorted(counts, key=lambda s: (-counts[s], len(s)))[:EXTENSIONS]


# -- numbers ---------------------------------------------------------------------------------------
def _number_fixes(site: Site, node: Node, found: tuple[Mismatch, ...]) -> Iterator[Fix]:
    old = text(node)
    if not old.isdigit():
        return
    k = int(old)
    options: list[str] = []
    for m in found:
        if m.is_text:
            options += [t for t in _alignment(site, m).targets(old) if t.isdigit()]
        elif m.is_number and isinstance(m.actual, int) and isinstance(m.expected, int):
            options.append(str(k + m.expected - m.actual))
            if m.actual and (k * m.expected) % m.actual == 0:
                options.append(str(k * m.expected // m.actual))
    for new in list(dict.fromkeys(o for o in options if o != old and not o.startswith("-")))[:PER_LITERAL]:
        yield Fix(((node.start_byte, node.end_byte, new),), f"`{old}` → `{new}` (the failing test expects it)")
