"""Generate: candidate patches at the suspicious lines — tree-sitter templates, ingredients and
donors from the project's own code, conditions synthesized from angelic values (generator,
templates/, angelic/)."""
