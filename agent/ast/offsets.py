"""The one place where positions in a source file are converted: UTF-8 byte offsets (tree-sitter,
`Edit`), str indices (Python text) and 1-based (line, column) pairs. Nobody else converts."""
from __future__ import annotations

import bisect

__all__ = ["Offsets", "line_starts"]


def line_starts(src: bytes) -> list[int]:
    """Byte offset where each line begins; index 0 is line 1."""
    starts = [0]
    find = src.find
    pos = find(b"\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = find(b"\n", pos + 1)
    return starts


class Offsets:
    """Position conversions for one immutable source. Columns are bytes in `*_point` methods and
    characters in `*_char_*` methods; lines are 1-based."""

    def __init__(self, src: bytes) -> None:
        self.src = src
        self.starts = line_starts(src)
        self._ascii = src.isascii()

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_of(self, byte: int) -> int:
        return bisect.bisect_right(self.starts, byte)

    def byte_to_point(self, byte: int) -> tuple[int, int]:
        line = self.line_of(byte)
        return line, byte - self.starts[line - 1]

    def point_to_byte(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def line_span(self, line: int) -> tuple[int, int]:
        """[start, end) bytes of a line, without its newline."""
        start = self.starts[line - 1]
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.src)
        if end > start and self.src[end - 1:end] == b"\r":
            end -= 1
        return start, end

    def line_bytes(self, line: int) -> bytes:
        start, end = self.line_span(line)
        return self.src[start:end]

    def indent_of(self, line: int) -> str:
        text = self.line_bytes(line)
        return text[: len(text) - len(text.lstrip(b" \t"))].decode()

    def byte_to_index(self, byte: int) -> int:
        if self._ascii:
            return byte
        return len(self.src[:byte].decode("utf-8", errors="surrogateescape"))

    def index_to_byte(self, index: int) -> int:
        if self._ascii:
            return index
        text = self.src.decode("utf-8", errors="surrogateescape")
        return len(text[:index].encode("utf-8", errors="surrogateescape"))

    def byte_to_char_point(self, byte: int) -> tuple[int, int]:
        line = self.line_of(byte)
        prefix = self.src[self.starts[line - 1]:byte]
        return line, len(prefix.decode("utf-8", errors="surrogateescape"))

    def char_point_to_byte(self, line: int, col: int) -> int:
        start, end = self.line_span(line)
        text = self.src[start:end].decode("utf-8", errors="surrogateescape")
        return start + len(text[:col].encode("utf-8", errors="surrogateescape"))
