"""Spurious-conversion repairs: drop a wrapping call (`abs(e)`, `int(e)`, `len(e)`, `max(0, e)`...)
and keep its argument."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace

KIND = "call.unwrap"
PRIOR = prior_of(KIND)

_UNARY = frozenset({"abs", "len", "int", "str", "list", "sorted", "float", "round", "set", "tuple",
                    "reversed", "bool", "iter", "next"})
_CLAMPS = frozenset({"max", "min"})


def generate(site: Site) -> Iterable[Fix]:
    for call in site.nodes("call"):
        func, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if func is None or args is None or args.type != "argument_list" or func.type != "identifier":
            continue
        values = [a for a in args.named_children if a.type != "comment"]
        if any(v.type in ("keyword_argument", "list_splat", "dictionary_splat") for v in values):
            continue
        name = text(func)
        if name in _UNARY and len(values) == 1:
            yield replace(call, text(values[0]))
        elif name in _CLAMPS and len(values) == 2:
            for keep, other in ((values[0], values[1]), (values[1], values[0])):
                if other.type in ("integer", "float", "unary_operator"):
                    yield replace(call, text(keep))
