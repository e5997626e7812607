"""Scoring without torch: when a shipped variant's trunk is silent (its output layer is all zeros,
so E_trunk(x) = 0), its energy is the feature terms alone: with z = (f(x) - mean) / std,
E(x) = w·z + b, plus, when the variant has one, the small feature MLP
v·gelu(W·clip(z, ±8) + c) + d (tanh-GELU, as the torch model computes it).
`checkpoint/scorer.json` holds those numbers, written beside `model.pt` by `checkpoint.save`; a
session then ranks with numpy and never pays torch's import. A variant that needs the trunk is
simply absent from the file, and the torch path scores it.
"""
from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["FeatureScorer", "scorer_data", "scorer_from_dict", "load_fast", "load_calibration",
           "checkpoint_folder", "SCORER_FILE"]

log = logging.getLogger("agent.rank")
SCORER_FILE = "scorer.json"


@dataclass(frozen=True)
class FeatureScorer:
    mean: np.ndarray      # float32 [F]
    std: np.ndarray       # float32 [F]
    weight: np.ndarray    # float32 [F]
    bias: np.float32
    max_len: int
    vocab: int
    hidden_w: np.ndarray | None = None   # float32 [H, F]: the feature MLP, when there is one
    hidden_b: np.ndarray | None = None   # float32 [H]
    out_w: np.ndarray | None = None      # float32 [H]
    out_b: np.float32 = np.float32(0)

    def energy(self, feats: np.ndarray) -> np.ndarray:
        z = (feats.astype(np.float32) - self.mean) / self.std
        energy = z @ self.weight + self.bias
        if self.hidden_w is not None:
            h = _gelu_tanh(np.clip(z, -8.0, 8.0) @ self.hidden_w.T + self.hidden_b)
            energy = energy + h @ self.out_w + self.out_b
        return energy


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    """torch's GELU(approximate="tanh")."""
    return 0.5 * x * (1.0 + np.tanh(np.float32(0.7978845608028654) * (x + np.float32(0.044715) * x ** 3)))


def scorer_data(models: dict, feature_names: list[str]) -> dict:
    """The scorer.json content for the variants of `models` (name -> EnergyModel, as loaded from
    the saved, float16-rounded weights) whose energy is the feature terms alone."""
    variants = {}
    for name, model in models.items():
        if model.linear is None or not model.trunk_is_silent():
            continue
        v = variants[name] = {
            "mean": model.feat_mean.float().tolist(), "std": model.feat_std.float().tolist(),
            "weight": model.linear.weight.detach().float()[0].tolist(),
            "bias": float(model.linear.bias.detach().float()[0]),
            "max_len": model.config.max_len, "vocab": model.config.vocab}
        if model.feat_mlp is not None:
            first, last = model.feat_mlp[0], model.feat_mlp[-1]
            v.update(hidden_w=first.weight.detach().float().tolist(),
                     hidden_b=first.bias.detach().float().tolist(),
                     out_w=last.weight.detach().float()[0].tolist(),
                     out_b=float(last.bias.detach().float()[0]))
    return {"energy": "z = (features - mean) / std; weight . z + bias [+ out_w . gelu_tanh(hidden_w @ clip(z, -8, 8)"
                      " + hidden_b) + out_b], in float32",
            "feature_names": feature_names, "variants": variants}


@functools.cache
def load_fast() -> dict[str, FeatureScorer]:
    """The feature-term scorers of the shipped checkpoint (or $REMEDY_EBM_CHECKPOINT's); {} when there
    are none or the file does not match the current features."""
    from .features import FEATURE_NAMES

    try:
        data = json.loads(checkpoint_folder().joinpath(SCORER_FILE).read_text(encoding="utf-8"))
        if data.get("feature_names") != list(FEATURE_NAMES):
            return {}
        return {name: scorer_from_dict(v) for name, v in data.get("variants", {}).items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("no feature scorer (%s); the torch path scores", exc)
        return {}


def scorer_from_dict(v: dict) -> FeatureScorer:
    arr = lambda key: None if key not in v else np.asarray(v[key], np.float32)
    return FeatureScorer(arr("mean"), arr("std"), arr("weight"), np.float32(v["bias"]), int(v["max_len"]),
                         int(v["vocab"]), arr("hidden_w"), arr("hidden_b"), arr("out_w"),
                         np.float32(v.get("out_b", 0.0)))


@functools.cache
def load_calibration() -> dict:
    """The checkpoint's isotonic maps by ranker ("ebm", "features"); {} when unreadable."""
    from .calibrate import Isotonic

    try:
        data = json.loads(checkpoint_folder().joinpath("calibration.json").read_text(encoding="utf-8"))
        return {k: Isotonic.from_dict(v) for k, v in data.items() if isinstance(v, dict)}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def checkpoint_folder():
    """$REMEDY_EBM_CHECKPOINT, or the shipped checkpoint folder (importlib.resources)."""
    override = os.environ.get("REMEDY_EBM_CHECKPOINT")
    return Path(override) if override else resources.files("agent.rank").joinpath("checkpoint")
