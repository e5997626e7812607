"""Swapped-argument repairs: exchange two positional arguments of a call (`f(a, b)` → `f(b, a)`)."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, shorten

KIND = "swap.arguments"
PRIOR = prior_of(KIND)

_SKIP = frozenset({"keyword_argument", "list_splat", "dictionary_splat", "comment"})


def generate(site: Site) -> Iterable[Fix]:
    for call in site.nodes("call"):
        args = call.child_by_field_name("arguments")
        if args is None or args.type != "argument_list":
            continue
        positional = [a for a in args.named_children if a.type not in _SKIP]
        pairs = [(i, i + 1) for i in range(len(positional) - 1)]
        if len(positional) == 3:
            pairs.append((0, 2))
        for i, j in pairs:
            a, b = positional[i], positional[j]
            if text(a) == text(b):
                continue
            yield Fix(((a.start_byte, a.end_byte, text(b)), (b.start_byte, b.end_byte, text(a))),
                      f"swap arguments `{shorten(text(a), 20)}` and `{shorten(text(b), 20)}`")
