"""Case conversion, slugs, truncation and word wrapping."""
from __future__ import annotations

import re
import unicodedata

_WORD_BOUNDARY = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?=[A-Z][a-z]|\b|_|\d)|[A-Z]+")


def slugify(text: str, sep: str = "-", max_length: int | None = None) -> str:
    """Lower-case ASCII slug: accents stripped, runs of other chars become ``sep``."""
    normalized = unicodedata.normalize("NFKD", text)
    ascii_text = normalized.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-zA-Z0-9]+", sep, ascii_text).strip(sep).lower()
    if max_length is not None and len(slug) > max_length:
        slug = slug[:max_length].rstrip(sep)
    return slug


def split_words(text: str) -> list[str]:
    """Split identifiers such as ``parseHTTPResponse2`` or ``foo_bar-baz`` into words."""
    words: list[str] = []
    for chunk in re.split(r"[\s_\-]+", text):
        words.extend(_WORD_BOUNDARY.findall(chunk))
    return words


def snake_case(text: str) -> str:
    """``HTTPServerError`` -> ``http_server_error``."""
    return "_".join(word.lower() for word in split_words(text))


def camel_case(text: str, upper_first: bool = False) -> str:
    """``http_server_error`` -> ``httpServerError`` (or ``HttpServerError``)."""
    words = [w.lower() for w in split_words(text)]
    if not words:
        return ""
    head = words[0].capitalize() if upper_first else words[0]
    return head + "".join(w.capitalize() for w in words[1:])


def truncate(text: str, width: int, ellipsis: str = "...") -> str:
    """Cut ``text`` to at most ``width`` characters, ending with ``ellipsis`` if cut."""
    if len(text) <= width:
        return text
    if width <= len(ellipsis):
        return ellipsis[:width]
    return text[: width - len(ellipsis)] + ellipsis


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap; words longer than ``width`` are put on a line of their own."""
    if width <= 0:
        raise ValueError("width must be positive")
    lines: list[str] = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines
