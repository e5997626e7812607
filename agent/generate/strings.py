"""A string literal as the repair templates see it: its pieces of fixed text (one for a plain string;
the runs between `{...}` fields of an f-string), each with its value — escapes decoded — and where
every character of that value sits in the source, so that a new value is written back as the
smallest edit of the source text: the changed middle only, in the literal's own quoting, escapes
and raw-ness, the rest of the literal left byte for byte as it was."""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from tree_sitter import Node

from ..diff import common_ends

__all__ = ["Piece", "StringLiteral", "string_literal"]

_ESCAPE = re.compile(rb"\\(?:\r?\n|[\\'\"abfnrtv]|[0-7]{1,3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}"
                     rb"|U[0-9a-fA-F]{8}|N\{[^}\n]+\})")
_BYTES_ESCAPE = re.compile(rb"\\(?:\r?\n|[\\'\"abfnrtv]|[0-7]{1,3}|x[0-9a-fA-F]{2})")
_SIMPLE = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True)
class Piece:
    """A run of fixed text of a literal. `spans[i]` holds the source bytes of `value[i]`."""
    value: str                       # bytes literals: their bytes read as Latin-1
    spans: tuple[tuple[int, int], ...]
    start: int                       # source bytes of the whole run
    end: int
    literal: StringLiteral

    def rewrite(self, new: str, extra: dict[str, str] | None = None) -> tuple[int, int, str] | None:
        """(start, end, text) replacing the source of the changed middle of the value so that the
        piece reads `new`; None when the literal cannot hold it (a quote in a raw string, a
        non-Latin-1 character in bytes). `extra` escapes characters the context needs
        (`{` in a str.format template)."""
        old = self.value
        if new == old:
            return None
        p, s = common_ends(old, new)
        middle = new[p:len(new) - s]
        start = self.spans[p][0] if p < len(old) else (self.spans[-1][1] if old else self.start)
        end = self.spans[len(old) - s - 1][1] if len(old) - s > p else start
        text = self.literal.escape(middle, extra or {})
        # A raw string that now ends in a lone backslash no longer parses: the validity gate drops it.
        return None if text is None else (start, end, text)


@dataclass
class StringLiteral:
    node: Node
    src: bytes
    prefix: str          # lower-cased: "", "r", "b", "rb", "f", "rf", "u"...
    quote: str           # ', ", ''' or """
    pieces: list[Piece]

    @property
    def raw(self) -> bool:
        return "r" in self.prefix

    @property
    def is_bytes(self) -> bool:
        return "b" in self.prefix

    @property
    def is_fstring(self) -> bool:
        return "f" in self.prefix

    @property
    def value(self) -> str | None:
        """The whole value; None for an f-string with fields."""
        if self.is_fstring and any(c.type == "interpolation" for c in self.node.children):
            return None
        return "".join(p.value for p in self.pieces)

    def escape(self, value: str, extra: dict[str, str]) -> str | None:
        """`value` as source text inside this literal."""
        q = self.quote[0]
        triple = len(self.quote) == 3
        out = []
        for ch in value:
            if self.is_bytes and ord(ch) > 0xFF:
                return None
            if ch in extra:
                out.append(extra[ch])
            elif self.is_fstring and ch in "{}":
                out.append(ch * 2)
            elif self.raw:
                if ch == q or (ch in "\r\n" and not triple):
                    return None
                out.append(ch)
            elif ch == q:
                out.append("\\" + ch)
            elif ch in _SIMPLE and not (ch == "\n" and triple):
                out.append(_SIMPLE[ch])
            elif ord(ch) < 0x20 or ord(ch) == 0x7F or (self.is_bytes and ord(ch) > 0x7E):
                out.append(f"\\x{ord(ch):02x}")
            else:
                out.append(ch)
        return "".join(out)


def string_literal(node: Node, src: bytes) -> StringLiteral | None:
    """The anatomy of a tree-sitter `string` node; None for anything it cannot read."""
    if node.type != "string" or not node.children:
        return None
    head = node.children[0]
    if head.type != "string_start":
        return None
    opening = src[head.start_byte:head.end_byte].decode("ascii", "replace")
    prefix = opening.rstrip("'\"").lower()
    quote = opening[len(prefix):]
    if quote not in ("'", '"', "'''", '"""') or set(prefix) - set("rbuf"):
        return None
    lit = StringLiteral(node, src, prefix, quote, [])
    contents = [c for c in node.children if c.type == "string_content"]
    if not contents and len(node.children) == 2:        # '' : one empty piece after the quote
        lit.pieces.append(Piece("", (), head.end_byte, head.end_byte, lit))
    for content in contents:
        piece = _piece(lit, content.start_byte, content.end_byte)
        if piece is None:
            return None
        lit.pieces.append(piece)
    return lit


def _piece(lit: StringLiteral, start: int, end: int) -> Piece | None:
    """Decode the source bytes [start, end) of one string_content node."""
    raw = lit.src[start:end]
    escape = None if lit.raw else (_BYTES_ESCAPE if lit.is_bytes else _ESCAPE)
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(raw):
        m = escape.match(raw, i) if escape is not None and raw[i:i + 1] == b"\\" else None
        if m is not None:
            unit = m.group(0)
            if unit.lstrip(b"\\").lstrip(b"\r") != b"\n":          # a line continuation is no character
                try:
                    decoded = codecs.decode(unit, "unicode_escape") if not lit.is_bytes \
                        else codecs.escape_decode(unit)[0].decode("latin-1")
                except (UnicodeDecodeError, ValueError):
                    return None
                chars += list(decoded)
                spans += [(start + i, start + m.end())] * len(decoded)
            i = m.end()
            continue
        if lit.is_fstring and raw[i:i + 2] in (b"{{", b"}}"):
            chars.append(chr(raw[i]))
            spans.append((start + i, start + i + 2))
            i += 2
            continue
        width = _utf8_width(raw[i])
        try:
            ch = raw[i:i + width].decode("utf-8")
        except UnicodeDecodeError:
            return None
        if lit.is_bytes and len(ch.encode("latin-1", "replace")) != 1:
            return None
        chars.append(ch)
        spans.append((start + i, start + i + width))
        i += width
    return Piece("".join(chars), tuple(spans), start, end, lit)


def _utf8_width(lead: int) -> int:
    if lead < 0x80:
        return 1
    if lead >> 5 == 0b110:
        return 2
    if lead >> 4 == 0b1110:
        return 3
    return 4
