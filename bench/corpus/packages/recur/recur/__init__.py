"""recur: recursive algorithms (trees, combinatorics, dynamic programming)."""
from .trees import Node, inorder, preorder, postorder, height, bst_insert, root_to_leaf_paths
from .combinatorics import permutations, combinations, powerset, flatten
from .dp import edit_distance, coin_change, longest_increasing_subsequence, knapsack

__all__ = ["Node", "inorder", "preorder", "postorder", "height", "bst_insert",
           "root_to_leaf_paths", "permutations", "combinations", "powerset", "flatten",
           "edit_distance", "coin_change", "longest_increasing_subsequence", "knapsack"]
