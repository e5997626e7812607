"""Deep merging of nested configuration dicts, dotted-key flattening and diffs."""
from __future__ import annotations

import copy
from typing import Any


def deep_merge(base: dict, override: dict) -> dict:
    """Return a new dict: ``override`` wins, nested dicts are merged recursively.

    Neither input is modified.
    """
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def flatten_keys(nested: dict, sep: str = ".", prefix: str = "") -> dict[str, Any]:
    """``{'a': {'b': 1}}`` -> ``{'a.b': 1}``; empty dicts are kept as values."""
    flat: dict[str, Any] = {}
    for key, value in nested.items():
        full = f"{prefix}{sep}{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            flat.update(flatten_keys(value, sep, full))
        else:
            flat[full] = value
    return flat


def unflatten_keys(flat: dict[str, Any], sep: str = ".") -> dict:
    """Inverse of :func:`flatten_keys`."""
    nested: dict = {}
    for dotted, value in flat.items():
        *parents, leaf = dotted.split(sep)
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"key conflict at {part!r} in {dotted!r}")
        node[leaf] = value
    return nested


def diff(old: dict, new: dict) -> dict[str, set]:
    """Key-level differences between two flat dicts."""
    old_keys, new_keys = set(old), set(new)
    return {
        "added": new_keys - old_keys,
        "removed": old_keys - new_keys,
        "changed": {k for k in old_keys & new_keys if old[k] != new[k]},
    }
