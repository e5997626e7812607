"""Python's own parser (`ast.parse`), one thread at a time. CPython 3.11 keeps the depth of the tree
it is converting in state shared by all threads, so two threads that parse at once can fail with
"SystemError: AST constructor recursion depth mismatch"; a session parses in worker threads (the
templates, the probe, the anti-pattern check) while others run."""
from __future__ import annotations

import ast
import threading
from typing import Any, Literal, overload

__all__ = ["parse_python"]

_LOCK = threading.RLock()     # re-entrant: a finalizer that parses, run by the collector mid-parse


@overload
def parse_python(source: str | bytes, filename: str = ..., mode: Literal["exec"] = ..., **kw: Any) -> ast.Module: ...
@overload
def parse_python(source: str | bytes, filename: str, mode: Literal["eval"], **kw: Any) -> ast.Expression: ...
@overload
def parse_python(source: str | bytes, *, mode: Literal["eval"], **kw: Any) -> ast.Expression: ...


def parse_python(source: str | bytes, filename: str = "<unknown>", mode: str = "exec", **kw: Any) -> ast.AST:
    """`ast.parse(source, filename, mode, ...)`, serialised with every other parse in this process."""
    with _LOCK:
        return ast.parse(source, filename, mode, **kw)
