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

__all__ = ["ModelConfig", "EnergyModel", "encode_windows"]

torch.set_flush_denormal(True)

_CLS, _SEP, _SPECIAL = 1, 2, 3
_SEGMENTS = {"before": 0, "old": 1, "new": 2, "after": 3}
_MAX_NAMES = 15


@dataclass(frozen=True)
class ModelConfig:
    n_features: int
    vocab: int = 16384
    dim: int = 64
    layers: int = 2
    heads: int = 4
    ff: int = 128
    max_len: int = 64
    dropout: float = 0.1
    use_trunk: bool = True
    use_linear: bool = True

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


class EnergyModel(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.register_buffer("feat_mean", torch.zeros(c.n_features))
        self.register_buffer("feat_std", torch.ones(c.n_features))
        self.linear = nn.Linear(c.n_features, 1) if c.use_linear else None
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

    def forward(self, ids: torch.Tensor, aux: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        energy = torch.zeros(feats.shape[0], device=feats.device)
        if self.linear is not None:
            energy = energy + self.linear((feats - self.feat_mean) / self.feat_std).squeeze(-1)
        if self.config.use_trunk:
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
