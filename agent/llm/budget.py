"""Fitting a JSON schema into a token budget, so constrained decoding always finishes.

A weak model under a grammar may keep extending a string until it runs out of tokens, leaving
truncated JSON. `fit_schema` returns a *narrower* schema (every string and array bounded, the
bounds summing to what `max_tokens` can hold even at several tokens per character) — anything
valid under it is valid under the original, so a call decoded against it always validates.
String bounds are written into the pattern (`^[...]*$` becomes `^[...]{0,n}$`), which is what
xgrammar enforces.
"""
from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["fit_schema", "TOKENS_PER_CHAR"]

# Worst case tokens for one decoded character: a \uXXXX escape written byte by byte.
TOKENS_PER_CHAR = 6
_OVERHEAD_PER_FIELD = 24          # key, quotes, punctuation and numbers, in tokens
_STAR_PATTERN = re.compile(r"^\^(.*)\*\$$", re.S)


def fit_schema(schema: dict[str, Any], max_tokens: int) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    for branch in schema.get("anyOf") or schema.get("oneOf") or [schema]:
        _fit_branch(branch, max_tokens)
    return schema


def _fit_branch(branch: dict[str, Any], max_tokens: int) -> None:
    leaves: list[tuple[dict[str, Any], int]] = []      # (string schema, multiplicity)
    fields = _collect(branch, leaves, 1)
    room = max(max_tokens - _OVERHEAD_PER_FIELD * (fields + 1), 0) // TOKENS_PER_CHAR
    # water-filling: short fields get what they can use, long ones share the rest evenly
    left = len(leaves)
    for string, k in sorted(leaves, key=lambda leaf: _max_length(leaf[0]) * leaf[1]):
        share = max(1, room // max(left, 1) // k)
        limit = min(_max_length(string), share)
        room -= limit * k
        left -= 1
        string["maxLength"] = limit
        if string.get("minLength", 0) > limit:
            string["minLength"] = limit
        _bound_pattern(string)


def _collect(node: dict[str, Any], leaves: list, multiplicity: int) -> int:
    kind = node.get("type")
    if kind == "string" and "const" not in node and "enum" not in node:
        leaves.append((node, multiplicity))
        return 1
    if kind == "array":
        node["maxItems"] = min(node.get("maxItems", 4), 4)
        return 1 + _collect(node.get("items") or {}, leaves, multiplicity * node["maxItems"])
    if kind == "object":
        return 1 + sum(_collect(p, leaves, multiplicity) for p in (node.get("properties") or {}).values())
    return 1


def _max_length(string: dict[str, Any]) -> int:
    return int(string.get("maxLength", 2000))


def _bound_pattern(string: dict[str, Any]) -> None:
    n, lo = string["maxLength"], string.get("minLength", 0)
    pattern = string.get("pattern")
    if pattern is None:
        string["pattern"] = rf"^[^\x00-\x08\x0b-\x1f]{{{lo},{n}}}$"
        return
    match = _STAR_PATTERN.match(pattern)
    if match:
        string["pattern"] = f"^{match.group(1)}{{{lo},{max(n - 1, lo)}}}$"
