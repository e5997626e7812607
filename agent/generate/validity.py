"""The cheap validity gate for a patch: instead of re-parsing and compiling the whole file for every
candidate, check only the edited statement (or the inserted lines) inside a wrapper that rebuilds
its context — enclosing `def`/`async def`, enclosing loop — and fall back to the enclosing function,
then the whole file, whenever the shortcut does not apply or says no. Only the original file being
valid makes the shortcut sound, so callers pass that in."""
from __future__ import annotations

from collections.abc import Sequence

from tree_sitter import Node

from ..ast.parser import is_valid_python
from ..diff import Span, apply_spans

__all__ = ["patch_is_valid"]

_LOOPS = frozenset({"for_statement", "while_statement"})
_LEADS = {"elif_clause": b"if _: pass\n", "else_clause": b"if _: pass\n",
          "except_clause": b"try: pass\n", "finally_clause": b"try: pass\n"}


def patch_is_valid(src: bytes, stmt: Node, spans: Sequence[Span], new: bytes, *,
                   path: str = "<candidate>", file_valid: bool = True) -> bool:
    if file_valid:
        start, end = _region(src, stmt)
        whole = src[start:end]
        # Declarations and async generators make a statement's validity depend on far-away code.
        local = not (b"global" in whole or b"nonlocal" in whole or whole.lstrip().startswith(b"async"))
        for snippet in ((_statement_snippet(src, stmt, spans), _insertion_snippet(stmt, spans))
                        if local else ()):
            if snippet is not None and is_valid_python(snippet, path):
                return True
        if all(start <= s and e <= end for s, e, _ in spans):
            snippet = apply_spans(src[start:end], [(s - start, e - start, t) for s, e, t in spans])
            if src[start:start + 1] in (b" ", b"\t"):
                snippet = b"if 1:\n" + snippet
            return is_valid_python(snippet, path)
    return is_valid_python(new, path)


def _context(stmt: Node) -> list[bytes]:
    """Header lines (one space deeper each) that make `stmt`'s `return`/`await`/`break` as legal
    as they are where it stands, and no more."""
    in_loop, parent = False, stmt.parent
    while parent is not None and parent.type != "function_definition":
        in_loop = in_loop or parent.type in _LOOPS
        parent = parent.parent
    lines: list[bytes] = []
    if parent is not None:
        is_async = parent.children and parent.children[0].type == "async"
        lines.append(b"async def _remedy():" if is_async else b"def _remedy():")
    lines.append(b"while _:" if in_loop else b"if _:")
    return [b" " * depth + line + b"\n" for depth, line in enumerate(lines)]


def _statement_snippet(src: bytes, stmt: Node, spans: Sequence[Span]) -> bytes | None:
    """The patched statement alone — a compound statement's header with `pass` as its body."""
    body = stmt.child_by_field_name("body") or stmt.child_by_field_name("consequence")
    if body is None and stmt.type in _LEADS:
        body = next((c for c in stmt.named_children if c.type == "block"), None)
    end = body.start_byte if body is not None else stmt.end_byte
    if any(s < stmt.start_byte or e > end for s, e, _ in spans):
        return None
    text = apply_spans(src[stmt.start_byte:end],
                       [(s - stmt.start_byte, e - stmt.start_byte, t) for s, e, t in spans])
    context = _context(stmt)
    indent = b" " * len(context)
    lead = _LEADS.get(stmt.type, b"")
    return b"".join(context) + (indent + lead if lead else b"") + indent + text + \
        (b"pass" if body is not None else b"") + b"\n"


def _insertion_snippet(stmt: Node, spans: Sequence[Span]) -> bytes | None:
    """Whole lines inserted at a statement boundary are valid there iff they are valid alone at
    that indentation in the same context."""
    if len(spans) != 1 or spans[0][0] != spans[0][1]:
        return None
    text = spans[0][2].encode("utf-8", errors="surrogateescape")
    context = _context(stmt)
    indent = len(text) - len(text.lstrip(b" "))
    if not text.endswith(b"\n") or indent < len(context) or b"\t" in text[:indent + 1]:
        return None
    return b"".join(context) + text


def _region(src: bytes, stmt: Node) -> tuple[int, int]:
    """Whole lines of the outermost function around `stmt` (else its top-level statement)."""
    node, outer, top = stmt, None, stmt
    while node.parent is not None:
        if node.type == "function_definition":
            outer = node
        if node.parent.type == "module":
            top = node
        node = node.parent
    target = outer or top
    start = src.rfind(b"\n", 0, target.start_byte) + 1
    end = src.find(b"\n", target.end_byte)
    return start, (len(src) if end == -1 else end + 1)
