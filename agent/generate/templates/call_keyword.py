"""Wrong-keyword repairs: a constant keyword argument dropped (`sorted(xs, reverse=True)` →
`sorted(xs)`), or a well-known one added to a call that lacks it (`.popitem()` →
`.popitem(last=False)`, `sorted(xs)` → `sorted(xs, reverse=True)`)."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import field_node, text
from ..site import Fix, Site, prior_of

KIND = "call.keyword"
PRIOR = prior_of(KIND)

# Keyword arguments whose absence (the default) is a common mistake, by callee (last name part).
_KNOWN = {
    "popitem": ("last=False",), "move_to_end": ("last=False",), "sort": ("reverse=True",),
    "sorted": ("reverse=True",), "split": ("maxsplit=1",), "rsplit": ("maxsplit=1",),
    "max": ("default=None",), "min": ("default=None",), "zip": ("strict=True",),
    "mkdir": ("parents=True", "exist_ok=True"), "makedirs": ("exist_ok=True",),
}
_CONSTANTS = frozenset({"true", "false", "none", "integer", "float", "string", "unary_operator"})


def generate(site: Site) -> Iterable[Fix]:
    for call in site.nodes("call"):
        func, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if func is None or args is None or args.type != "argument_list":
            continue
        items = [a for a in args.named_children if a.type != "comment"]
        for i, arg in enumerate(items):
            value = arg.child_by_field_name("value") if arg.type == "keyword_argument" else None
            if value is None or value.type not in _CONSTANTS:
                continue
            # Remove the argument with the comma that joins it to its neighbour.
            start = items[i - 1].end_byte if i > 0 else arg.start_byte
            end = arg.end_byte if i > 0 or len(items) == 1 else items[1].start_byte
            yield Fix(((start, end, ""),), f"drop `{text(arg)}` from `{text(func)}(...)`")
        name = text(func).rsplit(".", 1)[-1]
        present = {text(field_node(a, "name")) for a in items if a.type == "keyword_argument"}
        for keyword in _KNOWN.get(name, ()):
            if keyword.split("=")[0] in present or any(a.type.endswith("splat") for a in items):
                continue
            close = args.end_byte - 1
            new = f", {keyword}" if items else keyword
            at = items[-1].end_byte if items else close
            yield Fix(((at, at, new),), f"add `{keyword}` to `{text(func)}(...)`")
