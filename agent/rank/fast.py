"""Scoring without torch: when a shipped variant's trunk is silent (its output layer is all zeros,
so E_trunk(x) = 0) and it has no feature MLP, its energy is the linear term alone,
E(x) = w·((f(x) - mean) / std) + b. `checkpoint/scorer.json` holds those numbers, written beside
`model.pt` by `checkpoint.save`; a session then ranks with numpy and never pays torch's import.
A variant that needs the trunk is simply absent from the file, and the torch path scores it.
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

__all__ = ["LinearScorer", "scorer_data", "load_fast", "load_calibration", "checkpoint_folder", "SCORER_FILE"]

log = logging.getLogger("agent.rank")
SCORER_FILE = "scorer.json"


@dataclass(frozen=True)
class LinearScorer:
    mean: np.ndarray      # float32 [F]
    std: np.ndarray       # float32 [F]
    weight: np.ndarray    # float32 [F]
    bias: np.float32
    max_len: int
    vocab: int

    def energy(self, feats: np.ndarray) -> np.ndarray:
        z = (feats.astype(np.float32) - self.mean) / self.std
        return z @ self.weight + self.bias


def scorer_data(models: dict, feature_names: list[str]) -> dict:
    """The scorer.json content for the variants of `models` (name -> EnergyModel, as loaded from
    the saved, float16-rounded weights) that can be scored linearly."""
    variants = {}
    for name, model in models.items():
        if model.linear is None or model.feat_mlp is not None or not model.trunk_is_silent():
            continue
        variants[name] = {
            "mean": model.feat_mean.float().tolist(), "std": model.feat_std.float().tolist(),
            "weight": model.linear.weight.detach().float()[0].tolist(),
            "bias": float(model.linear.bias.detach().float()[0]),
            "max_len": model.config.max_len, "vocab": model.config.vocab}
    return {"energy": "weight . ((features - mean) / std) + bias, in float32", "feature_names": feature_names,
            "variants": variants}


@functools.cache
def load_fast() -> dict[str, LinearScorer]:
    """The linear scorers of the shipped checkpoint (or $REMEDY_EBM_CHECKPOINT's); {} when there
    are none or the file does not match the current features."""
    from .features import FEATURE_NAMES

    try:
        data = json.loads(checkpoint_folder().joinpath(SCORER_FILE).read_text(encoding="utf-8"))
        if data.get("feature_names") != list(FEATURE_NAMES):
            return {}
        return {name: LinearScorer(np.asarray(v["mean"], np.float32), np.asarray(v["std"], np.float32),
                                   np.asarray(v["weight"], np.float32), np.float32(v["bias"]),
                                   int(v["max_len"]), int(v["vocab"]))
                for name, v in data.get("variants", {}).items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("no linear scorer (%s); the torch path scores", exc)
        return {}


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
