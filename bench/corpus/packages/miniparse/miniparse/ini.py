"""An INI parser: sections, ``key = value`` or ``key: value``, comments, typed values."""
from __future__ import annotations

from typing import Any


class IniError(ValueError):
    """Malformed INI input; ``lineno`` is 1-based."""

    def __init__(self, message: str, lineno: int) -> None:
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno


def convert(value: str) -> Any:
    """Turn ``true``/``false``, integers and floats into Python values."""
    lowered = value.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def parse_ini(text: str, default_section: str = "DEFAULT") -> dict[str, dict[str, Any]]:
    """Parse INI text into ``{section: {key: value}}``.

    Keys before any header go to ``default_section``. Lines starting with ``#`` or ``;``
    are comments. Quoted values keep their text verbatim (quotes removed, no conversion).
    """
    result: dict[str, dict[str, Any]] = {}
    section = default_section
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise IniError("unterminated section header", lineno)
            section = line[1:-1].strip()
            if not section:
                raise IniError("empty section name", lineno)
            result.setdefault(section, {})
            continue
        for sep in ("=", ":"):
            if sep in line:
                key, _, value = line.partition(sep)
                break
        else:
            raise IniError(f"expected key = value, got {line!r}", lineno)
        key, value = key.strip().lower(), value.strip()
        if not key:
            raise IniError("empty key", lineno)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            parsed: Any = value[1:-1]
        else:
            parsed = convert(value)
        result.setdefault(section, {})[key] = parsed
    return result
