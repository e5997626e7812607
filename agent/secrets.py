"""The process-wide secret vault, and redaction of secrets from everything Remedy writes out.

`take_from_environment()` runs once at start-up, before any child process can start: it moves
every secret-looking variable (the `is_secret` rule, which `minimal_env` also applies) and
the named extra ones (the configured `api_key_env`) out of `os.environ` into a private dict, so no
child inherits them. `secret(name)` reads one back (the LLM backend does, once). Their values, and
any `register`ed elsewhere, are then replaced by `[redacted]` wherever `redact` / `redact_data`
run: test failure messages, CLI output, traces, logs and LLM prompts. Common token shapes (OpenAI,
GitHub, AWS, Slack, Hugging Face, bearer tokens) are redacted even when Remedy never saw them.

Two compiled patterns do it, in one pass each: the registered values (longest first; rebuilt only
when that set changes), then the token shapes (compiled once): several times faster than one
alternation of both (a megabyte in about 70 ms).

`minimal_env` is the environment every child process (tests, git) starts from: a few harmless
variables, never a secret-looking one.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any, Iterable, Mapping

__all__ = ["REDACTED", "MIN_SECRET_LEN", "is_secret", "take_from_environment", "secret", "register",
           "redact", "redact_data", "vault_items", "adopt_vault", "RedactingFilter",
           "install_log_redaction", "minimal_env"]

REDACTED = "[redacted]"
MIN_SECRET_LEN = 8               # shorter values would redact too many innocent strings

_KEEP = ("PATH", "HOME", "LANG", "LANGUAGE", "TERM", "TMPDIR", "TZ", "USER", "LOGNAME", "SHELL",
         "PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8", "SYSTEMROOT")

_SECRET_MARKS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
_SECRET_PREFIXES = ("OPENAI_", "AWS_", "ANTHROPIC_", "HF_TOKEN", "GITHUB_", "AZURE_")

# One pass over the text for all the shapes: they share the look-behind (a token starts after a
# non-alphanumeric, `_` and `=` included), which keeps the scan cheap.
_SHAPES = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join((
    r"sk-[A-Za-z0-9_\-]{16,}",                        # OpenAI (sk-..., sk-proj-...), Anthropic
    r"gh[pousr]_[A-Za-z0-9]{20,}",                    # GitHub tokens
    r"github_pat_[A-Za-z0-9_]{20,}",                  # GitHub fine-grained tokens
    r"(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])",         # AWS access key ids
    r"xox[abpr]-[A-Za-z0-9\-]{10,}",                  # Slack
    r"hf_[A-Za-z0-9]{30,}",                           # Hugging Face
    r"(?P<bearer>(?i:bearer)\s+)[A-Za-z0-9._~+/=\-]{8,}",   # Authorization: Bearer <token>
)) + ")")

_lock = threading.Lock()
_vault: dict[str, str] = {}
_values: set[str] = set()
_pattern: re.Pattern[str] | None = None


def is_secret(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret (never given to children)."""
    upper = name.upper()
    return any(m in upper for m in _SECRET_MARKS) or upper.startswith(_SECRET_PREFIXES)


def _names_a_secret(name: str) -> bool:
    """Names whose values get redacted: the marks only, not prefixes such as OPENAI_BASE_URL or
    AWS_REGION, whose values (URLs, regions) would otherwise be cut out of every message."""
    return any(m in name.upper() for m in _SECRET_MARKS)


def take_from_environment(extra_names: Iterable[str | None] = ()) -> None:
    """Move secret-looking variables and `extra_names` from os.environ into the vault."""
    extra = {n for n in extra_names if n}
    for name in [n for n in os.environ if is_secret(n) or n in extra]:
        value = os.environ.pop(name, None)
        if value is None:
            continue
        with _lock:
            _vault[name] = value
        if name in extra or _names_a_secret(name):
            register(value)


def secret(name: str) -> str | None:
    """A variable's value from the vault, else from os.environ (a name not taken yet)."""
    with _lock:
        if name in _vault:
            return _vault[name]
    return os.environ.get(name)


def register(value: str | None) -> None:
    """Redact `value` from now on (one obtained elsewhere, e.g. a key passed in code)."""
    global _pattern
    if not value or len(value) < MIN_SECRET_LEN:
        return
    with _lock:
        if value not in _values:
            _values.add(value)
            _pattern = None


def vault_items() -> dict[str, str]:
    """A copy of the vault, to hand to a child process of our own explicitly (never via env)."""
    with _lock:
        return dict(_vault)


def adopt_vault(items: Mapping[str, str]) -> None:
    """Take over a vault handed over by the parent; its secret values are redacted here too."""
    for name, value in dict(items or {}).items():
        with _lock:
            _vault[str(name)] = str(value)
        register(str(value))


def _values_pattern() -> re.Pattern[str] | None:
    global _pattern
    with _lock:
        if _pattern is None and _values:
            _pattern = re.compile("|".join(re.escape(v) for v in sorted(_values, key=len, reverse=True)))
        return _pattern


def _shape(match: re.Match[str]) -> str:
    return (match.group("bearer") or "") + REDACTED


def redact(text: str) -> str:
    """`text` with every registered secret value and every known token shape replaced."""
    if not text or not isinstance(text, str):
        return text
    values = _values_pattern()
    if values is not None:
        text = values.sub(REDACTED, text)
    return _SHAPES.sub(_shape, text)


def redact_data(value: Any) -> Any:
    """A copy of a JSON-like structure (dicts, lists, tuples, strings) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_data(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_data(v) for v in value)
    return value


class RedactingFilter(logging.Filter):
    """A handler filter that redacts a record's message, exception text and stack."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.msg, record.args = redact(record.getMessage()), None
        except Exception:        # a record whose arguments do not format: leave it to logging
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Add a RedactingFilter to every handler of `logger` (default: the root logger)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def minimal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's environment reduced to what tests need; never anything that looks secret."""
    env = {k: v for k, v in os.environ.items()
           if (k in _KEEP or k.startswith("LC_")) and not is_secret(k)}
    env.update(extra or {})
    return {k: v for k, v in env.items() if not is_secret(k)}
