import math

import pytest

from numkit import determinant, identity, interpolate, matmul, transpose


def test_identity_and_transpose():
    assert identity(2) == [[1.0, 0.0], [0.0, 1.0]]
    assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]


def test_matmul_rectangular():
    a = [[1, 2, 3], [4, 5, 6]]
    b = [[7, 8], [9, 10], [11, 12]]
    assert matmul(a, b) == [[58, 64], [139, 154]]


def test_matmul_shape_mismatch():
    with pytest.raises(ValueError):
        matmul([[1, 2]], [[1, 2]])


def test_determinant():
    assert math.isclose(determinant([[4, 6], [3, 8]]), 14)
    assert math.isclose(determinant([[0, 1], [1, 0]]), -1)
    assert determinant([[1, 2], [2, 4]]) == 0.0
    assert math.isclose(determinant([[2, 0, 1], [1, 3, 2], [1, 1, 2]]), 6)


def test_interpolate():
    xs, ys = [0, 10, 20], [0, 100, 50]
    assert interpolate(xs, ys, 5) == 50
    assert interpolate(xs, ys, 15) == 75
    assert interpolate(xs, ys, 10) == 100
    assert interpolate(xs, ys, -3) == 0
    assert interpolate(xs, ys, 30) == 50
