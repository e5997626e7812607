from recur import combinations, flatten, permutations, powerset


def test_permutations():
    assert permutations([1, 2, 3]) == [[1, 2, 3], [1, 3, 2], [2, 1, 3],
                                       [2, 3, 1], [3, 1, 2], [3, 2, 1]]
    assert permutations([]) == [[]]


def test_combinations():
    assert combinations("abcd", 2) == [list("ab"), list("ac"), list("ad"),
                                       list("bc"), list("bd"), list("cd")]
    assert combinations([1, 2], 3) == []
    assert combinations([1, 2], 0) == [[]]


def test_powerset():
    assert powerset([1, 2]) == [[], [1], [2], [1, 2]]
    assert len(powerset(range(4))) == 16


def test_flatten_full():
    assert flatten([1, [2, [3, (4, 5)]], "ab"]) == [1, 2, 3, 4, 5, "ab"]


def test_flatten_depth():
    assert flatten([1, [2, [3, [4]]]], depth=1) == [1, 2, [3, [4]]]
    assert flatten([1, [2]], depth=0) == [1, [2]]
