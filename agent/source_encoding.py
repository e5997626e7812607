"""Python source bytes <-> text, in the encoding the file declares (PEP 263: a coding line in its
first two lines, or a UTF-8 BOM; UTF-8 when it declares none), as Python itself reads it. A patch
is computed on the text and written back in the same encoding, so a latin-1 module stays latin-1.
Bytes that do not decode are the user's file being wrong for Python: BadInput, one line."""
from __future__ import annotations

import codecs
import io
import tokenize

from .errors import BadInput

__all__ = ["source_encoding", "decode_source", "encode_source"]


def source_encoding(data: bytes, path: str) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:       # an unknown codec in the coding line, or a BOM that disagrees
        raise BadInput(f"{path}: {exc}") from None
    return encoding


def decode_source(data: bytes, path: str) -> str:
    encoding = source_encoding(data, path)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        declared = "declares" if encoding != "utf-8" else "has no coding line, so it must be"
        byte = data[exc.start:exc.start + 1]
        raise BadInput(f"{path} is not valid {encoding} (byte {exc.start}: {byte!r}); "
                       f"it {declared} {encoding}") from None


def encode_source(text: str, like: bytes, path: str) -> bytes:
    """`text` in the encoding of the source `like` (its BOM kept)."""
    encoding = source_encoding(like, path)
    try:
        data = text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeEncodeError as exc:
        raise BadInput(f"{path}: the patch writes {exc.object[exc.start:exc.end]!r}, "
                       f"which {encoding} cannot hold") from None
    if encoding == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8):
        data = codecs.BOM_UTF8 + data
    return data
