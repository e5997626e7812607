"""Scoring without torch. A shipped variant's feature terms are, with z = (f(x) - mean) / std,
E_f(x) = w·z + b, plus, when the variant has one, the small feature MLP v·gelu(W·clip(z, ±8) + c) + d
(tanh-GELU, as the torch model computes it); when its trunk is live (its output layer is not all
zeros), E_trunk(x) is added by agent.rank.trunk_numpy. `checkpoint/scorer.json` holds the feature
terms and `checkpoint/trunk.npz` the live trunks' weights, both written beside `model.pt` by
`checkpoint.save` (`remedy ebm train`); a session ranks with numpy only and never imports torch.
The trunk-only ablation has no feature terms and is not in the file: sessions never rank with it.
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

from .trunk_numpy import NumpyTrunk

__all__ = ["FeatureScorer", "scorer_data", "trunk_arrays", "scorer_from_dict", "load_fast",
           "load_calibration", "checkpoint_folder", "SCORER_FILE", "TRUNK_FILE"]

log = logging.getLogger("agent.rank")
SCORER_FILE = "scorer.json"
TRUNK_FILE = "trunk.npz"


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
    trunk: NumpyTrunk | None = None      # a live trunk; None when it is silent

    def energy(self, feats: np.ndarray, ids: np.ndarray, aux: np.ndarray) -> np.ndarray:
        """E(x) for features [n, F] and the trunk's inputs (agent.rank.encoding, shrunk to max_len)."""
        z = (feats.astype(np.float32) - self.mean) / self.std
        energy = z @ self.weight + self.bias
        if self.hidden_w is not None:
            h = _gelu_tanh(np.clip(z, -8.0, 8.0) @ self.hidden_w.T + self.hidden_b)
            energy = energy + h @ self.out_w + self.out_b
        if self.trunk is not None:
            energy = energy + self.trunk.energy(ids, aux)
        return energy


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    """torch's GELU(approximate="tanh")."""
    return 0.5 * x * (1.0 + np.tanh(np.float32(0.7978845608028654) * (x + np.float32(0.044715) * x ** 3)))


def scorer_data(models: dict, feature_names: list[str]) -> dict:
    """The scorer.json content for the variants of `models` (name -> EnergyModel, as loaded from
    the saved, float16-rounded weights) that have feature terms; a live trunk is flagged (its
    weights go to trunk.npz, `trunk_arrays`)."""
    variants = {}
    for name, model in models.items():
        if model.linear is None:
            continue
        v = variants[name] = {
            "mean": model.feat_mean.float().tolist(), "std": model.feat_std.float().tolist(),
            "weight": model.linear.weight.detach().float()[0].tolist(),
            "bias": float(model.linear.bias.detach().float()[0]),
            "max_len": model.config.max_len, "vocab": model.config.vocab}
        if not model.trunk_is_silent():
            v["trunk"] = {"heads": model.config.heads, "layers": model.config.layers}
        if model.feat_mlp is not None:
            first, last = model.feat_mlp[0], model.feat_mlp[-1]
            v.update(hidden_w=first.weight.detach().float().tolist(),
                     hidden_b=first.bias.detach().float().tolist(),
                     out_w=last.weight.detach().float()[0].tolist(),
                     out_b=float(last.bias.detach().float()[0]))
    return {"energy": "z = (features - mean) / std; weight . z + bias [+ out_w . gelu_tanh(hidden_w @ clip(z, -8, 8)"
                      " + hidden_b) + out_b] [+ E_trunk, weights in trunk.npz], in float32",
            "feature_names": feature_names, "variants": variants}


def trunk_arrays(models: dict) -> dict[str, np.ndarray]:
    """trunk.npz's content: `<variant>/<parameter>` -> float16 weights, for the variants with feature
    terms and a live trunk (the float16 values are exactly what the checkpoint holds)."""
    out = {}
    for name, model in models.items():
        if model.linear is None or model.trunk_is_silent():
            continue
        for key, value in model.state_dict().items():
            if not key.startswith(("feat_", "linear.", "feat_mlp.")):
                out[f"{name}/{key}"] = value.detach().half().numpy()
    return out


@functools.cache
def load_fast() -> dict[str, FeatureScorer]:
    """The feature-term scorers of the shipped checkpoint (or $REMEDY_EBM_CHECKPOINT's); {} when there
    are none or the file does not match the current features."""
    from .features import FEATURE_NAMES

    folder = checkpoint_folder()
    try:
        data = json.loads(folder.joinpath(SCORER_FILE).read_text(encoding="utf-8"))
        if data.get("feature_names") != list(FEATURE_NAMES):
            return {}
        variants = data.get("variants", {})
        trunks = {}
        if any("trunk" in v for v in variants.values()):
            with folder.joinpath(TRUNK_FILE).open("rb") as fh, np.load(fh) as z:
                trunks = {key: z[key] for key in z.files}
        return {name: scorer_from_dict(v, trunks, name) for name, v in variants.items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("no numpy scorer (%s); the model rankers fall back to the template prior", exc)
        return {}


def scorer_from_dict(v: dict, trunks: dict[str, np.ndarray] | None = None, name: str = "") -> FeatureScorer:
    """A variant's scorer from its scorer.json entry and, for a live trunk, trunk.npz's arrays."""
    arr = lambda key: None if key not in v else np.asarray(v[key], np.float32)
    trunk = None
    if "trunk" in v:
        prefix = f"{name}/"
        weights = {k[len(prefix):]: a for k, a in (trunks or {}).items() if k.startswith(prefix)}
        if not weights:
            raise KeyError(f"{TRUNK_FILE} has no weights for {name}")
        trunk = NumpyTrunk(weights, int(v["trunk"]["heads"]), int(v["trunk"]["layers"]))
    need = lambda key: np.asarray(v[key], np.float32)     # KeyError where the entry lacks one
    return FeatureScorer(need("mean"), need("std"), need("weight"), np.float32(v["bias"]), int(v["max_len"]),
                         int(v["vocab"]), arr("hidden_w"), arr("hidden_b"), arr("out_w"),
                         np.float32(v.get("out_b", 0.0)), trunk)


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
