"""The ranker inside sessions: candidates are validated in energy order, scored in numpy (a session
never imports torch nor agent.rank.training), a checkpoint without a numpy scorer falls back to the
template prior with a log line, and editor decisions become labelled examples."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from agent import run_repair
from agent.config import Config
from agent.events import CandidatesRanked, Done, Validation
from agent.memory.feedback import read_feedback
from agent.memory.learning import label_from_decisions, record_proposal
from agent.rank import RankContext, rank_candidates
from agent.rank.scorer import SHIPPED_CHECKPOINT
from agent.rank.training.checkpoint import load
from agent.generate.generator import generate_candidates, prior_order
from agent.types import SuspiciousLine

needs_checkpoint = pytest.mark.skipif(not (SHIPPED_CHECKPOINT / "model.pt").exists(),
                                      reason="no shipped EBM checkpoint")


def _drive(root: Path, config: Config):
    events = []

    async def go():
        async for event in run_repair(root, [], config):
            events.append(event)

    asyncio.run(go())
    return events


@needs_checkpoint
def test_session_validates_in_energy_order(invoice: Path):
    events = _drive(invoice, Config(ranker="ebm", probe=False, workers=1, time_budget=120))
    ranked = next(e for e in events if isinstance(e, CandidatesRanked))
    energies = [t["energy"] for t in ranked.top]
    assert all(e is not None for e in energies) and energies == sorted(energies)
    validated = [e.candidate_id for e in events if isinstance(e, Validation)]
    assert validated, "nothing was validated"
    shown = [t["id"] for t in ranked.top]
    n = min(len(validated), len(shown))
    assert validated[:n] == shown[:n]
    assert next(e for e in events if isinstance(e, Done)).result.status.value == "fixed"


@needs_checkpoint
def test_validations_carry_their_place_in_the_ranked_order(invoice: Path):
    """Two workers finish in either order; each Validation still says where its candidate stood, so
    a bench counts validations until the first plausible patch the same way on any executor."""
    events = _drive(invoice, Config(ranker="ebm", probe=False, workers=2, time_budget=120))
    ranked = next(e for e in events if isinstance(e, CandidatesRanked))
    validations = [e for e in events if isinstance(e, Validation)]
    positions = sorted(e.position for e in validations)
    assert positions == list(range(1, len(validations) + 1))
    by_position = {e.position: e.candidate_id for e in validations}
    shown = [t["id"] for t in ranked.top]
    assert all(by_position[i + 1] == cid for i, cid in enumerate(shown) if i + 1 in by_position)


def _site():
    src = b"def f(xs, n):\n    total = 0\n    for i in range(n):\n        total += xs[i]\n    return total\n"
    files = {"m.py": src}
    lines = [SuspiciousLine("m.py", 3, 0.9), SuspiciousLine("m.py", 4, 0.7)]
    return files, lines, generate_candidates(files, lines, max_candidates=40)


def _rank_with_checkpoint(folder: Path, ranker: str, monkeypatch, caplog):
    """rank_candidates on the sample site with $REMEDY_EBM_CHECKPOINT=folder: (candidates, ranked)."""
    from agent.rank.scorer import load_calibration, load_fast

    files, lines, cands = _site()
    monkeypatch.setenv("REMEDY_EBM_CHECKPOINT", str(folder))
    load_fast.cache_clear(), load_calibration.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="agent.rank"):
            ranked = rank_candidates(cands, ranker, RankContext(files, lines, []))
    finally:
        monkeypatch.delenv("REMEDY_EBM_CHECKPOINT")
        load_fast.cache_clear(), load_calibration.cache_clear()
    return cands, ranked


def test_missing_checkpoint_falls_back_to_prior(tmp_path, monkeypatch, caplog):
    cands, ranked = _rank_with_checkpoint(tmp_path, "ebm", monkeypatch, caplog)
    assert [r.candidate.id for r in ranked] == [c.id for c in prior_order(cands)]
    assert any("template prior" in r.message for r in caplog.records)


@needs_checkpoint
def test_a_checkpoint_without_numpy_scorer_falls_back_to_prior(tmp_path, monkeypatch, caplog):
    """Sessions score with numpy only: torch weights alone (a checkpoint older than scorer.json) give
    the template prior with the warning, not a torch import."""
    for name in ("model.pt", "calibration.json", "meta.json"):
        (tmp_path / name).write_bytes((SHIPPED_CHECKPOINT / name).read_bytes())
    for ranker in ("ebm", "features"):
        caplog.clear()
        cands, ranked = _rank_with_checkpoint(tmp_path, ranker, monkeypatch, caplog)
        assert [r.candidate.id for r in ranked] == [c.id for c in prior_order(cands)]
        assert any("template prior" in r.message for r in caplog.records)


@needs_checkpoint
def test_feedback_round_trip(tmp_path):
    """A proposal's ranked set goes into the learning store unlabelled; a decision labels it; the
    trainer's reader gives it back with the decided candidate first."""
    from agent.memory.decisions import record_decision
    from agent.types import Candidate, Hunk, Proposal
    files, lines, cands = _site()
    ranked = rank_candidates(cands, "ebm", RankContext(files, lines, []))
    assert all(r.probability is not None and 0 <= r.probability <= 1 for r in ranked)
    hunk = Hunk("h1", "m.py", 0, 1, "a\n", "b\n")
    for pid, r in (("p1", ranked[0]), ("p2", ranked[1])):
        assert record_proposal(tmp_path, Proposal(pid, "", ["m.py"], [hunk], "", candidate=r.candidate), files)
    assert read_feedback(tmp_path) == []            # proposed, not decided yet
    record_decision(tmp_path, "p1", hunk, True, ranked[0].candidate)
    record_decision(tmp_path, "p2", hunk, False, ranked[1].candidate)
    examples = read_feedback(tmp_path)
    assert [e.accepted for e in examples] == [True, False]
    assert examples[0].features.shape[0] == min(16, len(cands)) and examples[0].ids.shape[0] == examples[0].features.shape[0]
    assert label_from_decisions(tmp_path, "p1") is True and label_from_decisions(tmp_path, "nope") is None
    unknown = Candidate((), "x", "m.py", 1, id="unknown")
    assert not record_proposal(tmp_path, Proposal("p3", "", [], [], "", candidate=unknown), files)


@needs_checkpoint
def test_each_shipped_variant_ranks_in_numpy_exactly_as_its_torch_model():
    """Both rankers score with numpy (scorer.json, and trunk.npz for a live trunk), never importing
    torch, and their energies are the torch model's."""
    import subprocess
    import sys

    import numpy as np
    import torch

    from agent.rank.encoding import ENCODED_LEN, encode_windows, shrink
    from agent.rank.scorer import load_fast
    from agent.rank.features import extract

    files, lines, cands = _site()
    ctx = RankContext(files, lines, [])
    shipped = load(SHIPPED_CHECKPOINT, variants=("full", "features_only"))
    ex = extract(cands, ctx)
    for ranker, variant in (("ebm", "full"), ("features", "features_only")):
        model = shipped.models[variant]
        assert (load_fast()[variant].trunk is None) == model.trunk_is_silent()
        ids, aux = shrink(*encode_windows(ex.windows, ENCODED_LEN, model.config.vocab), model.config.max_len)
        with torch.inference_mode():
            ref = model(torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(aux),
                        torch.from_numpy(ex.features)).double().numpy()
        got = {r.candidate.id: r.energy for r in rank_candidates(cands, ranker, ctx)}
        np.testing.assert_allclose([got[c.id] for c in cands], ref, rtol=1e-5, atol=1e-5)
    assert load_fast()["features_only"].trunk is None    # the features-only model has no trunk at all

    probe = ("import sys; from agent.rank import RankContext, preload, rank_candidates\n"
             "from agent.generate.generator import generate_candidates\nfrom agent.types import SuspiciousLine\n"
             "src = b'def f(xs, n):\\n    t = 0\\n    for i in range(n):\\n        t += xs[i]\\n    return t\\n'\n"
             "lines = [SuspiciousLine('m.py', 3, 0.9)]\npreload(sys.argv[1])\n"
             "r = rank_candidates(generate_candidates({'m.py': src}, lines, max_candidates=20), sys.argv[1],"
             " RankContext({'m.py': src}, lines, []))\n"
             "print(len(r) > 1, r[0].energy is not None, 'torch' in sys.modules)")
    for ranker in ("ebm", "features"):
        out = subprocess.run([sys.executable, "-c", probe, ranker], capture_output=True, text=True, timeout=120)
        assert out.stdout.split() == ["True", "True", "False"], out.stderr


SESSION_IN_A_FRESH_PROCESS = """
import asyncio, sys
from agent import Config, run_repair

async def main():
    return [event async for event in run_repair(sys.argv[1], [], Config(workers=1, time_budget=120))]

events = asyncio.run(main())
energies = [t["energy"] for e in events if type(e).__name__ == "CandidatesRanked" for t in e.top]
print(events[-1].result.status.value, bool(energies) and None not in energies)
print("torch" in sys.modules, sorted(m for m in sys.modules if m.startswith("agent.rank.training")))
"""


@needs_checkpoint
def test_a_repair_session_never_imports_torch(invoice: Path):
    """A whole session with the default ranker (the EBM) fixes the demo and ends with neither torch
    nor anything of agent.rank.training imported: the runtime ranker is numpy only."""
    import subprocess
    import sys

    assert Config().ranker == "ebm"
    out = subprocess.run([sys.executable, "-c", SESSION_IN_A_FRESH_PROCESS, str(invoice)],
                         capture_output=True, text=True, timeout=300)
    status, modules = out.stdout.splitlines()[-2:]
    assert status == "fixed True", out.stdout + out.stderr
    assert modules == "False []", out.stderr
