"""`remedy ebm eval`: top-1, top-5 and MRR of the true fix on the held-out split, beside the
baselines — suspiciousness order (the generator's own order within a line), template-prior order
(suspiciousness × prior, what `--ranker prior` does), the features-only linear model and the
trunk-only model. Ties count against the ranker (a tie with a wrong candidate is a loss)."""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np
import torch

from ..calibrate import Isotonic, fit_isotonic, set_log_probs
from .data import DataSet
from .model import EnergyModel

__all__ = ["score_groups", "rank_of_fix", "metrics", "baseline_energies", "evaluate", "calibrate"]


@torch.inference_mode()
def score_groups(model: EnergyModel, data: DataSet, groups: Sequence[tuple[int, int]],
                 batch: int = 2048) -> list[np.ndarray]:
    model.eval()
    rows = np.concatenate([np.arange(a, b) for a, b in groups]) if groups else np.zeros(0, int)
    out = np.zeros(len(rows), dtype=np.float64)
    for i in range(0, len(rows), batch):
        r = rows[i:i + batch]
        out[i:i + len(r)] = model(torch.from_numpy(data.ids[r].astype(np.int64)),
                                  torch.from_numpy(data.aux[r]),
                                  torch.from_numpy(data.features[r])).double().numpy()
    split, pos = [], 0
    for a, b in groups:
        split.append(out[pos:pos + b - a])
        pos += b - a
    return split


def rank_of_fix(energies: np.ndarray, labels: np.ndarray) -> int:
    """1-based rank of the best correct candidate; wrong candidates tied with it rank ahead."""
    best = energies[labels.astype(bool)].min()
    return 1 + int(np.sum(energies[~labels.astype(bool)] <= best))


def metrics(ranks: Sequence[int]) -> dict:
    r = np.asarray(ranks, dtype=np.float64)
    if not len(r):
        return {"top1": 0.0, "top5": 0.0, "mrr": 0.0, "n": 0}
    return {"top1": round(float(np.mean(r <= 1)), 4), "top5": round(float(np.mean(r <= 5)), 4),
            "mrr": round(float(np.mean(1 / r)), 4), "n": len(r)}


def baseline_energies(data: DataSet, a: int, b: int, kind: str) -> np.ndarray:
    n = b - a
    if kind == "suspiciousness":   # most suspicious line first, generation order within it
        return -data.susp[a:b].astype(np.float64) + np.arange(n) * 1e-6
    if kind == "template_prior":
        return data.prior_rank[a:b].astype(np.float64)
    raise ValueError(kind)


def calibrate(model: EnergyModel, data: DataSet, split: str = "val") -> Isotonic:
    groups = data.groups(split)
    if not groups:
        return Isotonic((), ())
    energies = score_groups(model, data, groups)
    x = np.concatenate([set_log_probs(e) for e in energies])
    y = np.concatenate([data.labels[a:b] for a, b in groups]).astype(np.float64)
    return fit_isotonic(x, y)


def evaluate(models: dict[str, EnergyModel], data: DataSet, split: str = "test") -> dict:
    """The issue's JSON object plus per-kind breakdowns (by the template of the true fix)."""
    groups = data.groups(split, with_positive=True)
    results: dict[str, list[int]] = {}
    for name in ("suspiciousness", "template_prior"):
        results[name] = [rank_of_fix(baseline_energies(data, a, b, name), data.labels[a:b])
                         for a, b in groups]
    for name, model in models.items():
        results[name] = [rank_of_fix(e, data.labels[a:b])
                         for e, (a, b) in zip(score_groups(model, data, groups), groups)]
    full = metrics(results.get("full", []))
    out = {**{k: full[k] for k in ("top1", "top5", "mrr")},
           "baselines": {k: metrics(results[k])["top1"] for k in
                         ("suspiciousness", "template_prior", "features_only", "trunk_only") if k in results},
           "n": full["n"], "split": split,
           "instances": len(data.groups(split)), "detail": {k: metrics(v) for k, v in results.items()}}
    by_kind: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, (a, b) in enumerate(groups):
        pos = a + int(np.flatnonzero(data.labels[a:b])[0])
        key = str(data.kinds[np.searchsorted(data.bounds[:, 0], a)]) or f"template:{int(data.template[pos])}"
        for name, ranks in results.items():
            by_kind[key][name].append(ranks[i])
    out["by_bug_kind"] = {k: {n: metrics(r)["top1"] for n, r in v.items()} | {"n": len(v["suspiciousness"])}
                          for k, v in sorted(by_kind.items())}
    return out
