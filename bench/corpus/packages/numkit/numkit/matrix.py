"""List-of-lists matrices and 1-D linear interpolation."""
from __future__ import annotations

from bisect import bisect_right
from typing import Sequence

Matrix = list[list[float]]


def identity(n: int) -> Matrix:
    """The n x n identity matrix."""
    return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]


def transpose(m: Matrix) -> Matrix:
    """Rows become columns."""
    if not m:
        return []
    return [[m[i][j] for i in range(len(m))] for j in range(len(m[0]))]


def matmul(a: Matrix, b: Matrix) -> Matrix:
    """Matrix product ``a @ b``; raises ValueError on a shape mismatch."""
    if not a or not b or len(a[0]) != len(b):
        raise ValueError("shape mismatch")
    cols = len(b[0])
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(cols)]
            for i in range(len(a))]


def determinant(m: Matrix) -> float:
    """Determinant by Gaussian elimination with partial pivoting."""
    n = len(m)
    if any(len(row) != n for row in m):
        raise ValueError("matrix must be square")
    a = [list(map(float, row)) for row in m]
    det = 1.0
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            return 0.0
        if pivot != col:
            a[col], a[pivot] = a[pivot], a[col]
            det = -det
        det *= a[col][col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n):
                a[r][c] -= factor * a[col][c]
    return det


def lerp(a: float, b: float, t: float) -> float:
    """Linear interpolation between ``a`` (t=0) and ``b`` (t=1)."""
    return a + (b - a) * t


def interpolate(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    """Piecewise-linear interpolation; ``xs`` ascending; clamps outside the range."""
    if len(xs) != len(ys) or not xs:
        raise ValueError("xs and ys must be non-empty and of equal length")
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect_right(xs, x)
    x0, x1 = xs[i - 1], xs[i]
    y0, y1 = ys[i - 1], ys[i]
    return lerp(y0, y1, (x - x0) / (x1 - x0))
