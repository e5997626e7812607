"""What a repair template sees — a `Site`: one suspicious statement with its file, tree, scope and the
failure message — and what it returns — `Fix`: byte-span replacements plus a short description."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources

from tree_sitter import Node, Tree

from ..ast.nodes import COMPOUND_TYPES, enclosing, text, walk
from ..ast.offsets import Offsets
from ..ast.scope import ModuleIndex, Scope
from .neighbours import Neighbours

__all__ = ["Fix", "Site", "replace", "priors", "prior_of", "shorten", "paren", "left_operand", "PRIMARY_TYPES"]

# Expressions that never need parentheses when placed inside a larger one.
PRIMARY_TYPES = frozenset({
    "identifier", "attribute", "call", "subscript", "integer", "float", "string", "true", "false",
    "none", "list", "tuple", "dictionary", "set", "parenthesized_expression",
    "list_comprehension", "dictionary_comprehension", "set_comprehension", "concatenated_string",
})
_HEADER_FIELDS = {"if_statement": ("condition",), "elif_clause": ("condition",),
                  "while_statement": ("condition",), "for_statement": ("left", "right")}
_NO_FOCUS = frozenset({"function_definition", "class_definition", "decorated_definition",
                       "try_statement", "else_clause", "finally_clause"})


@dataclass(frozen=True)
class Fix:
    spans: tuple[tuple[int, int, str], ...]   # (start byte, end byte, new text) on the original
    description: str

    @property
    def size(self) -> int:
        return sum(end - start + len(new) for start, end, new in self.spans)


def shorten(s: str, limit: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def replace(node: Node, new: str, description: str = "") -> Fix:
    return Fix(((node.start_byte, node.end_byte, new),),
               description or f"`{shorten(text(node))}` → `{shorten(new)}`")


def paren(node: Node) -> str:
    """The node's text, parenthesised when it is not a primary expression."""
    s = text(node)
    return s if node.type in PRIMARY_TYPES else f"({s})"


# Python's operator precedence, loosest first (the language reference, "Operator precedence").
_BINARY_PRECEDENCE = {"|": 6, "^": 7, "&": 8, "<<": 9, ">>": 9, "+": 10, "-": 10,
                      "*": 11, "@": 11, "/": 11, "//": 11, "%": 11, "**": 13}
_NODE_PRECEDENCE = {"lambda": 0, "conditional_expression": 1, "not_operator": 4,
                    "comparison_operator": 5, "unary_operator": 12, "await": 14}


def _precedence(node: Node) -> int:
    """How tightly `node` binds (higher: tighter); an unknown expression counts as the loosest."""
    if node.type in PRIMARY_TYPES:
        return 15
    if node.type == "binary_operator":
        op = node.child_by_field_name("operator")
        return _BINARY_PRECEDENCE.get(text(op) if op is not None else "", -1)
    if node.type == "boolean_operator":
        op = node.child_by_field_name("operator")
        return 3 if op is not None and text(op) == "and" else 2
    return _NODE_PRECEDENCE.get(node.type, -1)


def left_operand(node: Node, op: str) -> str:
    """The node's text as the left operand of the binary operator `op`, parenthesised only where
    Python would otherwise group it differently: `len(xs) - k` + 1 reads `len(xs) - k + 1`, while
    `a or b` + 1 reads `(a or b) + 1`. (`**` groups to the right, so an equal one is wrapped.)"""
    mine, theirs = _precedence(node), _BINARY_PRECEDENCE[op]
    needs = mine < theirs or (mine == theirs and op == "**")
    return f"({text(node)})" if needs else text(node)


@functools.cache
def priors() -> dict[str, float]:
    """The prior of each template kind (priors.json, read once; "_default" for the others)."""
    data = json.loads(resources.files("agent.generate").joinpath("priors.json").read_text("utf-8"))
    return {k: float(v) for k, v in data.items() if not k.startswith("_comment")}


def prior_of(kind: str) -> float:
    table = priors()
    return table.get(kind, table["_default"])


@dataclass
class Site:
    path: str
    src: bytes
    tree: Tree
    offsets: Offsets
    line: int
    stmt: Node
    scope: Scope
    index: ModuleIndex
    message: str = ""
    mismatches: tuple = ()    # agent.generate.mismatch.Mismatch pairs of the failed comparisons
    mentioned: tuple[str, ...] = ()   # strings the failing tests mention (agent.generate.mentions)
    shared: dict = field(default_factory=dict, repr=False)   # memo shared by sites of one file
    neighbours: Neighbours | None = field(default=None, repr=False)   # other project modules
    patterns: tuple = ()      # agent.generate.learned.Pattern: the project's learned fix patterns
    _nodes: list[Node] | None = field(default=None, repr=False)

    @property
    def function(self) -> Node:
        """The function the statement is in, for the templates that only run inside one."""
        if self.scope.function is None:
            raise ValueError(f"{self.path}:{self.line} is not inside a function")
        return self.scope.function

    @property
    def focus(self) -> list[Node]:
        """Expression roots templates may rewrite: the whole simple statement, or a compound
        statement's header (its condition, loop target and iterable...), never its body."""
        kind = self.stmt.type
        if kind in _HEADER_FIELDS:
            return [n for f in _HEADER_FIELDS[kind] if (n := self.stmt.child_by_field_name(f))]
        if kind in _NO_FOCUS:
            return []
        if kind in COMPOUND_TYPES or kind in ("except_clause", "case_clause"):
            return [c for c in self.stmt.named_children if c.type not in ("block", "comment")
                    and not c.type.endswith("_clause")]
        return [self.stmt]

    def nodes(self, *types: str) -> list[Node]:
        if self._nodes is None:
            self._nodes = [n for root in self.focus for n in walk(root)]
        return [n for n in self._nodes if n.type in types] if types else list(self._nodes)

    def conditions(self) -> list[Node]:
        """Boolean conditions at this site: if/elif/while tests, ternary and comprehension tests,
        assertions."""
        found: list[Node | None] = []
        if self.stmt.type in ("if_statement", "elif_clause", "while_statement"):
            found.append(self.stmt.child_by_field_name("condition"))
        if self.stmt.type == "assert_statement" and self.stmt.named_children:
            found.append(self.stmt.named_children[0])
        for node in self.nodes("conditional_expression"):
            found.append(node.named_children[1])
        for node in self.nodes("if_clause"):
            found.extend(node.named_children[:1])
        return [n for n in found if n is not None]

    @property
    def first_line(self) -> int:
        return self.stmt.start_point.row + 1

    @property
    def last_line(self) -> int:
        return self.stmt.end_point.row + 1

    @property
    def indent(self) -> str:
        return self.offsets.indent_of(self.first_line)

    @property
    def newline(self) -> str:
        return "\r\n" if b"\r\n" in self.src else "\n"

    def owns_lines(self, node: Node | None = None) -> bool:
        """True when `node` (default: the statement) alone occupies its lines."""
        node = node or self.stmt
        first, last = node.start_point.row + 1, node.end_point.row + 1
        start, _ = self.offsets.line_span(first)
        _, end = self.offsets.line_span(last)
        before = self.src[start:node.start_byte].strip()
        after = self.src[node.end_byte:end].strip()
        return not before and (not after or after.startswith(b"#"))

    def line_region(self, node: Node | None = None) -> tuple[int, int]:
        """Bytes of the whole lines `node` occupies, newline of the last line included."""
        node = node or self.stmt
        start, _ = self.offsets.line_span(node.start_point.row + 1)
        last = node.end_point.row + 1
        end = (self.offsets.starts[last] if last < self.offsets.line_count else len(self.src))
        return start, end

    def enclosing_loop(self) -> Node | None:
        loop = enclosing(self.stmt, {"for_statement", "while_statement", "function_definition"})
        return loop if loop is not None and loop.type != "function_definition" else None

    def reindent(self, node: Node, indent: str) -> str:
        """`node`'s source lines moved to `indent` (its first line's indentation is removed from
        every line), ending with a newline."""
        first = node.start_point.row + 1
        old = self.offsets.indent_of(first)
        start, _ = self.offsets.line_span(first)
        body = self.src[start:node.end_byte].decode("utf-8", errors="surrogateescape")
        lines = body.splitlines()
        out = [indent + (ln[len(old):] if ln.startswith(old) else ln.lstrip()) for ln in lines]
        return self.newline.join(out) + self.newline
