"""The energy model E(x) = E_trunk(x) + λ·f(x) (lower = more likely the right fix). Its input
sequences come from agent.rank.encoding.

The trunk is a small bidirectional Transformer encoder over one sequence per candidate:
`[CLS] context-before [SEP] old statement [SEP] new statement [SEP] context-after`. Each token carries
a hashed-text embedding, its position, its segment, whether the edit changed it, and an anonymous
identity for identifiers (the n-th distinct name of the window), so the trunk can tell "the new name
is one the context uses" without a vocabulary of every project's names. The linear term over the
standardised features keeps the model explainable; `use_trunk`/`use_linear` give the ablations.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence, cast

import numpy as np
import torch
from torch import nn

from ..encoding import ENCODED_LEN, MAX_NAMES, encode_windows, shrink

__all__ = ["ModelConfig", "EnergyModel", "encode_windows", "shrink", "ENCODED_LEN"]

torch.set_flush_denormal(True)


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


class EnergyModel(nn.Module):
    feat_mean: torch.Tensor     # buffers (register_buffer)
    feat_std: torch.Tensor

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.register_buffer("feat_mean", torch.zeros(c.n_features))
        self.register_buffer("feat_std", torch.ones(c.n_features))
        self.linear = nn.Linear(c.n_features, 1) if c.use_linear else None
        # tanh-GELU: agent.rank.scorer reproduces it exactly in numpy
        self.feat_mlp = nn.Sequential(nn.Linear(c.n_features, c.feat_hidden), nn.GELU(approximate="tanh"),
                                      nn.Dropout(c.dropout), nn.Linear(c.feat_hidden, 1)) \
            if c.use_linear and c.feat_hidden > 0 else None
        if c.use_trunk:
            self.tok = nn.Embedding(c.vocab, c.dim, padding_idx=0)
            self.pos = nn.Embedding(c.max_len, c.dim)
            self.seg = nn.Embedding(4, c.dim)
            self.chg = nn.Embedding(2, c.dim)
            self.anon = nn.Embedding(MAX_NAMES + 1, c.dim)
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
        last = cast(nn.Linear, self.head[-1])
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
