"""Python source as the flat tokens edit shapes and learned patterns are written in
(agent.rank.shape, agent.generate.learned): names, numbers, whole string literals, operators and
punctuation, whitespace and comments dropped. Not a parser: a change's few tokens are all it reads.

    edit_tokens("if x < n:", "if x <= n:") == (["x", "<", "n"], ["x", "<=", "n"])
"""
from __future__ import annotations

import re

from ..diff import common_ends

__all__ = ["TOKEN", "KEYWORDS", "tokens", "edit_tokens", "hole_kind"]

TOKEN = re.compile(r"""[A-Za-z_][A-Za-z0-9_]*|\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?|'''.*?'''|\"\"\".*?\"\"\"|"""
                    r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|\*\*=?|//=?|[<>=!]=|->|<<|>>|[^\s]""", re.S)
KEYWORDS = frozenset({
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
    "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
    "yield", "len", "isinstance", "min", "max", "range", "self", "str", "int", "list", "dict"})


def edit_tokens(before: str, after: str) -> tuple[list[str], list[str]]:
    """The tokens of the part of `before` that changed and of what replaced it, with one operand of
    context on each side, which keeps `A < B -> A <= B` rather than `< -> <=` (punctuation is no
    context: `A - 1 -> A`, not `A - 1 ] -> A ]`)."""
    b, a = tokens(before), tokens(after)
    head, tail = common_ends(b, a)
    lo = head - 1 if head > 0 and _operand(b[head - 1]) else head
    right = tail > 0 and _operand(b[len(b) - tail])
    return b[lo:len(b) - tail + right], a[lo:len(a) - tail + right]


def hole_kind(token: str) -> str:
    """What a hole of a pattern stands for: "id", "num" or "str" ("" for a concrete token)."""
    if token[0].isalpha() or token[0] == "_":
        return "" if token in KEYWORDS else "id"
    if token[0].isdigit():
        return "" if token in ("0", "1") else "num"
    return "str" if token[0] in "'\"" else ""


def _operand(token: str) -> bool:
    return token[0].isalnum() or token[0] in "_'\""


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)
