"""Encoding an edit window into the trunk's input, with numpy only (no torch): a session ranks
without importing torch (agent.rank.scorer).

One sequence per candidate: `[CLS] context-before [SEP] old statement [SEP] new statement [SEP]
context-after`. Each token carries a hashed-text id, its segment, whether the edit changed it, and
an anonymous identity for identifiers (the n-th distinct name of the window).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .tokens import EditWindow, Token, bucket

__all__ = ["encode_windows", "shrink", "ENCODED_LEN", "CLS", "SEP", "MAX_NAMES"]

CLS, SEP, _SPECIAL = 1, 2, 3
MAX_NAMES = 15
ENCODED_LEN = 64   # what the corpus stores; the trunk reads `shrink`-ed sequences of config.max_len


def _clip(tokens: Sequence[Token], changed: Sequence[bool], budget: int) -> tuple[list, list]:
    """At most `budget` tokens, centred on the first changed one."""
    tokens, changed = list(tokens), list(changed)
    if len(tokens) <= budget:
        return tokens, changed
    first = next((i for i, c in enumerate(changed) if c), 0)
    start = max(0, min(first - budget // 3, len(tokens) - budget))
    return tokens[start:start + budget], changed[start:start + budget]


def encode_windows(windows: Sequence[EditWindow], max_len: int = 64,
                   vocab: int = 16384) -> tuple[np.ndarray, np.ndarray]:
    """(ids int16 [n, max_len], aux uint8 [n, max_len]); aux packs segment (2 bits), changed (1 bit)
    and the anonymous name index (4 bits)."""
    ids = np.zeros((len(windows), max_len), dtype=np.int16)
    aux = np.zeros((len(windows), max_len), dtype=np.uint8)
    for row, w in enumerate(windows):
        old, old_c = _clip(w.old, w.old_changed, (max_len - 4) // 3)
        new, new_c = _clip(w.new, w.new_changed, (max_len - 4) // 3)
        room = max_len - 4 - len(old) - len(new)
        n_after = min(len(w.after), room // 3)
        before = list(w.before)[max(0, len(w.before) - (room - n_after)):] if room - n_after > 0 else []
        after = list(w.after)[:n_after]
        seq: list[tuple[int, int, bool, Token | None]] = [(CLS, 0, False, None)]
        seq += [(0, 0, False, t) for t in before] + [(SEP, 0, False, None)]
        seq += [(0, 1, c, t) for t, c in zip(old, old_c)] + [(SEP, 1, False, None)]
        seq += [(0, 2, c, t) for t, c in zip(new, new_c)] + [(SEP, 2, False, None)]
        seq += [(0, 3, False, t) for t in after]
        names: dict[str, int] = {}
        for col, (special, seg, changed, tok) in enumerate(seq[:max_len]):
            anon = 0
            if tok is None:
                ids[row, col] = special
            else:
                ids[row, col] = _SPECIAL + bucket(tok.text, vocab - _SPECIAL) - 1
                if tok.kind == "id":
                    anon = names.setdefault(tok.text, min(len(names) + 1, MAX_NAMES))
            aux[row, col] = seg | (int(changed) << 2) | (anon << 3)
    return ids, aux


def shrink(ids: np.ndarray, aux: np.ndarray, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut encoded windows down to `max_len` (vectorised `_clip` of each part): old and new
    statements to a few tokens around their first change, then as much context as fits (two
    thirds before the edit, one third after)."""
    if ids.shape[1] <= max_len:
        return ids, aux
    n, width = ids.shape
    part = (max_len - 4) // 3
    cols = np.arange(width)[None, :]
    real = (ids != 0) & (ids != SEP) & (cols > 0)
    seg = aux & 3
    masks = [real & (seg == k) for k in range(4)]
    ranks = [np.cumsum(m, axis=1) - 1 for m in masks]
    counts = [m.sum(1) for m in masks]
    starts: dict[int, np.ndarray] = {}     # of the old (1) and new (2) statements
    lens: dict[int, np.ndarray] = {}
    for k in (1, 2):
        changed = masks[k] & (((aux >> 2) & 1) == 1)
        has = changed.any(1)
        first = np.where(has, np.take_along_axis(ranks[k], changed.argmax(1)[:, None], 1)[:, 0], 0)
        starts[k] = np.clip(first - part // 3, 0, np.maximum(counts[k] - part, 0))
        lens[k] = np.minimum(counts[k], part)
    room = max_len - 4 - lens[1] - lens[2]
    n_after = np.minimum(counts[3], room // 3)
    n_before = np.minimum(counts[0], room - n_after)
    skip0 = counts[0] - n_before
    dest = np.full((n, width), -1, dtype=np.int64)
    keep = masks[0] & (ranks[0] >= skip0[:, None])
    dest[keep] = (1 + ranks[0] - skip0[:, None])[keep]
    base1 = 2 + n_before
    base2 = base1 + lens[1] + 1
    base3 = base2 + lens[2] + 1
    for k, base in ((1, base1), (2, base2)):
        keep = masks[k] & (ranks[k] >= starts[k][:, None]) & (ranks[k] < (starts[k] + part)[:, None])
        dest[keep] = (base[:, None] + ranks[k] - starts[k][:, None])[keep]
    keep = masks[3] & (ranks[3] < n_after[:, None])
    dest[keep] = (base3[:, None] + ranks[3])[keep]
    out_ids = np.zeros((n, max_len), dtype=ids.dtype)
    out_aux = np.zeros((n, max_len), dtype=aux.dtype)
    rows, src_cols = np.nonzero(dest >= 0)
    out_ids[rows, dest[rows, src_cols]] = ids[rows, src_cols]
    out_aux[rows, dest[rows, src_cols]] = aux[rows, src_cols]
    everyone = np.arange(n)
    out_ids[:, 0] = CLS
    for k, pos in enumerate((1 + n_before, base2 - 1, base3 - 1)):
        out_ids[everyone, pos] = SEP
        out_aux[everyone, pos] = k
    return out_ids, out_aux
