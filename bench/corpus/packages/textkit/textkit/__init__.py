"""textkit: string utilities (casing, slugs, wrapping, tokens, templates)."""
from .strings import slugify, snake_case, camel_case, truncate, wrap
from .tokens import tokenize, ngrams, word_frequencies, sentences
from .template import render, TemplateError

__all__ = ["slugify", "snake_case", "camel_case", "truncate", "wrap", "tokenize",
           "ngrams", "word_frequencies", "sentences", "render", "TemplateError"]
