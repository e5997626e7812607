"""How fast the shipped ranker is: loading the checkpoint, scoring 100 candidates (batched, features
and tokens already extracted) with the full model in torch, with the torch-free scorer a session
uses (agent.rank.scorer: the full model, trunk included, and features-only), and the whole
`rank_candidates` call (feature extraction with tree-sitter included) on a real file. Prints one
JSON object; medians of repeats. `--threads` sets torch's and the BLAS threads.

    .venv/bin/python bench/ebm_speed.py [--threads 1] [--repeats 50]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sysconfig
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np
    import torch

    torch.set_flush_denormal(True)
    torch.set_num_threads(args.threads)

    from agent.rank import RankContext, rank_candidates
    from agent.rank.training.checkpoint import load
    from agent.rank.features import extract
    from agent.rank.scorer import load_fast
    from agent.rank.training.model import ENCODED_LEN, encode_windows, shrink
    from agent.generate.generator import generate_candidates
    from agent.types import SuspiciousLine

    load_times = []
    for _ in range(5):
        started = time.perf_counter()
        ranker = load(variants=("full", "features_only"))
        load_times.append(time.perf_counter() - started)
    model = ranker.models["full"]

    path = Path(sysconfig.get_paths()["stdlib"]) / "textwrap.py"
    src = path.read_bytes()
    lines = [SuspiciousLine("textwrap.py", n, 1.0 / (i + 1)) for i, n in enumerate(range(250, 330, 3))]
    cands = generate_candidates({"textwrap.py": src}, lines, max_candidates=100)[:100]
    ctx = RankContext(files={"textwrap.py": src}, lines=lines, failing=[])
    ex = extract(cands, ctx)
    ids, aux = shrink(*encode_windows(ex.windows, ENCODED_LEN, model.config.vocab), model.config.max_len)
    tensors = (torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(aux), torch.from_numpy(ex.features))
    score_times = []
    with torch.inference_mode():
        for _ in range(5):
            model(*tensors)
        for _ in range(args.repeats):
            started = time.perf_counter()
            model(*tensors)
            score_times.append(time.perf_counter() - started)
    fast_load = []
    for _ in range(5):
        load_fast.cache_clear()
        started = time.perf_counter()
        scorers = load_fast()
        fast_load.append(time.perf_counter() - started)
    fast_score = {}
    for variant in ("full", "features_only"):
        times = fast_score[variant] = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            scorers[variant].energy(ex.features, ids, aux)
            times.append(time.perf_counter() - started)
    rank_times = []
    for _ in range(max(3, args.repeats // 10)):
        started = time.perf_counter()
        rank_candidates(cands, "ebm", ctx)
        rank_times.append(time.perf_counter() - started)
    print(json.dumps({
        "candidates": len(cands), "threads": args.threads,
        "load_s_median": round(statistics.median(load_times), 4),
        "score_ms_median": round(1000 * statistics.median(score_times), 2),
        "score_ms_min": round(1000 * min(score_times), 2),
        "numpy_load_s_median": round(statistics.median(fast_load), 4),
        "numpy_full_trunk_live": scorers["full"].trunk is not None,
        "numpy_full_score_ms_median": round(1000 * statistics.median(fast_score["full"]), 3),
        "numpy_full_score_ms_min": round(1000 * min(fast_score["full"]), 3),
        "numpy_features_only_score_ms_median":
            round(1000 * statistics.median(fast_score["features_only"]), 3),
        "rank_candidates_ms_median": round(1000 * statistics.median(rank_times), 1),
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }))


if __name__ == "__main__":
    main()
