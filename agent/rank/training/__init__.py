"""Training the ranker (torch): the corpus (data, mutate), the energy model (model), training,
evaluation and the checkpoint it writes, behind `remedy ebm`. Sessions never import this package:
they score with agent.rank.scorer (numpy)."""
