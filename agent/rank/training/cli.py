"""`remedy ebm data | train | eval`: make the corpus, train and ship the checkpoint, measure it.

Registered on the main parser by `add_parsers(subparsers)`; each handler is a screenful that
converts arguments, calls the modules of this package and prints. Heavy imports happen inside
the handlers so `remedy --help` stays fast.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable

from ...parallel import EXECUTORS, LocalExecutor, make_executor

__all__ = ["add_parsers", "main"]

DEFAULT_DATA = Path("build/ebm/data.npz")
DEFAULT_SEEDS = "0-17"


def _seeds(text: str) -> list[int]:
    """`0`, `0-5` or `0,2,7` as a list of seeds."""
    out: list[int] = []
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            out += list(range(int(lo), int(hi) + 1)) if hi else [int(lo)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a seed list: {text!r} (e.g. 0, 0-5 or 0,2)") from None
    if not out:
        raise argparse.ArgumentTypeError(f"not a seed list: {text!r}")
    return out


def add_parsers(subparsers) -> None:
    ebm = subparsers.add_parser("ebm", help="the energy-based ranker: data, train, eval")
    sub = ebm.add_subparsers(dest="ebm_command", required=True)
    data = sub.add_parser("data", help="generate the training corpus from correct code")
    data.add_argument("folders", nargs="*", help="extra folders of correct Python code")
    data.add_argument("--out", type=Path, default=DEFAULT_DATA)
    data.add_argument("--seeds", type=_seeds, default=_seeds(DEFAULT_SEEDS),
                      help=f"bug-injection seeds, e.g. 0 or 0-5 or 0,2 (default {DEFAULT_SEEDS}: "
                           "each seed puts other bugs into the same files)")
    data.add_argument("--per-file", type=int, default=5)
    data.add_argument("--max-files", type=int, default=320)
    data.add_argument("--workers", type=int, default=2,
                      help="processes (local), or the local Ray cluster's CPUs (--executor ray)")
    data.add_argument("--executor", default="local", choices=EXECUTORS,
                      help="run the files in local processes or as Ray tasks")
    data.add_argument("--address", default="", help="join the Ray cluster at ADDR (with --executor ray)")
    merge = sub.add_parser("merge", help="concatenate corpora (e.g. other seeds: more bugs per file)")
    merge.add_argument("inputs", nargs="+", type=Path)
    merge.add_argument("--out", type=Path, default=DEFAULT_DATA)
    train = sub.add_parser("train", help="train, calibrate and write the checkpoint")
    train.add_argument("--data", type=Path, default=DEFAULT_DATA)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--steps", type=int, default=400)
    train.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "checkpoint")
    train.add_argument("--feat-hidden", type=int, default=64,
                       help="width of the MLP over the features beside the linear term (0: linear only)")
    train.add_argument("--residual", action="store_true",
                       help="keep the features-only term fixed and learn the trunk as a residual")
    train.add_argument("--with-feedback", nargs="*", metavar="ROOT", default=None,
                       help="also learn from editor decisions recorded under these roots (default: .)")
    ev = sub.add_parser("eval", help="top-1/top-5/MRR on the held-out split, beside the baselines")
    ev.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ev.add_argument("--checkpoint", type=Path, default=None)
    ev.add_argument("--split", default="test", choices=("val", "test"))
    ev.add_argument("--json", action="store_true")


def main(args: argparse.Namespace, *, read_feedback: Callable[[Path], list]) -> int:
    """Run `remedy ebm <command>`. `read_feedback(root)` gives the editor decisions recorded under a
    project root, for `train --with-feedback`: the caller passes agent.memory.feedback's reader in,
    since the ranker sits below the memory that records them."""
    import torch
    torch.set_flush_denormal(True)
    torch.set_num_threads(1)   # on a shared 2-core machine one thread is several times faster
    if args.ebm_command == "train":
        return _train(args, read_feedback)
    return {"data": _data, "merge": _merge, "eval": _eval}[args.ebm_command](args)


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _data(args) -> int:
    from .data import generate
    executor = make_executor(args.executor, args.workers, args.address)
    if args.executor == "local":
        executor = LocalExecutor(args.workers)
    try:
        summary = generate(args.out, [Path(f) for f in args.folders], seed=args.seeds, per_file=args.per_file,
                           max_files=args.max_files, workers=args.workers, log=_err, executor=executor)
    finally:
        executor.close()
    print(json.dumps({k: v for k, v in summary.items() if k != "feature_names"}, indent=2))
    return 0


def _merge(args) -> int:
    from .data import merge
    summary = merge(args.inputs, args.out)
    print(json.dumps({k: v for k, v in summary.items() if k != "feature_names"}, indent=2))
    return 0


def _train(args, read_feedback: Callable[[Path], list]) -> int:
    from .checkpoint import save
    from .data import load
    from dataclasses import replace

    from .evaluate import calibrate, evaluate, metrics, rank_of_fix, score_groups
    from ..features import FEATURE_NAMES
    from .model import EnergyModel, ModelConfig
    from .train import TrainConfig, train_model

    started = time.monotonic()
    data = load(args.data, ModelConfig.max_len)
    feedback = []
    if args.with_feedback is not None:
        for root in args.with_feedback or ["."]:
            feedback += read_feedback(Path(root))
        _err(f"feedback: {len(feedback)} decisions")
    tc = TrainConfig(steps=args.steps, seed=args.seed)
    residual = TrainConfig(steps=args.steps, seed=args.seed, lr=5e-4, weight_decay=0.1,
                           freeze_linear=True) if args.residual else tc
    base = ModelConfig(n_features=len(FEATURE_NAMES), feat_hidden=args.feat_hidden,
                       dropout=0.2 if args.feat_hidden else ModelConfig.dropout)
    models: dict[str, EnergyModel] = {}
    history: dict[str, dict] = {}
    val_groups = data.groups("val", with_positive=True)

    def val_mrr(model) -> float:
        ranks = [rank_of_fix(e, data.labels[a:b])
                 for e, (a, b) in zip(score_groups(model, data, val_groups), val_groups)]
        return metrics(ranks)["mrr"]

    linear_tc = TrainConfig(steps=400, seed=args.seed, set_size=128, lr=0.02, groups_per_step=32, warmup=10) \
        if not args.feat_hidden else TrainConfig(steps=2000, seed=args.seed, set_size=128, lr=0.01,
                                                 groups_per_step=32, warmup=10, weight_decay=0.05)
    for name, trunk, linear, tcv, init in (("features_only", False, True, linear_tc, None),
                                           ("full", True, True, residual, "features_only"),
                                           ("trunk_only", True, False, tc, None)):
        cfg = replace(base, use_trunk=trunk, use_linear=linear)
        models[name], history[name] = train_model(data, cfg, tcv, feedback, _err, name,
                                                  init_from=models.get(init) if init else None, select=val_mrr)
    calibration = {"ebm": calibrate(models["full"], data), "features": calibrate(models["features_only"], data)}
    val = evaluate(models, data, "val")
    test = evaluate(models, data, "test")
    seconds = time.monotonic() - started
    meta = {"data_hash": data.hash, "seed": args.seed, "steps": args.steps, "train_seconds": round(seconds, 1),
            "torch": torch_version(), "params": {k: sum(p.numel() for p in m.parameters())
                                                 for k, m in models.items()},
            "history": history, "val": _brief(val), "test": _brief(test),
            "feedback_examples": len(feedback), "residual_trunk": bool(args.residual),
            "feat_hidden": args.feat_hidden}
    save(args.out, models, calibration, meta)
    _err(f"trained in {seconds:.0f}s; checkpoint written to {args.out}")
    _print_table(test)
    return 0


def torch_version() -> str:
    import torch
    return torch.__version__


def _brief(result: dict) -> dict:
    return {k: result[k] for k in ("top1", "top5", "mrr", "baselines", "n", "detail", "by_bug_kind")}


def _eval(args) -> int:
    from .checkpoint import load as load_checkpoint
    from .data import load

    from .evaluate import evaluate
    ranker = load_checkpoint(args.checkpoint) if args.checkpoint else load_checkpoint()
    data = load(args.data, next(iter(ranker.models.values())).config.max_len)
    if data.hash != ranker.meta.get("data_hash"):
        _err(f"note: data hash {data.hash[:12]} differs from the checkpoint's "
             f"{str(ranker.meta.get('data_hash'))[:12]}")
    result = evaluate(ranker.models, data, args.split)
    if args.json:
        print(json.dumps({k: result[k] for k in ("top1", "top5", "mrr", "baselines", "n")}))
    else:
        _print_table(result)
    return 0


def _print_table(result: dict) -> None:
    rows = result["detail"]
    print(f"held-out {result['split']} split: {result['n']} bug instances with the fix among the "
          f"candidates (of {result['instances']})")
    print(f"{'ranker':<16}{'top1':>8}{'top5':>8}{'mrr':>8}")
    for name in ("suspiciousness", "template_prior", "features_only", "trunk_only", "full"):
        if name in rows:
            m = rows[name]
            print(f"{name:<16}{m['top1']:>8.3f}{m['top5']:>8.3f}{m['mrr']:>8.3f}")
    print("top-1 by bug kind:")
    for kind, row in result["by_bug_kind"].items():
        cells = " ".join(f"{k}={v:.2f}" for k, v in row.items() if k != "n")
        print(f"  {kind:<20} n={row['n']:<4} {cells}")
