"""Offsets: bytes <-> str index <-> (line, col) round-trips, including non-ASCII text."""
from __future__ import annotations

import pytest

from agent.ast.offsets import Offsets, line_starts

SRC = "x = 'é'\ns = \"😀 emoji\"\n中文 = 3\r\nlast".encode()


def test_line_starts_and_spans():
    off = Offsets(SRC)
    assert line_starts(SRC) == off.starts == [0, 9, 26, 38]
    assert off.line_count == 4
    assert off.line_bytes(3) == "中文 = 3".encode()      # \r is not part of the line
    assert off.line_bytes(4) == b"last"


@pytest.mark.parametrize("char", ["é", "😀", "中", "3", "l"])
def test_byte_index_round_trip(char):
    text = SRC.decode()
    index = text.index(char)
    off = Offsets(SRC)
    byte = off.index_to_byte(index)
    assert SRC[byte:].decode().startswith(char)
    assert off.byte_to_index(byte) == index


def test_points_bytes_and_chars():
    off = Offsets(SRC)
    byte = SRC.index("emoji".encode())
    line, col = off.byte_to_point(byte)
    assert (line, col) == (2, 10)                        # 4 bytes of emoji + quote + "s = "
    assert off.point_to_byte(line, col) == byte
    assert off.byte_to_char_point(byte) == (2, 7)
    assert off.char_point_to_byte(2, 7) == byte
    assert off.line_of(0) == 1 and off.line_of(len(SRC)) == 4


def test_ascii_fast_path_agrees():
    off = Offsets(b"a = 1\nb = 2\n")
    assert off.byte_to_index(7) == 7 and off.index_to_byte(7) == 7
    assert off.indent_of(1) == ""
