"""`remedy ebm train`: listwise noise-contrastive training of the energy model, then calibration.

Each step draws bug instances that have a correct candidate; for each, the positive and up to K-1
negatives stratified by template kind (so every kind of wrong edit is seen, not only the most
frequent) form one softmax over -E, and the loss is the InfoNCE cross-entropy of the positive.
Accepted editor decisions add sets with a known positive (weighted up); rejected ones add an
unlikelihood term -log(1 - p) on the rejected candidate. Seeded end to end; the full model and
its two ablations (trunk only, features only) are trained the same way.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from .data import DataSet
from .model import EnergyModel, ModelConfig

__all__ = ["TrainConfig", "FeedbackSet", "train_model", "info_nce", "batch_energies"]

torch.set_flush_denormal(True)


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 1000
    groups_per_step: int = 12
    set_size: int = 24
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: int = 60
    seed: int = 0
    feedback_weight: float = 3.0


@dataclass
class FeedbackSet:
    """One editor decision: the proposed candidate (row 0) among the candidates ranked with it."""
    features: np.ndarray
    ids: np.ndarray
    aux: np.ndarray
    accepted: bool


def info_nce(energies: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over rows of -log softmax(-E)[0]; column 0 holds the positive, `mask` the real entries."""
    logits = (-energies).masked_fill(~mask, float("-inf"))
    return (torch.logsumexp(logits, dim=1) - logits[:, 0]).mean()


def _stratified(rng: np.random.Generator, negatives: np.ndarray, strata: np.ndarray, k: int) -> np.ndarray:
    """Up to k negatives, taking one per template kind in turn (kinds in random order)."""
    if len(negatives) <= k:
        return negatives
    buckets = {}
    for i in rng.permutation(len(negatives)):
        buckets.setdefault(int(strata[i]), []).append(negatives[i])
    queues = [buckets[key] for key in rng.permutation(sorted(buckets))]
    out: list[int] = []
    while len(out) < k:
        for q in queues:
            if q and len(out) < k:
                out.append(q.pop())
    return np.array(out)


def _batch(data: DataSet, groups: Sequence[tuple[int, int]], rng: np.random.Generator, k: int):
    rows = np.zeros((len(groups), k), dtype=np.int64)
    mask = np.zeros((len(groups), k), dtype=bool)
    for g, (a, b) in enumerate(groups):
        labels = data.labels[a:b]
        pos = a + rng.choice(np.flatnonzero(labels))
        neg_local = np.flatnonzero(labels == 0)
        chosen = _stratified(rng, a + neg_local, data.template[a + neg_local], k - 1)
        picked = np.concatenate([[pos], chosen]).astype(np.int64)
        rows[g, :len(picked)] = picked
        mask[g, :len(picked)] = True
    return rows, mask


def batch_energies(model: EnergyModel, data: DataSet, rows: np.ndarray) -> torch.Tensor:
    flat = rows.reshape(-1)
    e = model(torch.from_numpy(data.ids[flat].astype(np.int64)), torch.from_numpy(data.aux[flat]),
              torch.from_numpy(data.features[flat]))
    return e.view(rows.shape)


def _feedback_loss(model: EnergyModel, fb: FeedbackSet) -> torch.Tensor:
    e = model(torch.from_numpy(fb.ids.astype(np.int64)), torch.from_numpy(fb.aux),
              torch.from_numpy(fb.features))
    logp = torch.log_softmax(-e, dim=0)
    if fb.accepted:
        return -logp[0]
    return -torch.log1p(-logp[0].exp().clamp(max=1 - 1e-6))


def train_model(data: DataSet, config: ModelConfig, tc: TrainConfig = TrainConfig(),
                feedback: Sequence[FeedbackSet] = (), log: Callable[[str], None] = print,
                name: str = "full") -> tuple[EnergyModel, dict]:
    """Train one variant on the train split; returns the model (eval mode) and a small history."""
    torch.manual_seed(tc.seed)
    rng = np.random.default_rng(tc.seed)
    model = EnergyModel(config)
    train_groups = data.groups("train", with_positive=True)
    rows = np.concatenate([np.arange(a, b) for a, b in data.groups("train")])
    feats = data.features[rows]
    model.set_feature_scaling(feats.mean(0), feats.std(0))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=tc.lr, weight_decay=tc.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / tc.warmup) * 0.5 * (
        1 + math.cos(math.pi * min(s, tc.steps) / tc.steps)))
    model.train()
    started = time.monotonic()
    losses: list[float] = []
    for step in range(tc.steps):
        picks = rng.choice(len(train_groups), size=min(tc.groups_per_step, len(train_groups)), replace=False)
        rows_b, mask = _batch(data, [train_groups[i] for i in picks], rng, tc.set_size)
        loss = info_nce(batch_energies(model, data, rows_b), torch.from_numpy(mask))
        if feedback:
            fb = feedback[step % len(feedback)]
            loss = loss + tc.feedback_weight * _feedback_loss(model, fb) / tc.groups_per_step
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if (step + 1) % 200 == 0 or step == 0:
            log(f"  [{name}] step {step + 1}/{tc.steps} loss {np.mean(losses[-200:]):.3f} "
                f"({time.monotonic() - started:.0f}s)")
    model.eval()
    return model, {"final_loss": float(np.mean(losses[-100:])), "seconds": time.monotonic() - started}
