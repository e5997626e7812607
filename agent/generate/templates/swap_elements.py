"""Wrong-order repairs: two adjacent elements of a tuple or list literal exchanged, where order is
meaning — iteration or priority order (`for sep in (":", "=")` → `("=", ":")`), positional
records."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, shorten

KIND = "swap.elements"
PRIOR = prior_of(KIND)

_SKIP = frozenset({"comment", "list_splat", "parenthesized_list_splat", "keyword_argument"})
_MAX_ELEMENTS = 6


def generate(site: Site) -> Iterable[Fix]:
    for node in site.nodes("tuple", "list"):
        items = [c for c in node.named_children if c.type not in _SKIP]
        if not 2 <= len(items) <= _MAX_ELEMENTS:
            continue
        for a, b in zip(items, items[1:]):
            if text(a) == text(b):
                continue
            yield Fix(((a.start_byte, a.end_byte, text(b)), (b.start_byte, b.end_byte, text(a))),
                      f"swap elements `{shorten(text(a), 20)}` and `{shorten(text(b), 20)}`")
