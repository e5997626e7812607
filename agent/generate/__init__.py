"""Generate: candidate patches at the suspicious lines — tree-sitter templates, ingredients and
donors from the project's own code (generator, templates/), conditions synthesized from angelic
values (angelic/). Every source of candidates is a `Generator` (stage.py); builtin/ runs the
templates and the angelic conditions together, agent.agent_loop.samples the LLM's samples."""
