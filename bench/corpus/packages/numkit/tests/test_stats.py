import math

import pytest

from numkit import mean, median, mode, moving_average, percentile, stdev, variance


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5
    with pytest.raises(ValueError):
        mean([])


def test_median_odd_even():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5


def test_mode_ties():
    assert mode([1, 2, 2, 3, 3]) == [2, 3]
    assert mode([]) == []


def test_variance_sample_and_population():
    data = [2, 4, 4, 4, 5, 5, 7, 9]
    assert variance(data, sample=False) == 4.0
    assert math.isclose(variance(data), 32 / 7)


def test_stdev_population():
    assert stdev([2, 4, 4, 4, 5, 5, 7, 9], sample=False) == 2.0


def test_variance_too_short():
    with pytest.raises(ValueError):
        variance([1])
    assert variance([5], sample=False) == 0.0


def test_percentile():
    data = [15, 20, 35, 40, 50]
    assert percentile(data, 0) == 15
    assert percentile(data, 100) == 50
    assert percentile(data, 50) == 35
    assert percentile(data, 40) == 29.0


def test_percentile_invalid():
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_moving_average():
    assert moving_average([1, 2, 3, 4, 5], 3) == [2.0, 3.0, 4.0]
    assert moving_average([1, 2], 3) == []
