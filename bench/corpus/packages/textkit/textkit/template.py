"""A minimal ``{{ name | filter }}`` template renderer."""
from __future__ import annotations

import re
from typing import Any, Callable

_PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*((?:\|\s*\w+\s*)*)\}\}")


class TemplateError(KeyError):
    """A placeholder names a missing variable or an unknown filter."""


FILTERS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
    "strip": str.strip,
}


def _lookup(context: dict[str, Any], dotted: str) -> Any:
    """Resolve ``a.b.c`` through nested dicts or attributes."""
    value: Any = context
    for part in dotted.split("."):
        if isinstance(value, dict):
            if part not in value:
                raise TemplateError(dotted)
            value = value[part]
        elif hasattr(value, part):
            value = getattr(value, part)
        else:
            raise TemplateError(dotted)
    return value


def render(template: str, context: dict[str, Any], strict: bool = True) -> str:
    """Replace each placeholder by its (filtered) value.

    With ``strict=False`` missing variables render as the empty string.
    """
    def substitute(match: re.Match) -> str:
        name, filter_chain = match.group(1), match.group(2)
        try:
            value = _lookup(context, name)
        except TemplateError:
            if strict:
                raise
            return ""
        text = str(value)
        for fname in [f.strip() for f in filter_chain.split("|") if f.strip()]:
            if fname not in FILTERS:
                raise TemplateError(f"unknown filter {fname!r}")
            text = FILTERS[fname](text)
        return text

    return _PLACEHOLDER.sub(substitute, template)
