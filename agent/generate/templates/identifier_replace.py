"""Wrong-variable repairs: a variable replaced with another in-scope variable (`width` → `height`),
or a called module function with another module function."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace
from ._names import BUILTINS, SELF_NAMES, is_callee, is_variable

KIND = "identifier.replace"
PRIOR = prior_of(KIND)

_PER_NAME = 6


def generate(site: Site) -> Iterable[Fix]:
    variables = [n.text for n in site.scope.variables if n.text not in SELF_NAMES]
    functions = [n.text for n in site.scope.callables if n.kind == "function"]
    for node in site.nodes("identifier"):
        if not is_variable(node):
            continue
        name = text(node)
        if is_callee(node):
            pool = functions if name in functions else []
        elif name in BUILTINS and name not in variables:
            pool = []
        else:
            pool = variables
        for other in [p for p in pool if p != name][:_PER_NAME]:
            yield replace(node, other)
