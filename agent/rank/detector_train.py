"""`remedy ebm detector`: the bug detector's corpus and training (agent.rank.detector).

The corpus comes from the same correct code as the ranker's (the standard library's pure-Python
modules by default), but only from files of the ranker's *train* split, so nothing the ranker is
tested on was seen by the detector. Training is seeded; the weights ship beside the
ranker's checkpoint as `detector.npz`.
"""
from __future__ import annotations

import hashlib
import math
import random
import time
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..ast.offsets import Offsets
from ..ast.parser import is_valid_python, parse
from ..ast.scope import index_module
from .detector import WINDOW, DetectorConfig, encode_line
from .mutate import function_statements, mutate
from .tokens import _changed, line_tokens

__all__ = ["build_corpus", "corpus_hash", "DetectorNet", "train_detector", "evaluate_detector", "save_weights",
           "DEFAULT_STEPS"]

torch.set_flush_denormal(True)
DEFAULT_STEPS = 1300    # 3.5 min on the reference 2-core machine; 3873 overfit (validation AUC 0.671 vs 0.676)


def _file_windows(job: tuple[str, str, int, int]) -> list[tuple]:
    rel, path, seed, per_file = job
    rng = random.Random(f"detector:{seed}:{rel}")
    src = Path(path).read_bytes()
    try:
        src.decode("utf-8")
    except UnicodeDecodeError:
        return []
    tree = parse(src)
    if tree.root_node.has_error:
        return []
    statements = function_statements(tree.root_node)
    if not statements:
        return []
    index = index_module(tree)
    orig_rows = line_tokens(src)
    stmt_rows = sorted({s.start_point.row for s in statements})
    out = []
    for stmt in rng.sample(statements, min(len(statements), per_file)):
        m = mutate(src, stmt, index, rng)
        if m is None:
            continue
        mutated = src[:m.start] + m.new.encode("utf-8", "surrogateescape") + src[m.end:]
        if not is_valid_python(mutated, rel):
            continue
        row = Offsets(mutated).line_of(m.site) - 1
        rows = line_tokens(mutated)
        if not rows[row]:
            continue
        labels = np.full(WINDOW, -1, dtype=np.int8)          # -1: no token label
        ids, aux, start, count = encode_line(rows, row)
        if len(rows) == len(orig_rows):
            _, changed = _changed([t.text for t in orig_rows[row]], [t.text for t in rows[row]])
            labels[start:start + count] = np.array(changed[:count], dtype=np.int8)
        out.append((ids, aux, start, count, labels, 1))
        if len(rows) == len(orig_rows) and orig_rows[row]:
            ids, aux, start, count = encode_line(orig_rows, row)
            labels = np.full(WINDOW, -1, dtype=np.int8)
            labels[start:start + count] = 0
            out.append((ids, aux, start, count, labels, 0))
        near = [r for r in stmt_rows if r != row and abs(r - row) <= 20 and r < len(rows) and rows[r]]
        if near:
            other = rng.choice(near)
            ids, aux, start, count = encode_line(rows, other)
            labels = np.full(WINDOW, -1, dtype=np.int8)
            labels[start:start + count] = 0
            out.append((ids, aux, start, count, labels, 0))
    return out


def build_corpus(files: Sequence[tuple[str, Path]], seed: int, per_file: int, workers: int = 2,
                 log=print) -> dict[str, np.ndarray]:
    jobs = [(rel, str(path), seed, per_file) for rel, path in files]
    rows: list[tuple] = []
    if workers > 1:
        with get_context("fork").Pool(workers) as pool:
            for i, found in enumerate(pool.imap(_file_windows, jobs, chunksize=4)):
                rows.extend(found)
                if i % 100 == 0:
                    log(f"  {i + 1}/{len(jobs)} files, {len(rows)} windows")
    else:
        for job in jobs:
            rows.extend(_file_windows(job))
    return {
        "ids": np.stack([r[0] for r in rows]), "aux": np.stack([r[1] for r in rows]),
        "start": np.array([r[2] for r in rows], dtype=np.int16),
        "count": np.array([r[3] for r in rows], dtype=np.int16),
        "tok_labels": np.stack([r[4] for r in rows]),
        "line_labels": np.array([r[5] for r in rows], dtype=np.int8),
    }


class DetectorNet(nn.Module):
    """The torch form of agent.rank.detector.Detector (same parameter names, same function)."""

    def __init__(self, c: DetectorConfig) -> None:
        super().__init__()
        self.config = c
        self.tok = nn.Embedding(c.vocab, c.dim, padding_idx=0)
        self.pos = nn.Embedding(c.window, c.dim)
        self.seg = nn.Embedding(4, c.dim)
        self.anon = nn.Embedding(64, c.dim)
        self.blocks = nn.ModuleList()
        for _ in range(c.layers):
            self.blocks.append(nn.ModuleDict({
                "ln1": nn.LayerNorm(c.dim), "qkv": nn.Linear(c.dim, 3 * c.dim), "out": nn.Linear(c.dim, c.dim),
                "ln2": nn.LayerNorm(c.dim), "ff1": nn.Linear(c.dim, c.ff), "ff2": nn.Linear(c.ff, c.dim)}))
        self.lnf = nn.LayerNorm(c.dim)
        self.head = nn.Linear(c.dim, 1)

    def forward(self, ids: torch.Tensor, aux: torch.Tensor) -> torch.Tensor:
        c = self.config
        ids, aux = ids.long(), aux.long()
        n, length = ids.shape
        mask = ids != 0
        x = self.tok(ids) + self.pos.weight[None, :length] + self.seg(aux & 3) + self.anon(aux >> 2)
        hd = c.dim // c.heads
        bias = torch.zeros(n, 1, 1, length).masked_fill(~mask[:, None, None, :], -1e9)
        for b in self.blocks:
            h = b["ln1"](x)
            q, k, v = b["qkv"](h).view(n, length, 3, c.heads, hd).permute(2, 0, 3, 1, 4)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + bias, dim=-1)
            x = x + b["out"]((att @ v).transpose(1, 2).reshape(n, length, c.dim))
            x = x + b["ff2"](F.gelu(b["ff1"](b["ln2"](x)), approximate="tanh"))
        return self.head(self.lnf(x)).squeeze(-1).masked_fill(~mask, float("-inf"))


def _losses(net: DetectorNet, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    logits = net(batch["ids"], batch["aux"])
    cols = torch.arange(logits.shape[1])[None]
    centre = (cols >= batch["start"][:, None]) & (cols < (batch["start"] + batch["count"])[:, None])
    line = torch.logsumexp(logits.masked_fill(~centre, float("-inf")), dim=1)
    line_loss = F.binary_cross_entropy_with_logits(line, batch["line_labels"].float())
    known = batch["tok_labels"] >= 0
    tok_loss = F.binary_cross_entropy_with_logits(logits[known], batch["tok_labels"][known].float())
    return line_loss, tok_loss


def train_detector(train: dict[str, np.ndarray], val: dict[str, np.ndarray], config: DetectorConfig, *,
                   seed: int = 0, steps: int = DEFAULT_STEPS, batch: int = 128, lr: float = 2e-3,
                   log=print) -> tuple[DetectorNet, dict]:
    """AdamW with warm-up and cosine decay for `steps` batches; returns the net and its validation
    metrics (same seed, same corpus: the same net)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = DetectorNet(config)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    tensors = {k: torch.from_numpy(v.astype(np.int64)) for k, v in train.items()}
    n = len(train["ids"])
    started = time.monotonic()
    step, warmup = 0, min(200, max(1, steps // 10))
    while step < steps:
        order = rng.permutation(n)
        for i in range(0, n - batch + 1, batch):
            idx = torch.from_numpy(order[i:i + batch])
            for g in opt.param_groups:
                g["lr"] = lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / steps))
            line_loss, tok_loss = _losses(net, {k: v[idx] for k, v in tensors.items()})
            opt.zero_grad()
            (line_loss + tok_loss).backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            step += 1
            if step % 500 == 0:
                log(f"  step {step}/{steps}: line loss {line_loss.item():.3f}, token loss {tok_loss.item():.3f}"
                    f" ({time.monotonic() - started:.0f} s)")
            if step >= steps:
                break
    metrics = evaluate_detector(net, val)
    metrics.update(steps=step, seconds=round(time.monotonic() - started, 1), config=asdict(config))
    return net, metrics


def corpus_hash(corpus: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in sorted(corpus):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(corpus[key]).tobytes())
    return digest.hexdigest()


@torch.no_grad()
def evaluate_detector(net: DetectorNet, data: dict[str, np.ndarray]) -> dict:
    """AUC of the line logit (positives against negatives), and how often a bug's line outranks
    both of its negatives (they follow it in the corpus)."""
    net.eval()
    lines = []
    for i in range(0, len(data["ids"]), 512):
        logits = net(torch.from_numpy(data["ids"][i:i + 512].astype(np.int64)),
                     torch.from_numpy(data["aux"][i:i + 512].astype(np.int64)))
        cols = torch.arange(logits.shape[1])[None]
        start = torch.from_numpy(data["start"][i:i + 512].astype(np.int64))[:, None]
        count = torch.from_numpy(data["count"][i:i + 512].astype(np.int64))[:, None]
        centre = (cols >= start) & (cols < start + count)
        lines.append(torch.logsumexp(logits.masked_fill(~centre, float("-inf")), dim=1).numpy())
    net.train()
    score = np.concatenate(lines)
    y = data["line_labels"].astype(bool)
    ranks = score.argsort().argsort()
    auc = (ranks[y].sum() - y.sum() * (y.sum() - 1) / 2) / max(1, y.sum() * (~y).sum())
    wins, bugs = 0, 0
    pos = np.flatnonzero(y)
    for j, p in enumerate(pos):
        end = pos[j + 1] if j + 1 < len(pos) else len(y)
        if end > p + 1:
            bugs += 1
            wins += bool(score[p] > score[p + 1:end].max())
    return {"auc": round(float(auc), 4), "bug_line_first": round(wins / max(1, bugs), 4), "bugs": bugs}


def save_weights(net: DetectorNet, path: Path) -> None:
    """`detector.npz` in the names agent.rank.detector.Detector reads (float16: half the size)."""
    c = net.config
    w = {"tok": net.tok.weight, "pos": net.pos.weight, "seg": net.seg.weight, "anon": net.anon.weight,
         "lnf.w": net.lnf.weight, "lnf.b": net.lnf.bias, "head.w": net.head.weight, "head.b": net.head.bias}
    for i, b in enumerate(net.blocks):
        for name in ("ln1", "qkv", "out", "ln2", "ff1", "ff2"):
            w[f"l{i}.{name}.w"] = b[name].weight
            w[f"l{i}.{name}.b"] = b[name].bias
    arrays = {k: v.detach().numpy().astype(np.float16) for k, v in w.items()}
    arrays["config"] = np.array([c.dim, c.heads, c.layers, c.ff, c.window, c.vocab], dtype=np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
