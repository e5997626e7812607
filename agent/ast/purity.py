"""Calls that compute from their arguments alone: what the value probe and the angelic recorder
may evaluate again at a site without changing what the program does."""
from __future__ import annotations

PURE_BUILTINS = frozenset({
    "abs", "all", "any", "bool", "bytes", "callable", "chr", "dict", "divmod", "enumerate", "float",
    "frozenset", "hasattr", "int", "isinstance", "issubclass", "len", "list", "max", "min", "ord",
    "pow", "range", "repr", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "type", "zip",
})
PURE_METHODS = frozenset({
    "get", "keys", "values", "items", "count", "index", "find", "rfind", "startswith", "endswith",
    "lower", "upper", "casefold", "title", "capitalize", "strip", "lstrip", "rstrip", "split",
    "rsplit", "splitlines", "partition", "rpartition", "join", "replace", "format", "zfill",
    "center", "ljust", "rjust", "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace",
    "islower", "isupper", "istitle", "isidentifier", "encode", "decode", "copy", "bit_length",
    "is_integer", "weekday", "isoweekday", "isocalendar", "isoformat", "toordinal", "date",
    "total_seconds", "union", "intersection", "difference", "symmetric_difference", "issubset",
    "issuperset", "isdisjoint", "most_common", "hex",
})
# `re.match(p, s)` and its siblings compute from their arguments alone; only with a literal pattern
# (a pattern held by a name may differ at every run, and compiling each again is far too slow).
PURE_MODULE_FUNCTIONS = {"re": frozenset({"match", "search", "fullmatch", "findall", "split", "sub",
                                          "subn", "escape", "compile"})}
