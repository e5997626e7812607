from recur import Node, bst_insert, height, inorder, postorder, preorder, root_to_leaf_paths
from recur.trees import build_bst


def sample():
    #       4
    #     2   6
    #    1 3    7
    return Node(4, Node(2, Node(1), Node(3)), Node(6, None, Node(7)))


def test_traversals():
    t = sample()
    assert inorder(t) == [1, 2, 3, 4, 6, 7]
    assert preorder(t) == [4, 2, 1, 3, 6, 7]
    assert postorder(t) == [1, 3, 2, 7, 6, 4]


def test_empty_tree():
    assert inorder(None) == [] and height(None) == 0


def test_height():
    assert height(sample()) == 3
    assert height(Node(1)) == 1


def test_bst_sorted_inorder_with_duplicates():
    root = build_bst([5, 3, 8, 3, 1, 9])
    assert inorder(root) == [1, 3, 3, 5, 8, 9]


def test_bst_insert_returns_root():
    root = Node(5)
    assert bst_insert(root, 2) is root


def test_paths():
    assert root_to_leaf_paths(sample()) == [[4, 2, 1], [4, 2, 3], [4, 6, 7]]
    assert root_to_leaf_paths(Node(1)) == [[1]]
