"""numkit: small numeric helpers (statistics, rationals, matrices, interpolation)."""
from .stats import mean, median, mode, variance, stdev, percentile, moving_average
from .rational import Rational
from .matrix import identity, transpose, matmul, determinant, lerp, interpolate

__all__ = ["mean", "median", "mode", "variance", "stdev", "percentile", "moving_average",
           "Rational", "identity", "transpose", "matmul", "determinant", "lerp", "interpolate"]
