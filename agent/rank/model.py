"""The energy model E(x) = E_trunk(x) + λ·f(x) (lower = more likely the right fix), and the encoding of
an edit window into the trunk's input.

The trunk is a small bidirectional Transformer encoder over one sequence per candidate:
`[CLS] context-before [SEP] old statement [SEP] new statement [SEP] context-after`. Each token carries
a hashed-text embedding, its position, its segment, whether the edit changed it, and an anonymous
identity for identifiers (the n-th distinct name of the window), so the trunk can tell "the new name
is one the context uses" without a vocabulary of every project's names. The linear term over the
standardised features keeps the model explainable; `use_trunk`/`use_linear` give the ablations.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn

from .tokens import EditWindow, Token, bucket

__all__ = ["ModelConfig", "EnergyModel", "encode_windows", "shrink", "ENCODED_LEN"]

torch.set_flush_denormal(True)

_CLS, _SEP, _SPECIAL = 1, 2, 3
_SEGMENTS = {"before": 0, "old": 1, "new": 2, "after": 3}
_MAX_NAMES = 15
ENCODED_LEN = 64   # what the corpus stores; the trunk reads `shrink`-ed sequences of config.max_len


@dataclass(frozen=True)
class ModelConfig:
    n_features: int
    vocab: int = 16384
    dim: int = 32       # small enough that an active trunk scores 100 candidates in a few ms
    layers: int = 1
    heads: int = 4
    ff: int = 64
    max_len: int = 24
    dropout: float = 0.1
    use_trunk: bool = True
    use_linear: bool = True
    feat_hidden: int = 0      # > 0: a small MLP over the standardised features beside λ·f (interactions)

    def to_dict(self) -> dict:
        return asdict(self)


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
        seq: list[tuple[int, int, bool, str | None]] = [(_CLS, 0, False, None)]
        seq += [(0, 0, False, t) for t in before] + [(_SEP, 0, False, None)]
        seq += [(0, 1, c, t) for t, c in zip(old, old_c)] + [(_SEP, 1, False, None)]
        seq += [(0, 2, c, t) for t, c in zip(new, new_c)] + [(_SEP, 2, False, None)]
        seq += [(0, 3, False, t) for t in after]
        names: dict[str, int] = {}
        for col, (special, seg, changed, tok) in enumerate(seq[:max_len]):
            anon = 0
            if tok is None:
                ids[row, col] = special
            else:
                ids[row, col] = _SPECIAL + bucket(tok.text, vocab - _SPECIAL) - 1
                if tok.kind == "id":
                    anon = names.setdefault(tok.text, min(len(names) + 1, _MAX_NAMES))
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
    real = (ids != 0) & (ids != _SEP) & (cols > 0)
    seg = aux & 3
    masks = [real & (seg == k) for k in range(4)]
    ranks = [np.cumsum(m, axis=1) - 1 for m in masks]
    counts = [m.sum(1) for m in masks]
    starts, lens = [None, None, None], [None, None, None]
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
    out_ids[:, 0] = _CLS
    for k, pos in enumerate((1 + n_before, base2 - 1, base3 - 1)):
        out_ids[everyone, pos] = _SEP
        out_aux[everyone, pos] = k
    return out_ids, out_aux


class EnergyModel(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.register_buffer("feat_mean", torch.zeros(c.n_features))
        self.register_buffer("feat_std", torch.ones(c.n_features))
        self.linear = nn.Linear(c.n_features, 1) if c.use_linear else None
        self.feat_mlp = nn.Sequential(nn.Linear(c.n_features, c.feat_hidden), nn.GELU(),
                                      nn.Dropout(c.dropout), nn.Linear(c.feat_hidden, 1)) \
            if c.use_linear and c.feat_hidden > 0 else None
        if c.use_trunk:
            self.tok = nn.Embedding(c.vocab, c.dim, padding_idx=0)
            self.pos = nn.Embedding(c.max_len, c.dim)
            self.seg = nn.Embedding(4, c.dim)
            self.chg = nn.Embedding(2, c.dim)
            self.anon = nn.Embedding(_MAX_NAMES + 1, c.dim)
            self.norm = nn.LayerNorm(c.dim)
            layer = nn.TransformerEncoderLayer(c.dim, c.heads, c.ff, c.dropout, activation="gelu",
                                               batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, c.layers, enable_nested_tensor=False)
            self.head = nn.Sequential(nn.LayerNorm(c.dim), nn.Linear(c.dim, c.dim), nn.GELU(),
                                      nn.Linear(c.dim, 1))

    def set_feature_scaling(self, mean: np.ndarray, std: np.ndarray) -> None:
        self.feat_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.feat_std.copy_(torch.as_tensor(np.where(std > 1e-6, std, 1.0), dtype=torch.float32))

    def trunk(self, ids: torch.Tensor, aux: torch.Tensor) -> torch.Tensor:
        ids = ids.long()
        aux = aux.long()
        length = int((ids != 0).sum(1).max().item()) if ids.numel() else 1
        ids, aux = ids[:, :max(length, 1)], aux[:, :max(length, 1)]
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = (self.tok(ids) + self.pos(positions)[None] + self.seg(aux & 3) + self.chg((aux >> 2) & 1)
             + self.anon(aux >> 3))
        x = self.encoder(self.norm(x), src_key_padding_mask=ids == 0)
        return self.head(x[:, 0]).squeeze(-1)

    def trunk_is_silent(self) -> bool:
        """True when the trunk's output layer is all zeros, so E_trunk(x) = 0 for every input (the
        warm-started trunk that early stopping kept at step 0): scoring can skip it entirely."""
        if not self.config.use_trunk:
            return True
        last = self.head[-1]
        return not (bool(last.weight.detach().any()) or bool(last.bias.detach().any()))

    def forward(self, ids: torch.Tensor, aux: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        energy = torch.zeros(feats.shape[0], device=feats.device)
        if self.linear is not None:
            z = (feats - self.feat_mean) / self.feat_std
            energy = energy + self.linear(z).squeeze(-1)
            if self.feat_mlp is not None:
                energy = energy + self.feat_mlp(z.clamp(-8.0, 8.0)).squeeze(-1)
        # In training the trunk always runs (its zero head still gets gradients); in eval a silent
        # trunk adds exactly zero, so it is skipped — the batched forward is then the linear term.
        if self.config.use_trunk and (self.training or not self.trunk_is_silent()):
            energy = energy + self.trunk(ids, aux)
        return energy

    def explain(self, feats: torch.Tensor, names: Sequence[str], top: int = 5) -> list[list[tuple[str, float]]]:
        """The linear term's largest contributions per candidate (negative = pulls toward the fix)."""
        if self.linear is None:
            return [[] for _ in range(feats.shape[0])]
        contrib = (feats - self.feat_mean) / self.feat_std * self.linear.weight[0]
        out = []
        for row in contrib.detach().numpy():
            order = np.argsort(-np.abs(row))[:top]
            out.append([(names[i], float(row[i])) for i in order])
        return out
