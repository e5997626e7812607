"""Parse and format compact durations such as ``1h30m`` or ``2d 4h``."""
from __future__ import annotations

import re

UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)\s*([wdhms])")


def parse_duration(text: str) -> int:
    """Number of seconds in ``text``; raises ValueError on anything unparseable."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise ValueError("empty duration")
    total = 0
    pos = 0
    for match in _PART.finditer(cleaned):
        if cleaned[pos:match.start()].strip():
            raise ValueError(f"unexpected text in duration: {text!r}")
        total += int(match.group(1)) * UNITS[match.group(2)]
        pos = match.end()
    if pos == 0 or cleaned[pos:].strip():
        raise ValueError(f"unparseable duration: {text!r}")
    return total


def format_duration(seconds: int) -> str:
    """Inverse of :func:`parse_duration`, largest units first: 5400 -> ``1h30m``."""
    if seconds < 0:
        raise ValueError("negative duration")
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
