"""The shipped ranker: `checkpoint/model.pt` (weights of the full model and of its two ablations, in
float16), `checkpoint/calibration.json` (isotonic maps), `checkpoint/meta.json` (data hash, seed,
metrics), and `checkpoint/scorer.json` with `checkpoint/trunk.npz` (the torch-free scorer,
agent.rank.scorer). Read with importlib.resources, so it works from a wheel too."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import torch

from ..calibrate import Isotonic
from ..features import FEATURE_NAMES
from .model import EnergyModel, ModelConfig

__all__ = ["Ranker", "save", "load", "write_scorer", "CHECKPOINT_DIR", "VARIANTS"]

CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoint"    # agent/rank/checkpoint
VARIANTS = ("full", "trunk_only", "features_only")


@dataclass
class Ranker:
    """A loaded checkpoint: the models by variant, their calibrations and the metadata."""
    models: dict[str, EnergyModel]
    calibration: dict[str, Isotonic]
    meta: dict


def _variant_config(base: ModelConfig, variant: str) -> ModelConfig:
    from dataclasses import replace
    return replace(base, use_trunk=variant != "features_only", use_linear=variant != "trunk_only")


def save(folder: Path, models: dict[str, EnergyModel], calibration: dict[str, Isotonic], meta: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    base = next(iter(models.values())).config
    blob = {"config": {**base.to_dict(), "use_trunk": True, "use_linear": True},
            "feature_names": list(FEATURE_NAMES)}
    for name, model in models.items():
        blob[name] = {k: (v.half() if v.is_floating_point() and not k.startswith("feat_") else v)
                      for k, v in model.state_dict().items()}
    buf = io.BytesIO()
    torch.save(blob, buf)
    (folder / "model.pt").write_bytes(buf.getvalue())
    (folder / "calibration.json").write_text(json.dumps(
        {"input": "log softmax(-energy) within the candidate set",
         **{k: v.to_dict() for k, v in calibration.items()}}, indent=1))
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
    write_scorer(folder)


def write_scorer(folder: Path) -> None:
    """scorer.json and, when a trunk is live, trunk.npz (agent.rank.scorer) from the saved,
    float16-rounded weights of `folder`."""
    import numpy as np

    from ..scorer import SCORER_FILE, TRUNK_FILE, scorer_data, trunk_arrays
    saved = load(folder)
    trunks: dict[str, Any] = trunk_arrays(saved.models)    # (savez's own keyword is not among them)
    if trunks:
        with (folder / TRUNK_FILE).open("wb") as fh:
            np.savez_compressed(fh, **trunks)
    else:
        (folder / TRUNK_FILE).unlink(missing_ok=True)
    (folder / SCORER_FILE).write_text(json.dumps(scorer_data(saved.models, list(FEATURE_NAMES)), indent=1))


def _read(folder, name: str) -> bytes:
    return folder.joinpath(name).read_bytes()


def load(folder=None, variants: tuple[str, ...] = VARIANTS) -> Ranker:
    """Load a checkpoint folder (default: the shipped one); raises FileNotFoundError when absent."""
    folder = folder if folder is not None else resources.files("agent.rank").joinpath("checkpoint")
    blob = torch.load(io.BytesIO(_read(folder, "model.pt")), weights_only=True)
    if blob["feature_names"] != list(FEATURE_NAMES):
        raise ValueError("the checkpoint was trained with other features; run `remedy ebm train`")
    base = ModelConfig(**blob["config"])
    models = {}
    for name in variants:
        if name not in blob:
            continue
        model = EnergyModel(_variant_config(base, name))
        model.load_state_dict({k: v.float() for k, v in blob[name].items()})
        model.eval()
        models[name] = model
    calib = json.loads(_read(folder, "calibration.json"))
    meta = json.loads(_read(folder, "meta.json"))
    return Ranker(models, {k: Isotonic.from_dict(v) for k, v in calib.items() if isinstance(v, dict)}, meta)
