"""The shape of an edit: what a fix did, with the project's names taken out, so fixes at different
sites can be told alike (the per-project model's priors, the memory of past fixes, the patterns
`remedy learn` mines).

    shape_of(candidate, files) == "operator.comparison|A < B -> A <= B"

The changed text of each edit (before and after, their common head and tail set aside) is read as
Python tokens; identifiers become A, B, C... in the order they first appear (the same name the same
letter on both sides), numbers other than 0, 1 and -1 become N, strings S. A template alone is the
coarser key (`template_of`)."""
from __future__ import annotations

from collections.abc import Mapping

from ..ast.edit_tokens import edit_tokens, hole_kind
from ..types import Candidate

__all__ = ["shape_of", "edit_shape", "template_of", "site_of"]

_MAX = 120


def site_of(candidate: Candidate, files: Mapping[str, bytes], trees: dict | None = None) -> str:
    """The kind of site the candidate's first edit is at: the smallest node around the edited
    text and the statement holding it, `"comparison_operator in if_statement"`. `trees`: a cache
    of parses by path."""
    if not candidate.edits:
        return ""
    e = min(candidate.edits, key=lambda e: e.start)
    source = files.get(e.path)
    if source is None:
        return ""
    trees = {} if trees is None else trees
    tree = trees.get(e.path)
    if tree is None:
        from ..ast.parser import parse
        tree = trees[e.path] = parse(source)
    node = tree.root_node.descendant_for_byte_range(e.start, max(e.start, e.end))
    if node is None:
        return ""
    inner = node
    while node is not None and not (node.type.endswith("_statement") or node.type in _BLOCKS):
        node = node.parent
    return f"{inner.type} in {node.type if node is not None else 'module'}"


_BLOCKS = frozenset({"function_definition", "class_definition", "module", "block"})


def template_of(candidate: Candidate) -> str:
    return candidate.template


def shape_of(candidate: Candidate, files: Mapping[str, bytes]) -> str:
    """`template|before -> after` of the candidate's edits (joined by ` ; ` when several)."""
    parts = []
    for e in candidate.edits:
        source = files.get(e.path)
        if source is None:
            continue
        before = source[e.start:e.end].decode("utf-8", errors="replace")
        parts.append((before, e.text))
    return f"{candidate.template}|{edit_shape(parts)}"


def edit_shape(parts: list[tuple[str, str]]) -> str:
    """The abstract `before -> after` of (before, after) texts, one name map over all of them."""
    names: dict[str, str] = {}
    shown = []
    for before, after in parts:
        b, a = edit_tokens(before, after)
        shown.append(f"{_abstract(b, names)} -> {_abstract(a, names)}")
    text = " ; ".join(shown)
    return text if len(text) <= _MAX else text[:_MAX - 1] + "…"




def _abstract(tokens: list[str], names: dict[str, str]) -> str:
    out = []
    for t in tokens:
        kind = hole_kind(t)
        if kind == "id":
            out.append(names.setdefault(t, _letter(len(names))))
        else:
            out.append({"num": "N", "str": "S"}.get(kind, t))
    return " ".join(out)


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else f"V{i}"
