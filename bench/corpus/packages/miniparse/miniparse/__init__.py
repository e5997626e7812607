"""miniparse: small hand-written parsers (INI, query strings, arithmetic)."""
from .ini import parse_ini, IniError
from .query import parse_qs, build_qs
from .expr import evaluate, tokenize, ExprError

__all__ = ["parse_ini", "IniError", "parse_qs", "build_qs", "evaluate", "tokenize", "ExprError"]
