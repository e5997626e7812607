"""The energy model's training and packaging: InfoNCE on a toy set (the positive ends with the
lowest energy), isotonic calibration is monotone, the checkpoint round-trips, the policy."""
from __future__ import annotations


import json

import numpy as np
import pytest
import torch

from agent.rank import Ranked, validation_plan
from agent.rank.calibrate import Isotonic, fit_isotonic, set_log_probs
from agent.rank.training.checkpoint import load, save
from agent.rank.training.data import SPLITS, DataSet
from agent.rank.training.evaluate import evaluate, rank_of_fix, score_groups
from agent.rank.scorer import SCORER_FILE, TRUNK_FILE, scorer_from_dict
from agent.rank.training.model import EnergyModel, ModelConfig
from agent.rank.training.train import TrainConfig, info_nce, train_model
from agent.types import Candidate

N_FEAT, L = 6, 12


def _toy(groups: int = 24, size: int = 8, seed: int = 0) -> DataSet:
    """Sets where the positive differs from the negatives in feature 2 and in its token ids."""
    rng = np.random.default_rng(seed)
    n = groups * size
    feats = np.clip(rng.normal(size=(n, N_FEAT)), -2.5, 2.5).astype(np.float32)
    ids = rng.integers(3, 200, size=(n, L)).astype(np.int16)
    ids[:, 0] = 1
    aux = np.zeros((n, L), dtype=np.uint8)
    labels = np.zeros(n, dtype=np.uint8)
    for g in range(groups):
        p = g * size + int(rng.integers(size))
        labels[p] = 1
        feats[p, 2] = 4.0
        ids[p, 1:4] = 250
    sizes = np.full(groups, size)
    ends = np.cumsum(sizes)
    split = np.array([SPLITS.index("train")] * (groups - 4) + [1, 1, 2, 2], dtype=np.int8)
    return DataSet(feats, ids, aux, labels, np.zeros(n, np.int16), rng.random(n).astype(np.float32),
                   np.tile(np.arange(size), groups).astype(np.int32), np.stack([ends - sizes, ends], 1),
                   split, "toy", np.array(["toy"] * groups))


def _small(trunk: bool = True, linear: bool = True) -> ModelConfig:
    return ModelConfig(n_features=N_FEAT, vocab=256, dim=16, layers=1, heads=2, ff=32, max_len=L,
                       dropout=0.0, use_trunk=trunk, use_linear=linear)


@pytest.mark.parametrize("trunk,linear", [(True, True), (True, False), (False, True)])
def test_info_nce_puts_the_positive_lowest(trunk, linear):
    data = _toy()
    model, hist = train_model(data, _small(trunk, linear), TrainConfig(steps=80, groups_per_step=8,
                                                                       set_size=8, lr=1e-2, warmup=5),
                              log=lambda s: None)
    groups = data.groups("train", with_positive=True)
    energies = score_groups(model, data, groups)
    wins = [rank_of_fix(e, data.labels[a:b]) == 1 for e, (a, b) in zip(energies, groups)]
    assert np.mean(wins) == 1.0
    assert hist["final_loss"] < 0.5 * np.log(8)


def test_info_nce_value():
    e = torch.tensor([[0.0, 0.0, 0.0, 9.0]])
    mask = torch.tensor([[True, True, True, False]])
    assert info_nce(e, mask).item() == pytest.approx(np.log(3), abs=1e-6)


def test_training_is_reproducible():
    data = _toy()
    tc = TrainConfig(steps=30, groups_per_step=8, set_size=8, warmup=5, seed=3)
    a, _ = train_model(data, _small(), tc, log=lambda s: None)
    b, _ = train_model(data, _small(), tc, log=lambda s: None)
    groups = data.groups("train")
    for ea, eb in zip(score_groups(a, data, groups), score_groups(b, data, groups)):
        np.testing.assert_allclose(ea, eb, atol=1e-5)


def test_isotonic_is_monotone_and_fits():
    rng = np.random.default_rng(1)
    x = rng.normal(size=2000)
    y = (rng.random(2000) < 1 / (1 + np.exp(-2 * x))).astype(float)
    iso = fit_isotonic(x, y)
    grid = np.linspace(-4, 4, 200)
    p = iso(grid)
    assert np.all(np.diff(p) >= 0) and 0 <= p.min() and p.max() <= 1
    assert p[0] < 0.15 and p[-1] > 0.85
    assert Isotonic.from_dict(iso.to_dict())(grid).tolist() == p.tolist()
    step = fit_isotonic(np.array([0, 1, 1, 2, 3.0]), np.array([0, 1, 0, 1, 1.0]))
    assert list(step.x) == [0.0, 1.0, 2.0, 3.0] and step(np.array([1.0]))[0] == 0.5


def test_set_log_probs_normalise():
    lp = set_log_probs(np.array([1.0, 2.0, 3.0]))
    assert np.exp(lp).sum() == pytest.approx(1.0) and lp[0] > lp[1] > lp[2]


def test_checkpoint_round_trip(tmp_path, monkeypatch):
    data = _toy()
    models = {}
    for name, trunk, linear in (("full", True, True), ("trunk_only", True, False), ("features_only", False, True)):
        models[name], _ = train_model(data, _small(trunk, linear), TrainConfig(steps=5, warmup=2),
                                      log=lambda s: None)
    cal = {"ebm": fit_isotonic(np.array([-3.0, -1.0, 0.0]), np.array([0.0, 0.5, 1.0]))}
    from agent.rank import features as feats_mod
    names = feats_mod.FEATURE_NAMES
    feats_mod_names = list(names)
    save(tmp_path, models, cal, {"data_hash": "toy", "seed": 0})
    import agent.rank.training.checkpoint as ck
    original = ck.FEATURE_NAMES
    try:
        loaded = load(tmp_path)
    finally:
        ck.FEATURE_NAMES = original
    assert loaded.meta["data_hash"] == "toy" and set(loaded.models) == set(models)
    groups = data.groups("test")
    for name, model in models.items():
        ref = EnergyModel(model.config)
        ref.load_state_dict({k: (v.half().float() if not k.startswith("feat_") else v)
                             for k, v in model.state_dict().items()})
        for ea, eb in zip(score_groups(ref, data, groups), score_groups(loaded.models[name], data, groups)):
            np.testing.assert_allclose(ea, eb, atol=1e-5)
    assert loaded.calibration["ebm"](np.array([-1.0]))[0] == 0.5
    assert feats_mod_names == list(names)
    # what `remedy ebm train` saves, a session ranks with: both rankers' variants have a numpy scorer
    from agent.rank.scorer import load_fast
    monkeypatch.setenv("REMEDY_EBM_CHECKPOINT", str(tmp_path))
    load_fast.cache_clear()
    try:
        assert set(load_fast()) == {"full", "features_only"}
    finally:
        monkeypatch.delenv("REMEDY_EBM_CHECKPOINT")
        load_fast.cache_clear()


def test_evaluate_reports_baselines():
    data = _toy()
    model, _ = train_model(data, _small(), TrainConfig(steps=5, warmup=2), log=lambda s: None)
    out = evaluate({"full": model}, data, "test")
    assert out["n"] == 2 and set(out["baselines"]) == {"suspiciousness", "template_prior"}


def _ranked(*probs):
    return [Ranked(Candidate((), "t", "p.py", 1, id=str(i)), float(i), p) for i, p in enumerate(probs)]


def test_validation_plan_follows_probability_and_margin():
    assert validation_plan(_ranked(0.9, 0.1), 4) == (1, True, 0)
    assert validation_plan(_ranked(0.6, 0.5), 4) == (2, False, 1)
    assert validation_plan(_ranked(0.3, 0.2), 4) == (4, False, 3)
    assert validation_plan(_ranked(0.05, 0.04), 4) == (4, False, 6)
    assert validation_plan(_ranked(None, None), 2) == (2, False, 6)
    assert validation_plan([], 2) == (2, False, 6)


def test_feedback_sets_enter_training():
    from agent.rank.training.train import FeedbackSet
    data = _toy()
    fb = FeedbackSet(data.features[:8].copy(), data.ids[:8].copy(), data.aux[:8].copy(), accepted=True)
    fb.features[0, 5] = 9.0        # a decision the toy data cannot explain: only feedback teaches it
    tc = TrainConfig(steps=60, groups_per_step=4, set_size=8, lr=1e-2, warmup=5, feedback_weight=20.0)
    with_fb, _ = train_model(data, _small(False, True), tc, [fb], log=lambda s: None)
    without, _ = train_model(data, _small(False, True), tc, [], log=lambda s: None)
    assert with_fb.linear.weight[0, 5] < without.linear.weight[0, 5]


def test_silent_trunk_is_skipped_in_eval_but_trains():
    """A zero head makes E_trunk = 0: eval skips the trunk (same energies), training still runs it."""
    model = EnergyModel(_small())
    torch.nn.init.zeros_(model.head[-1].weight)
    torch.nn.init.zeros_(model.head[-1].bias)
    data = _toy()
    x = (torch.from_numpy(data.ids[:8].astype(np.int64)), torch.from_numpy(data.aux[:8]),
         torch.from_numpy(data.features[:8]))
    calls = []
    model.trunk = lambda ids, aux: calls.append(1) or torch.zeros(ids.shape[0])
    model.eval()
    assert model.trunk_is_silent()
    with torch.inference_mode():
        model(*x)
    assert not calls
    model.train()
    model(*x)
    assert calls


def test_feature_mlp_trains_and_round_trips(tmp_path):
    data = _toy()
    cfg = ModelConfig(n_features=N_FEAT, vocab=256, dim=16, layers=1, heads=2, ff=32, max_len=L,
                      dropout=0.0, use_trunk=False, feat_hidden=8)
    model, _ = train_model(data, cfg, TrainConfig(steps=60, groups_per_step=8, set_size=8, lr=1e-2, warmup=5),
                           log=lambda s: None)
    save(tmp_path, {"features_only": model}, {}, {"note": "toy"})
    back = load(tmp_path, variants=("features_only",)).models["features_only"]
    assert back.feat_mlp is not None
    groups = data.groups("train")
    for ea, eb in zip(score_groups(model, data, groups), score_groups(back, data, groups)):
        np.testing.assert_allclose(ea, eb, atol=2e-2)
    # The torch-free scorer computes the same energies from scorer.json, MLP included.
    spec = json.loads((tmp_path / SCORER_FILE).read_text())["variants"]["features_only"]
    assert "hidden_w" in spec
    numpy_scorer = scorer_from_dict(spec)
    back.eval()
    with torch.inference_mode():
        expected = back(torch.zeros(len(data.features), 1, dtype=torch.long), torch.zeros(len(data.features), 1),
                        torch.from_numpy(data.features)).numpy()
    ids, aux = np.zeros((len(data.features), 1), np.int16), np.zeros((len(data.features), 1), np.uint8)
    np.testing.assert_allclose(numpy_scorer.energy(data.features, ids, aux), expected, rtol=1e-5, atol=1e-5)


def test_numpy_erf_is_within_1e_7_of_math_erf():
    import math

    from agent.rank.trunk_numpy import erf
    x = np.linspace(-6.0, 6.0, 10001)
    assert np.abs(erf(x) - np.array([math.erf(v) for v in x])).max() < 1e-7
    assert erf(np.float32([0.5])).dtype == np.float32


def test_a_live_trunk_scores_the_same_in_numpy(tmp_path):
    """Two encoder layers (the last computes only [CLS] in numpy), padded sequences of different
    lengths: the numpy scorer written beside the checkpoint gives the torch energies."""
    data = _toy()
    torch.manual_seed(0)
    cfg = ModelConfig(n_features=N_FEAT, vocab=256, dim=16, layers=2, heads=2, ff=32, max_len=L, dropout=0.0)
    model, _ = train_model(data, cfg, TrainConfig(steps=30, groups_per_step=8, set_size=8, lr=1e-2, warmup=5),
                           log=lambda s: None)
    save(tmp_path, {"full": model}, {}, {"note": "toy"})
    back = load(tmp_path, variants=("full",)).models["full"]
    assert not back.trunk_is_silent()
    spec = json.loads((tmp_path / SCORER_FILE).read_text())["variants"]["full"]
    assert spec["trunk"] == {"heads": 2, "layers": 2}
    with np.load(tmp_path / TRUNK_FILE) as z:
        numpy_scorer = scorer_from_dict(spec, {k: z[k] for k in z.files}, "full")
    ids, aux = data.ids.copy(), data.aux.copy()
    ids[::3, 5:] = 0                   # shorter sequences beside full-length ones
    aux[ids == 0] = 0
    with torch.inference_mode():
        expected = back(torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(aux),
                        torch.from_numpy(data.features)).numpy()
    got = numpy_scorer.energy(data.features, ids, aux)
    assert np.ptp(expected) > 0.1 and np.ptp(numpy_scorer.trunk.energy(ids, aux)) > 1e-3   # the trunk counts
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
