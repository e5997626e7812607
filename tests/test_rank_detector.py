"""The bug detector: its window encoding, the numpy forward pass against the torch one it is
trained as, its corpus (labels from real injected bugs), that training learns a planted signal, and
the features the ranker reads from it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from agent import types as T
from agent.rank import RankContext
from agent.rank import detector as det
from agent.rank.detector_train import DetectorNet, _file_windows, evaluate_detector, save_weights, train_detector
from agent.rank.features import FEATURE_NAMES, extract
from agent.rank.tokens import line_tokens
from agent.types import Candidate, Edit, Outcome, SuspiciousLine

SRC = b"""def total(items, limit):
    count = 0

    for item in items:
        if item.price > limit:
            count += 1
    return count
"""
TINY = det.DetectorConfig(dim=16, heads=2, layers=1, ff=32, window=det.WINDOW, vocab=det.VOCAB)


def test_window_marks_the_centre_line_and_names_by_identity():
    rows = line_tokens(SRC)
    ids, aux, start, count = det.encode_line(rows, 4)
    assert count == len(rows[4]) and start == sum(len(r) for r in rows[:4])
    seg = aux & 3
    assert list(seg[start:start + count]) == [1] * count and set(seg[:start]) == {0}
    assert set(seg[start + count:int((ids != 0).sum())]) == {2}
    anon = aux >> 2
    texts = [t.text for r in rows for t in r]
    item_cols = [i for i, t in enumerate(texts) if t == "item"]
    assert len({int(anon[i]) for i in item_cols}) == 1 and anon[item_cols[0]] > 0
    assert det.encode_line(rows, 2)[3] == 0          # the blank line: no centre


def test_numpy_forward_is_the_torch_forward(tmp_path):
    torch.manual_seed(1)
    net = DetectorNet(TINY)
    save_weights(net, tmp_path / det.DETECTOR_FILE)
    loaded = det._load(str(tmp_path / det.DETECTOR_FILE))
    with torch.no_grad():                  # the file holds float16: compare against the rounded net
        for p in net.parameters():
            p.copy_(p.half().float())
    rows = line_tokens(SRC)
    enc = [det.encode_line(rows, r) for r in (0, 4, 5)]
    ids, aux = np.stack([e[0] for e in enc]), np.stack([e[1] for e in enc])
    want = net.eval()(torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(aux.astype(np.int64))).detach().numpy()
    got = loaded.token_logits(ids, aux)
    real = ids != 0
    assert np.isneginf(got[~real]).all()
    np.testing.assert_allclose(got[real], want[real], atol=1e-4)
    lines = loaded.lines(SRC, [4, 2])
    assert lines[2] == (det.EMPTY_LINE, {})
    assert lines[4][0] == pytest.approx(float(np.logaddexp.reduce(list(lines[4][1].values()))))


def test_corpus_labels_the_injected_bug(tmp_path):
    src = Path(json.__file__).with_name("encoder.py")
    windows = _file_windows(("json/encoder.py", str(src), 0, 40))
    positives = [i for i, w in enumerate(windows) if w[5] == 1]
    assert len(positives) >= 20
    marked = 0
    for i in positives:
        ids, aux, start, count, labels, _ = windows[i]
        assert count > 0 and ((aux[start:start + count] & 3) == 1).all()
        assert (labels[:start] == -1).all() and (labels[start + count:] == -1).all()
        marked += int((labels == 1).any())
        following = windows[i + 1:positives[positives.index(i) + 1] if i != positives[-1] else None]
        assert following and all(w[5] == 0 and (w[4][w[2]:w[2] + w[3]] == 0).all() for w in following)
    assert marked >= len(positives) // 2        # most bugs change tokens on their own line


def _planted(n: int, seed: int) -> dict[str, np.ndarray]:
    """Windows whose centre line holds token 7 exactly when they are 'buggy'."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(8, 200, size=(n, 24)).astype(np.int16)
    aux = np.zeros((n, 24), dtype=np.uint8)
    aux[:, 8:14] = 1
    labels = np.full((n, 24), -1, dtype=np.int8)
    labels[:, 8:14] = 0
    y = (np.arange(n) % 3 == 0).astype(np.int8)
    col = rng.integers(8, 14, size=n)
    ids[y == 1, col[y == 1]] = 7
    labels[y == 1, col[y == 1]] = 1
    return {"ids": ids, "aux": aux, "start": np.full(n, 8, np.int16), "count": np.full(n, 6, np.int16),
            "tok_labels": labels, "line_labels": y}


def test_training_learns_a_planted_bug_token():
    torch.manual_seed(0)
    config = det.DetectorConfig(dim=16, heads=2, layers=1, ff=32, window=24, vocab=256)
    before = evaluate_detector(DetectorNet(config), _planted(300, 2))
    net, metrics = train_detector(_planted(1200, 1), _planted(300, 2), config, steps=150, batch=64, lr=5e-3,
                                  log=lambda *a: None)
    assert metrics["steps"] == 150 and metrics["bugs"] == 100
    assert metrics["auc"] > 0.95 > before["auc"] + 0.2
    assert metrics["bug_line_first"] > 0.9


def _cand(old: bytes, new: str, cid: str) -> Candidate:
    start = SRC.index(old)
    return Candidate(edits=(Edit("shop.py", start, start + len(old), new),), template="operator.comparison",
                     path="shop.py", line=SRC[:start].count(b"\n") + 1, suspiciousness=0.5, id=cid)


def test_features_read_the_detector(tmp_path, monkeypatch):
    cands = [_cand(b">", ">=", "a"), _cand(b"count = 0", "count = 1", "b"), _cand(b"items:", "limit:", "c")]
    ctx = RankContext(files={"shop.py": SRC}, lines=[SuspiciousLine("shop.py", 5, 0.9)],
                      failing=[T.TestResult("t.py::test_total", Outcome.FAILED, "", ())])
    cols = [FEATURE_NAMES.index(n) for n in ("det_line", "det_line_gap", "det_edit", "det_edit_gap")]
    monkeypatch.setenv("REMEDY_EBM_CHECKPOINT", str(tmp_path))       # a folder without a detector
    assert det.load_detector() is None
    assert (extract(cands, ctx).features[:, cols] == 0).all()
    torch.manual_seed(3)
    save_weights(DetectorNet(TINY), tmp_path / det.DETECTOR_FILE)
    seen = det.load_detector().lines(SRC, [1, 3, 4])
    feats = extract(cands, ctx).features[:, cols]
    assert np.isfinite(feats).all()
    for row, line in enumerate((4, 1, 3)):
        assert feats[row, 0] == pytest.approx(seen[line][0] / 5, abs=1e-5)
    top = max(v[0] for v in seen.values())
    assert feats[:, 1] == pytest.approx((feats[:, 0] * 5 - top) / 5, abs=1e-5) and feats[:, 1].max() == 0
    # `>` is token 4 of `if item.price > limit:`; the edit's score is that token's
    assert feats[0, 2] == pytest.approx(seen[4][1][4] / 5, abs=1e-5)
    assert feats[0, 3] == pytest.approx((seen[4][1][4] - max(seen[4][1].values())) / 5, abs=1e-5)


def test_training_ships_the_detector_its_corpus_was_made_with(tmp_path, monkeypatch, capsys):
    from agent.rank.cli import _ship_detector

    source, out = tmp_path / "source", tmp_path / "out"
    torch.manual_seed(4)
    save_weights(DetectorNet(TINY), source / det.DETECTOR_FILE)
    digest = det.detector_digest(source)
    data = tmp_path / "data.npz"
    Path(str(data) + ".json").write_text(json.dumps({"detector": digest}))
    monkeypatch.setenv("REMEDY_EBM_CHECKPOINT", str(source))
    assert _ship_detector(data, out) == digest and det.detector_digest(out) == digest
    Path(str(data) + ".json").write_text(json.dumps({"detector": "0" * 64}))
    other = tmp_path / "other"
    assert _ship_detector(data, other) == "0" * 64 and det.detector_digest(other) is None
    assert "is not in" in capsys.readouterr().err
