"""Running the user's tests: a pytest subprocess with structured results (runner), the warm
worker fast path (warm) and the pool that validates candidates with both (pool)."""
from __future__ import annotations

from .pool import ValidationPool
from .runner import PytestRunner, check_pytest
from .warm import WarmWorker

__all__ = ["PytestRunner", "check_pytest", "WarmWorker", "ValidationPool"]
