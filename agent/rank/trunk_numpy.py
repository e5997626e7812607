"""The trunk's forward pass in numpy, so a session ranks with a live trunk without importing torch.

It computes what `EnergyModel.trunk` computes in eval mode (agent.rank.training.model): the summed token,
position, segment, changed and anonymous-name embeddings, a LayerNorm, `layers` post-norm Transformer
encoder layers (multi-head self-attention with padded keys masked, exact-erf GELU feed-forward) and
the head on the `[CLS]` position. The weights are the checkpoint's float16 values widened to float32,
stored in `checkpoint/trunk.npz` under `<variant>/<torch parameter name>`.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["NumpyTrunk", "erf"]

_EPS = 1e-5   # torch's LayerNorm default, which the model keeps


class NumpyTrunk:
    def __init__(self, weights: Mapping[str, np.ndarray], heads: int, layers: int) -> None:
        self.w = {k: np.asarray(v, np.float32) for k, v in weights.items()}
        self.heads, self.layers = heads, layers

    def energy(self, ids: np.ndarray, aux: np.ndarray) -> np.ndarray:
        """E_trunk for int token ids [n, L] and their aux codes [n, L] (agent.rank.encoding)."""
        w = self.w
        if not ids.size:
            return np.zeros(ids.shape[0], np.float32)
        length = max(int((ids != 0).sum(1).max()), 1)
        ids, aux = ids[:, :length].astype(np.int64), aux[:, :length].astype(np.int64)
        x = (w["tok.weight"][ids] + w["pos.weight"][:length][None] + w["seg.weight"][aux & 3]
             + w["chg.weight"][(aux >> 2) & 1] + w["anon.weight"][aux >> 3])
        x = _layer_norm(x, w["norm.weight"], w["norm.bias"])
        pad = ids == 0
        for i in range(self.layers):
            x = self._layer(x, pad, f"encoder.layers.{i}.", cls_only=i == self.layers - 1)
        h = _layer_norm(x[:, 0], w["head.0.weight"], w["head.0.bias"])
        h = _gelu(h @ w["head.1.weight"].T + w["head.1.bias"])
        return h @ w["head.3.weight"][0] + w["head.3.bias"][0]

    def _layer(self, x: np.ndarray, pad: np.ndarray, p: str, cls_only: bool) -> np.ndarray:
        """One encoder layer; with `cls_only`, only the `[CLS]` position's output ([n, 1, dim]): the
        last layer's other positions feed nothing (keys and values still come from every position)."""
        w = self.w
        n, length, dim = x.shape
        hd = dim // self.heads
        in_w, in_b = w[p + "self_attn.in_proj_weight"], w[p + "self_attn.in_proj_bias"]
        queries = x[:, :1] if cls_only else x
        q = (queries @ in_w[:dim].T + in_b[:dim]).reshape(n, -1, self.heads, hd).transpose(0, 2, 1, 3)
        kv = (x @ in_w[dim:].T + in_b[dim:]).reshape(n, length, 2, self.heads, hd).transpose(2, 0, 3, 1, 4)
        scores = np.matmul(q, kv[0].transpose(0, 1, 3, 2)) * np.float32(1.0 / np.sqrt(hd))
        scores = np.where(pad[:, None, None, :], np.float32(-np.inf), scores)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attn = np.matmul(scores / scores.sum(-1, keepdims=True), kv[1])              # n, H, Lq, hd
        attn = attn.transpose(0, 2, 1, 3).reshape(n, -1, dim)
        attn = attn @ w[p + "self_attn.out_proj.weight"].T + w[p + "self_attn.out_proj.bias"]
        x = _layer_norm(queries + attn, w[p + "norm1.weight"], w[p + "norm1.bias"])
        ff = _gelu(x @ w[p + "linear1.weight"].T + w[p + "linear1.bias"])
        ff = ff @ w[p + "linear2.weight"].T + w[p + "linear2.bias"]
        return _layer_norm(x + ff, w[p + "norm2.weight"], w[p + "norm2.bias"])


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(_EPS)) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """torch's exact GELU, x * Φ(x)."""
    return np.float32(0.5) * x * (np.float32(1.0) + erf(x * np.float32(0.7071067811865476)))


def erf(x: np.ndarray) -> np.ndarray:
    """erf by the Chebyshev fit of the complementary error function in Numerical Recipes (`erfcc`,
    fractional error under 1.2e-7; at most 8.3e-8 absolute on [-6, 6]), computed in float64 and
    returned in x's dtype. numpy has no erf, and scipy is not a dependency."""
    z = np.abs(x.astype(np.float64))
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0).astype(x.dtype)
