"""Training the energy model for `remedy ebm train`: listwise noise-contrastive (InfoNCE) steps over
the corpus's candidate sets, plus the editor's decisions.

Each step draws bug instances that have a correct candidate; for each, the positive and up to K-1
negatives form one softmax over -E, and the loss is the InfoNCE cross-entropy of the positive. K
(`TrainConfig.set_size`) holds a whole candidate set of the corpus, so training scores the same
softmax a session ranks; a larger set is cut to K-1 negatives stratified by template kind, so every
kind of wrong edit is seen, not only the most frequent. Accepted editor decisions add sets with a
known positive (weighted up); rejected ones add an unlikelihood term -log(1 - p) on the rejected
candidate. Seeded end to end; the full model and its two ablations (trunk only, features only) are
trained the same way.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence, cast

import numpy as np
import torch

from .data import DataSet
from .model import EnergyModel, ModelConfig

__all__ = ["TrainConfig", "FeedbackSet", "train_model", "info_nce", "batch_energies"]

torch.set_flush_denormal(True)


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 400
    groups_per_step: int = 16
    set_size: int = 128           # whole sets: small samples over-represent rare kinds and train a worse trunk
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: int = 60
    seed: int = 0
    feedback_weight: float = 3.0
    freeze_linear: bool = False   # residual trunk: keep a warm-started λ·f(x) fixed, learn E_trunk only


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
    buckets: dict[int, list] = {}
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


def _warm_start(model: EnergyModel, linear: EnergyModel) -> None:
    """Start from a trained features-only model with a silent trunk: E(x) begins as λ·f(x)."""
    assert model.linear is not None and linear.linear is not None    # train_model checks use_linear
    model.linear.load_state_dict(linear.linear.state_dict())
    if model.feat_mlp is not None and linear.feat_mlp is not None:
        model.feat_mlp.load_state_dict(linear.feat_mlp.state_dict())
    model.feat_mean.copy_(linear.feat_mean)
    model.feat_std.copy_(linear.feat_std)
    if model.config.use_trunk:
        last = cast(torch.nn.Linear, model.head[-1])
        torch.nn.init.zeros_(last.weight)
        torch.nn.init.zeros_(last.bias)


def train_model(data: DataSet, config: ModelConfig, tc: TrainConfig = TrainConfig(),
                feedback: Sequence[FeedbackSet] = (), log: Callable[[str], None] = print,
                name: str = "full", init_from: EnergyModel | None = None,
                select: Callable[[EnergyModel], float] | None = None,
                every: int = 100) -> tuple[EnergyModel, dict]:
    """Train one variant on the train split; returns the model (eval mode) and a small history.
    With `select` (a validation score, higher is better), the best of the checks made every
    `every` steps is kept — early stopping on the validation split."""
    torch.manual_seed(tc.seed)
    rng = np.random.default_rng(tc.seed)
    model = EnergyModel(config)
    train_groups = data.groups("train", with_positive=True)
    rows = np.concatenate([np.arange(a, b) for a, b in data.groups("train")])
    feats = data.features[rows]
    model.set_feature_scaling(feats.mean(0), feats.std(0))
    if init_from is not None and config.use_linear and init_from.linear is not None:
        _warm_start(model, init_from)
    best = (select(model.eval()), 0, {k: v.clone() for k, v in model.state_dict().items()}) \
        if select is not None else None
    if tc.freeze_linear and model.linear is not None and init_from is not None:
        model.linear.requires_grad_(False)
        if model.feat_mlp is not None:
            model.feat_mlp.requires_grad_(False)
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
        if select is not None and best is not None and (step + 1) % every == 0:
            score = select(model.eval())
            model.train()
            if score > best[0]:
                best = (score, step + 1, {k: v.clone() for k, v in model.state_dict().items()})
            log(f"  [{name}] step {step + 1}: validation {score:.3f} (best {best[0]:.3f} at {best[1]})")
        if (step + 1) % 200 == 0 or step == 0:
            log(f"  [{name}] step {step + 1}/{tc.steps} loss {np.mean(losses[-200:]):.3f} "
                f"({time.monotonic() - started:.0f}s)")
    if best is not None:
        model.load_state_dict(best[2])
    model.eval()
    return model, {"final_loss": float(np.mean(losses[-100:])), "seconds": time.monotonic() - started,
                   "best_step": best[1] if best else tc.steps,
                   "best_validation": best[0] if best else None}
