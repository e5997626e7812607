from recur import coin_change, edit_distance, knapsack, longest_increasing_subsequence


def test_edit_distance():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert edit_distance("abc", "") == 3
    assert edit_distance("flaw", "lawn") == 2
    assert edit_distance("same", "same") == 0


def test_coin_change():
    assert coin_change([1, 2, 5], 11) == 3
    assert coin_change([2], 3) == -1
    assert coin_change([3, 7], 0) == 0


def test_lis():
    assert longest_increasing_subsequence([10, 9, 2, 5, 3, 7, 101, 18]) == [2, 5, 7, 101]
    assert longest_increasing_subsequence([3, 3, 3]) == [3]
    assert longest_increasing_subsequence([]) == []


def test_knapsack():
    items = [(1, 1), (3, 4), (4, 5), (5, 7)]
    assert knapsack(items, 7) == 9
    assert knapsack(items, 0) == 0
    assert knapsack([(5, 10)], 5) == 10
