"""Remedy's exceptions, drawn once:

    RemedyError                 anything Remedy reports to a person (one line, no traceback)
    ├── BadInput                the request itself is wrong (CLI exit 2; LSP InvalidParams)
    │   ├── NotAProject         root missing, not a directory, or holds no Python code
    │   ├── UnknownTest         a test id that pytest cannot find (named in the message)
    │   ├── UserSyntaxError     the user's code does not parse (says file:line)
    │   ├── PytestMissing       the target interpreter cannot import pytest
    │   └── SandboxUnavailable  no sandbox can run here and the user did not opt out of it
    ├── Cancelled               the session's cancel token fired
    └── BackendError            a model endpoint is down, refused the key, or timed out
"""
from __future__ import annotations

__all__ = ["RemedyError", "BadInput", "NotAProject", "UnknownTest", "UserSyntaxError",
           "PytestMissing", "SandboxUnavailable", "Cancelled", "BackendError"]


class RemedyError(Exception):
    """Base class; str(err) is the one-line message shown to the user."""


class BadInput(RemedyError):
    pass


class NotAProject(BadInput):
    pass


class UnknownTest(BadInput):
    pass


class UserSyntaxError(BadInput):
    pass


class PytestMissing(BadInput):
    pass


class SandboxUnavailable(BadInput):
    pass


class Cancelled(RemedyError):
    pass


class BackendError(RemedyError):
    pass
