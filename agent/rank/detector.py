"""The bug detector: which line of a function looks like it holds a bug, and which of its tokens.

A small pre-norm Transformer reads a window of tokens around one line (the "centre" line, with the
lines before and after it as context) and gives each centre token a logit for "this token was
changed by a bug"; the line's logit is the log-sum-exp of its tokens' logits. It is trained
self-supervised on correct code (`remedy ebm detector`): bugs are injected with agent.rank.mutate
and every bug gives three windows — the buggy line (positive, its changed tokens marked), the same
line as originally written, and another statement line of the file near it (both negative). So it
learns what an injected slip looks like against what the project's code looks like, which is the
evidence the ranker lacks when it must choose among suspicious lines.

Scoring uses numpy only (`Detector`), so a session never imports torch for it; the torch module
(`DetectorNet`) is for training and computes the same function.
"""
from __future__ import annotations

import functools
import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .tokens import Token, bucket, line_tokens

__all__ = ["WINDOW", "DetectorConfig", "encode_line", "Detector", "load_detector", "detector_digest",
           "DETECTOR_FILE"]

WINDOW = 96          # tokens per window
VOCAB = 8192
MAX_NAMES = 31
DETECTOR_FILE = "detector.npz"
_BEFORE = 2 / 3      # share of the context budget that goes to the lines before the centre
EMPTY_LINE = -10.0   # the logit of a line with no tokens (blank): nothing there looks like a bug


@dataclass(frozen=True)
class DetectorConfig:
    dim: int = 64
    heads: int = 4
    layers: int = 2
    ff: int = 128
    window: int = WINDOW
    vocab: int = VOCAB


def encode_line(rows: Sequence[Sequence[Token]], row: int, window: int = WINDOW,
                ) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(ids int16 [window], aux uint8 [window], first centre column, centre length) for the line at
    0-based `row`: its tokens with as much context as fits. aux packs the segment (0 before, 1 centre,
    2 after; 2 bits) and the anonymous name index (the n-th distinct identifier; 5 bits)."""
    centre = list(rows[row]) if 0 <= row < len(rows) else []
    centre = centre[: window // 2]
    room = window - len(centre)
    before: list[Token] = []
    r = row - 1
    while r >= 0 and len(before) + len(rows[r]) <= int(room * _BEFORE):
        before[:0] = rows[r]
        r -= 1
    after: list[Token] = []
    r = row + 1
    while r < len(rows) and len(before) + len(after) + len(centre) + len(rows[r]) <= window:
        after.extend(rows[r])
        r += 1
    ids = np.zeros(window, dtype=np.int16)
    aux = np.zeros(window, dtype=np.uint8)
    names: dict[str, int] = {}
    for col, (seg, tok) in enumerate([(0, t) for t in before] + [(1, t) for t in centre]
                                     + [(2, t) for t in after]):
        ids[col] = bucket(tok.text, VOCAB)
        anon = names.setdefault(tok.text, min(len(names) + 1, MAX_NAMES)) if tok.kind == "id" else 0
        aux[col] = seg | (anon << 2)
    return ids, aux, len(before), len(centre)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + np.float32(1e-5)) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(np.float32(0.7978845608028654) * (x + np.float32(0.044715) * x ** 3)))


class Detector:
    """The numpy forward pass over the weights in `detector.npz`."""

    def __init__(self, weights: dict[str, np.ndarray], config: DetectorConfig) -> None:
        self.w = {k: v.astype(np.float32) for k, v in weights.items()}
        self.config = config

    def token_logits(self, ids: np.ndarray, aux: np.ndarray) -> np.ndarray:
        """float32 [n, window]: each token's "changed by a bug" logit (padding: -inf)."""
        w, c = self.w, self.config
        n, length = ids.shape
        mask = ids != 0
        x = (w["tok"][ids.astype(np.int64)] + w["pos"][None, :length] + w["seg"][aux & 3]
             + w["anon"][aux >> 2])
        hd = c.dim // c.heads
        neg = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        for i in range(c.layers):
            p = f"l{i}."
            h = _layer_norm(x, w[p + "ln1.w"], w[p + "ln1.b"])
            qkv = (h @ w[p + "qkv.w"].T + w[p + "qkv.b"]).reshape(n, length, 3, c.heads, hd)
            q, k, v = (qkv[:, :, j].transpose(0, 2, 1, 3) for j in range(3))
            att = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(hd)) + neg
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            o = (att @ v).transpose(0, 2, 1, 3).reshape(n, length, c.dim)
            x = x + o @ w[p + "out.w"].T + w[p + "out.b"]
            h = _layer_norm(x, w[p + "ln2.w"], w[p + "ln2.b"])
            x = x + _gelu(h @ w[p + "ff1.w"].T + w[p + "ff1.b"]) @ w[p + "ff2.w"].T + w[p + "ff2.b"]
        x = _layer_norm(x, w["lnf.w"], w["lnf.b"])
        logits = x @ w["head.w"][0] + w["head.b"][0]
        return np.where(mask, logits, -np.inf).astype(np.float32)

    def lines(self, src: bytes, rows: Sequence[int]) -> dict[int, tuple[float, dict[int, float]]]:
        """For each 0-based row: (line logit, {index of the token on that row: its logit})."""
        rows = sorted(set(rows))
        if not rows:
            return {}
        toks = line_tokens(src)
        enc = [encode_line(toks, r, self.config.window) for r in rows]
        logits = self.token_logits(np.stack([e[0] for e in enc]), np.stack([e[1] for e in enc]))
        out = {}
        for r, (_, _, start, count), row_logits in zip(rows, enc, logits):
            centre = row_logits[start:start + count]
            line = float(np.logaddexp.reduce(centre)) if count else EMPTY_LINE
            out[r] = (line, {j: float(v) for j, v in enumerate(centre)})
        return out


def load_detector() -> Detector | None:
    """The detector of the checkpoint folder in use (agent.rank.fast.checkpoint_folder), or None
    when it has none. Loaded once per version of the file."""
    from .fast import checkpoint_folder
    path = str(checkpoint_folder().joinpath(DETECTOR_FILE))
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _load(path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int = 0, size: int = 0) -> Detector:
    with open(path, "rb") as fh:
        z = np.load(fh)
        weights = {k: z[k] for k in z.files if k != "config"}
        config = DetectorConfig(*[int(v) for v in z["config"]])
    return Detector(weights, config)


def detector_digest(folder) -> str | None:
    """sha256 of the folder's detector.npz (a corpus and a checkpoint record which one made their
    features), or None."""
    path = Path(str(folder)) / DETECTOR_FILE
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
