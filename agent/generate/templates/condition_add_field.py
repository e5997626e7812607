"""Missing condition over a field: a loop or branch test on an object (`len(node.children) == 1`)
forgets a check of another field the module uses on the same object (`and node.count == 0`,
`and not node.done`)."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace
from ._names import SELF_NAMES, is_callee

KIND = "condition.add_field"
PRIOR = prior_of(KIND)

_MAX_FIELDS = 3
_LOOSE = frozenset({"boolean_operator", "conditional_expression", "named_expression", "lambda"})


def generate(site: Site) -> Iterable[Fix]:
    called = site.index.called_attributes
    for cond in site.conditions():
        body = f"({text(cond)})" if cond.type in _LOOSE and " or " in text(cond) else text(cond)
        used: dict[str, set[str]] = {}
        for node in (n for n in _walk(cond) if n.type == "attribute"):
            obj = node.child_by_field_name("object")
            if obj is None or obj.type != "identifier" or text(obj) in SELF_NAMES or is_callee(node):
                continue
            used.setdefault(text(obj), set()).add(text(node.child_by_field_name("attribute")))
        for obj, attrs in used.items():
            others = [a for a in site.index.by_object.get(obj, ())
                      if a not in attrs and a not in called][:_MAX_FIELDS]
            for attr in others:
                yield replace(cond, f"{body} and {obj}.{attr} == 0")
                yield replace(cond, f"{body} and not {obj}.{attr}")


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)
