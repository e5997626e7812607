"""The strings the failing tests mention: the string literals of each failing test function (its
inputs: `parse_flags(["--all", "-vq"])`) and the quoted strings of the failure messages. A literal
of the code that should have been longer (`startswith("-")` for `"--"`) usually sits inside one."""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Sequence

from ..ast.nodes import text, walk
from ..ast.parser import parse
from ..project import node_file, node_function
from ..types import TestResult
from .strings import string_literal

__all__ = ["mentioned_strings", "failing_test_strings"]

MAX_STRINGS = 200
MAX_LENGTH = 200
_QUOTED = re.compile(r"""[bu]?(?:'(?:[^'\\\n]|\\.){0,200}'|"(?:[^"\\\n]|\\.){0,200}")""")


def failing_test_strings(read: Callable[[str], bytes], failing: Sequence[TestResult]) -> tuple[str, ...]:
    """String literals of the failing test functions (`read(path)` gives a project file)."""
    out: dict[str, None] = {}
    sources: dict[str, bytes | None] = {}
    for test in failing:
        path, name = node_file(test.test_id), node_function(test.test_id)
        if not name:
            continue
        if path not in sources:
            try:
                sources[path] = read(path)
            except (OSError, ValueError):
                sources[path] = None
        src = sources[path]
        if src is not None:
            out.update(dict.fromkeys(_function_strings(src, name)))
        if len(out) >= MAX_STRINGS:
            break
    return tuple(out)[:MAX_STRINGS]


def mentioned_strings(message: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """`extra` (test strings, compared values) and the quoted strings of `message`."""
    out = dict.fromkeys(s for s in extra if 0 < len(s) <= MAX_LENGTH)
    for quoted in _QUOTED.findall(message):
        try:
            value = ast.literal_eval(quoted)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        if isinstance(value, str) and 0 < len(value) <= MAX_LENGTH:
            out[value] = None
    return tuple(out)[:MAX_STRINGS]


def _function_strings(src: bytes, name: str) -> list[str]:
    tree = parse(src)
    found = []
    for node in walk(tree.root_node):
        if node.type != "function_definition":
            continue
        ident = node.child_by_field_name("name")
        if ident is None or text(ident) != name:
            continue
        for inner in walk(node):
            lit = string_literal(inner, src) if inner.type == "string" else None
            if lit is not None and lit.value and len(lit.value) <= MAX_LENGTH and not lit.is_bytes:
                found.append(lit.value)
    return found
