"""Tree-sitter tokens for the ranker: the leaves of a parse, normalised so the n-gram model and the
trunk see the same alphabet, and the edit "window" a candidate is judged on — the edited lines
before and after the edit, with a little context around them.

A whole string literal is one token; integers keep small values; everything else is its text.
"""
from __future__ import annotations

import difflib
import functools
import zlib
from dataclasses import dataclass

from tree_sitter import Node

from ..ast.offsets import Offsets
from ..ast.parser import parse
from ..types import Candidate

__all__ = ["Token", "tokenize", "line_tokens", "EditWindow", "edit_window", "bucket"]

_STRINGS = frozenset({"string", "concatenated_string"})
_SKIP = frozenset({"comment", "line_continuation"})
_KEYWORDS = frozenset({
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
    "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
    "yield", "match", "case", "print", "exec"})


@dataclass(frozen=True)
class Token:
    text: str      # normalised text (what the models see)
    kind: str      # "id" | "kw" | "op" | "num" | "str"
    row: int       # 0-based row in the parsed source


def _normalise(node: Node) -> tuple[str, str]:
    raw = node.text.decode("utf-8", errors="surrogateescape") if node.text is not None else ""
    kind = node.type
    if kind in _STRINGS:
        return (raw if len(raw) <= 12 and "\n" not in raw else "<str>"), "str"
    if kind == "integer":
        return (raw if len(raw) <= 3 else "<int>"), "num"
    if kind == "float":
        return "<float>", "num"
    if kind == "identifier":
        return raw, ("kw" if raw in _KEYWORDS else "id")
    if raw in _KEYWORDS:
        return raw, "kw"
    return (raw if raw else kind), "op"


def _leaves(node: Node, out: list[Token]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in _SKIP:
            continue
        if current.type in _STRINGS or current.child_count == 0:
            if current.end_byte > current.start_byte:
                text, kind = _normalise(current)
                out.append(Token(text, kind, current.start_point.row))
            continue
        stack.extend(reversed(current.children))


def tokenize(src: bytes) -> list[Token]:
    out: list[Token] = []
    _leaves(parse(src).root_node, out)
    return out


@functools.lru_cache(maxsize=64)
def line_tokens(src: bytes) -> tuple[tuple[Token, ...], ...]:
    """Tokens of a whole file grouped by 0-based row (cached: sessions ask for the same file often)."""
    rows: list[list[Token]] = [[] for _ in range(src.count(b"\n") + 1)]
    for tok in tokenize(src):
        rows[tok.row].append(tok)
    return tuple(tuple(r) for r in rows)


@functools.lru_cache(maxsize=4096)
def _snippet_tokens(snippet: bytes) -> tuple[tuple[Token, ...], bool]:
    """Tokens of a dedented statement fragment and whether the fragment parses cleanly (a header
    such as `if x:` is completed with a body first, so only real breakage counts)."""
    lines = snippet.splitlines()
    indent = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    body = b"\n".join(ln[indent:] for ln in lines)
    probe = body
    if body.rstrip().endswith(b":"):
        probe = body + b"\n    pass"
    head = body.lstrip().split(b" ", 1)[0].rstrip(b":")
    if head in (b"elif", b"else", b"except", b"finally"):
        probe = b"if x:\n    pass\n" if head in (b"elif", b"else") else b"try:\n    pass\n"
        probe += body + (b"\n    pass" if body.rstrip().endswith(b":") else b"")
    tree = parse(probe)
    out: list[Token] = []
    _leaves(parse(body).root_node, out)
    return tuple(out), not tree.root_node.has_error


def bucket(text: str, size: int) -> int:
    """Stable hash bucket of a token's text (1..size-1; 0 is padding)."""
    return 1 + zlib.crc32(text.encode("utf-8", errors="surrogateescape")) % (size - 1)


@dataclass(frozen=True)
class EditWindow:
    """What a candidate changes, as tokens: the edited lines before (`old`) and after (`new`), and
    up to a few lines of unchanged context on either side."""
    before: tuple[Token, ...]
    old: tuple[Token, ...]
    new: tuple[Token, ...]
    after: tuple[Token, ...]
    old_changed: tuple[bool, ...]
    new_changed: tuple[bool, ...]
    old_valid: bool
    new_valid: bool
    first_line: int            # 1-based first edited line
    old_text: str
    new_text: str


def _region(offsets: Offsets, edits) -> tuple[int, int, int, int]:
    starts = [e.start for e in edits]
    ends = [e.end for e in edits]
    first = offsets.line_of(min(starts))
    last = offsets.line_of(max(max(ends) - 1, min(starts)))
    rs = offsets.starts[first - 1]
    re_ = offsets.starts[last] if last < offsets.line_count else len(offsets.src)
    return first, last, rs, re_


def _changed(a: list[str], b: list[str]) -> tuple[list[bool], list[bool]]:
    ca, cb = [False] * len(a), [False] * len(b)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            for i in range(i1, i2):
                ca[i] = True
            for j in range(j1, j2):
                cb[j] = True
    return ca, cb


def edit_window(src: bytes, offsets: Offsets, cand: Candidate, context_lines: int = 2) -> EditWindow:
    """The candidate's edit window in `src` (the file `cand.path` before the edit)."""
    edits = [e for e in cand.edits if e.path == cand.path] or list(cand.edits)
    first, last, rs, re_ = _region(offsets, edits)
    region = src[rs:re_]
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        region = region[: e.start - rs] + e.text.encode("utf-8", errors="surrogateescape") + region[e.end - rs:]
    old, old_valid = _snippet_tokens(src[rs:re_])
    new, new_valid = _snippet_tokens(region)
    ca, cb = _changed([t.text for t in old], [t.text for t in new])
    rows = line_tokens(src)
    before: list[Token] = []
    row, taken = first - 2, 0
    while row >= 0 and taken < context_lines:
        if rows[row]:
            before[:0] = rows[row]
            taken += 1
        row -= 1
    after: list[Token] = []
    row, taken = last, 0
    while row < len(rows) and taken < context_lines:
        if rows[row]:
            after.extend(rows[row])
            taken += 1
        row += 1
    return EditWindow(tuple(before), old, new, tuple(after), tuple(ca), tuple(cb), old_valid, new_valid,
                      first, src[rs:re_].decode("utf-8", errors="replace"),
                      region.decode("utf-8", errors="replace"))
