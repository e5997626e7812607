"""Wrong-builtin repairs: a call to one member of a commonly confused group swapped for another
(`max` ↔ `min`, `any` ↔ `all`, `.append` ↔ `.extend`, `.keys()` ↔ `.items()`...). The groups are data
in `builtin_swaps.json`."""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from importlib import resources

from ...ast.nodes import field_node, text
from ..site import Fix, Site, prior_of, replace

KIND = "call.builtin_swap"
PRIOR = prior_of(KIND)


@functools.cache
def _swaps() -> dict[str, tuple[str, ...]]:
    raw = resources.files("agent.generate").joinpath("builtin_swaps.json").read_text("utf-8")
    table: dict[str, list[str]] = {}
    for group in json.loads(raw)["groups"]:
        for name in group:
            table.setdefault(name, []).extend(o for o in group if o != name and o not in table[name])
    return {k: tuple(v) for k, v in table.items()}


def generate(site: Site) -> Iterable[Fix]:
    swaps = _swaps()
    local = set(site.scope.variable_names())
    for call in site.nodes("call"):
        func = call.child_by_field_name("function")
        if func is None:
            continue
        if func.type == "attribute":
            func = field_node(func, "attribute")
        elif func.type != "identifier" or text(func) in local:
            continue
        for other in swaps.get(text(func), ()):
            yield replace(func, other)
