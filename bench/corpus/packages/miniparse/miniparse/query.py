"""URL query strings: percent-decoding, ``+`` as space, repeated keys."""
from __future__ import annotations

_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def unquote(text: str) -> str:
    """Decode ``%XX`` escapes (UTF-8) and ``+``; malformed escapes are kept literally."""
    text = text.replace("+", " ")
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and _is_hex(text[i + 1:i + 3]):
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
        else:
            out.extend(ch.encode("utf-8"))
            i += 1
    return out.decode("utf-8", errors="replace")


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def quote(text: str) -> str:
    """Percent-encode everything outside the unreserved set; spaces become ``+``."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in _SAFE:
            out.append(ch)
        elif ch == " ":
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def parse_qs(query: str, keep_blank: bool = False) -> dict[str, list[str]]:
    """``a=1&b=2&a=3`` -> ``{'a': ['1', '3'], 'b': ['2']}``; a leading ``?`` is ignored."""
    if query.startswith("?"):
        query = query[1:]
    result: dict[str, list[str]] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        key, value = unquote(key), unquote(value)
        if not value and not keep_blank:
            continue
        result.setdefault(key, []).append(value)
    return result


def build_qs(params: dict[str, object]) -> str:
    """Inverse of :func:`parse_qs`; list values repeat the key; keys keep their order."""
    parts = []
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            parts.append(f"{quote(str(key))}={quote(str(v))}")
    return "&".join(parts)
