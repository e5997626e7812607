"""The repair templates, one module per family; each exposes `KIND`, `PRIOR` and
`generate(site) -> Iterable[Fix]`. `TEMPLATES` lists them, most likely kind first. A template
that sets `SPECULATIVE` offers many candidates of which few are right (ingredients, donors): its
candidates get a budget of their own beside the others' (agent.generate.generator), so they never
crowd them out, and the session drops those the value probe shows inert before validation. A
template that sets `EVIDENCE` fires only where the failure's own values point (literals rewritten
from the failed comparison, pattern edits): its candidates too have a budget of their own, so a
pattern on the sixteenth suspicious line is not left out because the lines above filled the rest."""
from __future__ import annotations

from . import (attribute_replace, attribute_swap, call_builtin_swap, call_copy, call_keyword, call_unwrap,
               call_wrap, condition_add_field, condition_negate, condition_strengthen, condition_weaken,
               default_replace, expression_clamp, expression_ingredient, expression_subtract_len,
               identifier_replace, learned_pattern, literal_expected, literal_replace, off_by_one, operator_arithmetic,
               operator_augmented, operator_boolean, operator_comparison, operator_unary, regex_edit,
               return_insert, return_value, statement_delete, statement_insert, statement_insert_break,
               statement_insert_donor, statement_insert_field, statement_insert_flush,
               statement_insert_guard, statement_insert_negate, statement_move, statement_wrap_if,
               swap_arguments, swap_arguments_across, swap_elements, swap_operands)

__all__ = ["TEMPLATES", "SPECULATIVE", "EVIDENCE"]

TEMPLATES = tuple(sorted(
    (operator_comparison, operator_arithmetic, operator_boolean, operator_augmented, off_by_one,
     identifier_replace, attribute_replace, swap_arguments, swap_operands, condition_negate,
     condition_strengthen, condition_weaken, call_builtin_swap, call_wrap, call_unwrap, literal_replace, literal_expected,
     return_value, statement_delete, statement_insert, statement_insert_guard, statement_move, return_insert,
     statement_insert_break, default_replace, statement_wrap_if, operator_unary, call_copy, swap_elements,
     call_keyword, regex_edit, expression_clamp, attribute_swap, statement_insert_negate, statement_insert_field, condition_add_field,
     expression_subtract_len, statement_insert_flush, swap_arguments_across, expression_ingredient,
     statement_insert_donor, learned_pattern),
    key=lambda module: -module.PRIOR,
))

SPECULATIVE = frozenset(m.KIND for m in TEMPLATES if getattr(m, "SPECULATIVE", False))
EVIDENCE = frozenset(m.KIND for m in TEMPLATES if getattr(m, "EVIDENCE", False))
