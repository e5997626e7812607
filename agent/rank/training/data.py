"""`remedy ebm data`: the ranker's training corpus, generated from correct code.

For each source file (default: the pure-Python modules of the running interpreter's standard
library, plus any folders given) a few statements inside functions get one injected bug
(agent.rank.training.mutate); the real candidate generator runs at the bug site with noisy simulated
suspiciousness (the buggy line among several, not always on top) and a simulated failure message;
a candidate is positive when it restores the original (whitespace aside). Sets without a positive
are kept for calibration. Files are split train/validation/test by a hash of their path, so no file
feeds two splits. The output is one .npz plus a JSON summary with the data's hash.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import sysconfig
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ...ast.nodes import field_node, text
from ...ast.offsets import Offsets
from ...parallel import LocalExecutor
from ...ast.parser import is_valid_python, parse
from ...ast.scope import index_module
from ...types import Frame, Outcome, SuspiciousLine, TestResult
from ..features import FEATURE_NAMES, extract, template_kinds
from .model import ENCODED_LEN, encode_windows, shrink
from .mutate import function_statements, mutate
from ..naturalness import build as build_ngram

__all__ = ["stdlib_sources", "generate", "merge", "load", "DataSet", "SPLITS"]

SPLITS = ("train", "val", "test")
MAX_LEN = ENCODED_LEN
VOCAB = 16384
_WS = re.compile(rb"\s+")
_EXCLUDE = re.compile(r"(^|/)(test|tests|idlelib|lib2to3|turtledemo|ensurepip|site-packages|"
                      r"dist-packages|pydoc_data|__pycache__|encodings)(/|$)")


def stdlib_sources() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def _files(folders: Sequence[Path], min_lines: int, max_lines: int) -> list[tuple[str, Path]]:
    out = []
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            rel = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            if _EXCLUDE.search(path.relative_to(folder).as_posix()):
                continue
            try:
                n = path.read_bytes().count(b"\n")
            except OSError:
                continue
            if min_lines <= n <= max_lines:
                out.append((rel, path))
    return out


def split_of(rel: str) -> str:
    bucket = zlib.crc32(rel.encode()) % 10
    return "test" if bucket == 0 else "val" if bucket == 1 else "train"


def _message(kind: str, func: str, new: str, rng: random.Random) -> str:
    """A failure message of the sort pytest would print (simulated: no test runs here)."""
    r = rng.random()
    if kind in ("wrong_attribute", "replaced_call") and r < 0.5:
        name = new.split("(")[0].split(".")[-1]
        return f"AttributeError: object has no attribute '{name}'"
    if r < 0.35:
        return f"AssertionError: assert {rng.randint(-3, 99)} == {rng.randint(-3, 99)}"
    if r < 0.6:
        return f"AssertionError: assert {func}(...) == expected"
    if r < 0.7:
        return rng.choice(["TypeError: unsupported operand type(s)", "IndexError: list index out of range",
                           "ValueError: invalid value", "KeyError: 'x'"])
    return ""


def _lines(rel: str, true_line: int, statements: list[int], rng: random.Random) -> list[SuspiciousLine]:
    """The buggy line and 2-7 neighbours with Ochiai-like noisy scores (ties are common)."""
    true_score = rng.uniform(0.35, 1.0)
    near = [n for n in statements if n != true_line and abs(n - true_line) <= 20]
    rng.shuffle(near)
    out = [SuspiciousLine(rel, true_line, round(true_score, 3))]
    for line in near[: rng.randint(2, 7)]:
        score = true_score if rng.random() < 0.3 else min(1.0, true_score * rng.uniform(0.3, 1.3))
        out.append(SuspiciousLine(rel, line, round(score, 3)))
    rng.shuffle(out)
    return out


@dataclass
class _Group:
    split: str
    file: str
    kind: str
    features: np.ndarray
    ids: np.ndarray
    aux: np.ndarray
    labels: np.ndarray
    template: np.ndarray
    susp: np.ndarray
    prior_rank: np.ndarray


def _file_instances(job: tuple[str, str, int, int, int]) -> list[_Group]:
    from .. import RankContext
    from ...generate.generator import apply_candidate, generate_candidates, prior_order

    rel, path, seed, per_file, max_candidates = job
    rng = random.Random(f"{seed}:{rel}")
    src = Path(path).read_bytes()
    try:
        src.decode("utf-8")
    except UnicodeDecodeError:
        return []
    tree = parse(src)
    if tree.root_node.has_error:
        return []
    index = index_module(tree)
    statements = function_statements(tree.root_node)
    if not statements:
        return []
    kinds = {k: i for i, k in enumerate(template_kinds())}
    stripped = _WS.sub(b"", src)
    groups: list[_Group] = []
    stmt_lines = sorted({s.start_point.row + 1 for s in statements})
    for stmt in rng.sample(statements, min(len(statements), per_file * 2)):
        if len(groups) >= per_file:
            break
        m = mutate(src, stmt, index, rng)
        if m is None:
            continue
        mutated = src[:m.start] + m.new.encode("utf-8", "surrogateescape") + src[m.end:]
        if not is_valid_python(mutated, rel):
            continue
        offsets = Offsets(mutated)
        true_line = offsets.line_of(m.site)
        func = stmt.parent
        while func is not None and func.type != "function_definition":
            func = func.parent
        fname = text(field_node(func, "name")) if func is not None else "f"
        lines = _lines(rel, true_line, stmt_lines, rng)
        message = _message(m.kind, fname, m.new, rng)
        frames = (Frame(rel, true_line, fname),) if message and not message.startswith(
            "AssertionError") and rng.random() < 0.7 else ()
        failing = [TestResult("tests/test_x.py::test_case", Outcome.FAILED, message, frames)]
        cands = generate_candidates({rel: mutated}, lines, max_candidates=max_candidates, message=message)
        if len(cands) < 2:
            continue
        mutated_len = len(_WS.sub(b"", mutated))
        labels = np.array([_restores(c, mutated, mutated_len, stripped, apply_candidate)
                           for c in cands],
                          dtype=np.uint8)
        # The n-gram model sees the mutated file, as a session would.
        ctx = RankContext(files={rel: mutated}, lines=lines, failing=failing)
        ex = extract(cands, ctx, build_ngram([mutated]))
        ids, aux = encode_windows(ex.windows, MAX_LEN, VOCAB)
        order = {c.id: i for i, c in enumerate(prior_order(cands))}
        groups.append(_Group(
            split_of(rel), rel, m.kind, ex.features, ids, aux, labels,
            np.array([kinds.get(c.template, len(kinds)) for c in cands], dtype=np.int16),
            np.array([c.suspiciousness for c in cands], dtype=np.float32),
            np.array([order[c.id] for c in cands], dtype=np.int32)))
    return groups


def _restores(cand, mutated: bytes, mutated_len: int, stripped: bytes, apply_candidate) -> bool:
    """Does the candidate give back the original file (whitespace aside)? Lengths first: cheap."""
    size = mutated_len + sum(len(_WS.sub(b"", e.text.encode("utf-8", "surrogateescape")))
                             - len(_WS.sub(b"", mutated[e.start:e.end])) for e in cand.edits)
    if size != len(stripped):
        return False
    return _WS.sub(b"", apply_candidate({cand.path: mutated}, cand)[cand.path]) == stripped


def generate(out: Path, folders: Sequence[Path] = (), *, seed: int | Sequence[int] = 0, per_file: int = 5,
             max_files: int = 320, max_candidates: int = 120, workers: int = 2,
             min_lines: int = 40, max_lines: int = 500, log=print, executor=None) -> dict:
    """Write `out` (.npz) and `out.json` (summary with hash); returns the summary. Several seeds
    inject other bugs into the same files (the first seed picks the files); the result is the same
    as `merge` of one run per seed, in that order. `executor` (agent.parallel) runs the files, in
    order: by default `workers` forked processes; a RayExecutor spreads them over a cluster."""
    started = time.monotonic()
    seeds = [seed] if isinstance(seed, int) else list(seed)
    sources = [stdlib_sources(), *map(Path, folders)]
    files = _files(sources, min_lines, max_lines)
    random.Random(seeds[0]).shuffle(files)
    files = sorted(files[:max_files])
    jobs = [(rel, str(path), s, per_file, max_candidates) for s in seeds for rel, path in files]
    groups: list[_Group] = []
    runner = executor if executor is not None else LocalExecutor(workers)
    for i, found in enumerate(runner.imap(_file_instances, jobs, chunksize=2)):
        groups.extend(found)
        if i % 25 == 0:
            log(f"  {i + 1}/{len(jobs)} files, {len(groups)} bug instances")
    summary = _save(out, groups, seeds[0] if len(seeds) == 1 else seeds, time.monotonic() - started)
    return summary


def merge(inputs: Sequence[Path], out: Path) -> dict:
    """Concatenate corpora (e.g. the same files under other seeds: more bugs per file) into `out`.
    The split stays by source file, since each group keeps the split of its file."""
    parts = [np.load(p) for p in inputs]
    metas = [json.loads(Path(str(p) + ".json").read_text()) for p in inputs]
    for p, meta in zip(inputs, metas):
        if meta["feature_names"] != list(FEATURE_NAMES):
            raise ValueError(f"{p}: made with other features; run `remedy ebm data` again")
    kinds = [z["group_kind"] if "group_kind" in z.files else np.array([""] * len(z["group_sizes"]))
             for z in parts]
    arrays = {k: np.concatenate([z[k] for z in parts]) for k in parts[0].files if k != "group_kind"}
    arrays["group_kind"] = np.concatenate([k.astype(str) for k in kinds])
    summary = _write(out, arrays, [m["seed"] for m in metas], sum(m["seconds"] for m in metas))
    summary["files"] = max(m["files"] for m in metas)
    summary["merged_from"] = [str(p) for p in inputs]
    Path(str(out) + ".json").write_text(json.dumps(summary, indent=2))
    return summary


def _save(out: Path, groups: list[_Group], seed: int | list[int], seconds: float) -> dict:
    sizes = np.array([len(g.labels) for g in groups], dtype=np.int32)
    arrays = {
        "features": np.concatenate([g.features for g in groups]),
        "ids": np.concatenate([g.ids for g in groups]),
        "aux": np.concatenate([g.aux for g in groups]),
        "labels": np.concatenate([g.labels for g in groups]),
        "template": np.concatenate([g.template for g in groups]),
        "susp": np.concatenate([g.susp for g in groups]),
        "prior_rank": np.concatenate([g.prior_rank for g in groups]),
        "group_sizes": sizes,
        "group_split": np.array([SPLITS.index(g.split) for g in groups], dtype=np.int8),
        "group_kind": np.array([g.kind for g in groups]),
    }
    summary = _write(out, arrays, seed, seconds)
    summary["files"] = len({g.file for g in groups})
    Path(str(out) + ".json").write_text(json.dumps(summary, indent=2))
    return summary


def _write(out: Path, arrays: dict, seed, seconds: float) -> dict:
    out.parent.mkdir(parents=True, exist_ok=True)
    sizes = arrays["group_sizes"]
    labels, split, kinds = arrays["labels"], arrays["group_split"], arrays["group_kind"]
    ends = np.cumsum(sizes)
    has_pos = np.array([labels[e - n:e].any() for e, n in zip(ends, sizes)], dtype=bool)
    digest = hashlib.sha256()
    for key in sorted(arrays):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    np.savez(out, **arrays)
    summary = {
        "hash": digest.hexdigest(), "seed": seed, "instances": int(len(sizes)),
        "candidates": int(sizes.sum()), "with_positive": int(has_pos.sum()),
        "splits": {s: {"instances": int(np.sum(split == k)),
                       "with_positive": int(np.sum((split == k) & has_pos))} for k, s in enumerate(SPLITS)},
        "kinds": dict(Counter(map(str, kinds)).most_common()),
        "kinds_with_positive": dict(Counter(map(str, kinds[has_pos])).most_common()),
        "feature_names": list(FEATURE_NAMES),
        "max_len": MAX_LEN, "vocab": VOCAB, "seconds": round(seconds, 1),
    }
    return summary


@dataclass
class DataSet:
    """The corpus in memory; `groups(split)` gives (start, end) candidate rows per bug instance."""
    features: np.ndarray
    ids: np.ndarray
    aux: np.ndarray
    labels: np.ndarray
    template: np.ndarray
    susp: np.ndarray
    prior_rank: np.ndarray
    bounds: np.ndarray
    split: np.ndarray
    hash: str
    kinds: np.ndarray


    def groups(self, split: str, with_positive: bool = False) -> list[tuple[int, int]]:
        k = SPLITS.index(split)
        out = [(int(a), int(b)) for (a, b), s in zip(self.bounds, self.split) if s == k]
        return [g for g in out if self.labels[g[0]:g[1]].any()] if with_positive else out


def load(path: Path, max_len: int | None = None) -> DataSet:
    """Read a corpus; with `max_len`, the token windows are shrunk to what the trunk reads."""
    z = np.load(path)
    sizes = z["group_sizes"]
    ends = np.cumsum(sizes)
    bounds = np.stack([ends - sizes, ends], axis=1)
    meta = json.loads(Path(str(path) + ".json").read_text())
    if meta["feature_names"] != list(FEATURE_NAMES):
        raise ValueError(f"{path}: made with other features; run `remedy ebm data` again")
    ids, aux = z["ids"], z["aux"]
    if max_len is not None:
        ids, aux = shrink(ids, aux, max_len)
    return DataSet(z["features"], ids, aux, z["labels"], z["template"], z["susp"],
                   z["prior_rank"], bounds, z["group_split"], meta["hash"],
                   z["group_kind"] if "group_kind" in z else np.array([""] * len(sizes)))

