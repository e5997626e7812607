"""The repair templates, one module per family; each exposes `KIND`, `PRIOR` and
`generate(site) -> Iterable[Fix]`. `TEMPLATES` lists them, most likely kind first. A template
that sets `SPECULATIVE` offers many candidates of which few are right (ingredients, donors): its
candidates get a budget of their own beside the others' (agent.repair.generator), so they never
crowd them out, and the session drops those the value probe shows inert before validation. A
template that sets `EVIDENCE` fires only where the failure's own values point (literals rewritten
from the failed comparison, pattern edits): its candidates too have a budget of their own, so a
pattern on the sixteenth suspicious line is not left out because the lines above filled the rest."""
from __future__ import annotations

from . import (attribute_replace, attribute_swap, condition_field, expression_clamp,
               field_maintain, length_adjust, loop_flush, sign_flip, builtin_swap, call_copy, call_keyword, call_unwrap, call_wrap,
               condition_negate,
               condition_strengthen, condition_weaken, default_value, expression_ingredient, guard_insert,
               identifier_replace, literal_expected, literal_replace, loop_break, off_by_one, operator_arithmetic,
               operator_augmented, operator_boolean, operator_comparison, regex_edit, return_insert,
               return_value, statement_delete, statement_insert, statement_move,
               statement_donor, statement_wrap_if, swap_arguments, swap_arguments_across, swap_elements, swap_operands,
               unary_toggle)

__all__ = ["TEMPLATES", "SPECULATIVE", "EVIDENCE"]

TEMPLATES = tuple(sorted(
    (operator_comparison, operator_arithmetic, operator_boolean, operator_augmented, off_by_one,
     identifier_replace, attribute_replace, swap_arguments, swap_operands, condition_negate,
     condition_strengthen, condition_weaken, builtin_swap, call_wrap, call_unwrap, literal_replace, literal_expected,
     return_value, statement_delete, statement_insert, guard_insert, statement_move, return_insert,
     loop_break, default_value, statement_wrap_if, unary_toggle, call_copy, swap_elements,
     call_keyword, regex_edit, expression_clamp, attribute_swap, sign_flip, field_maintain, condition_field,
     length_adjust, loop_flush, swap_arguments_across, expression_ingredient,
     statement_donor),
    key=lambda module: -module.PRIOR,
))

SPECULATIVE = frozenset(m.KIND for m in TEMPLATES if getattr(m, "SPECULATIVE", False))
EVIDENCE = frozenset(m.KIND for m in TEMPLATES if getattr(m, "EVIDENCE", False))
