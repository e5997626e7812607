"""The repair session (placeholder signature; the real pipeline lands shortly)."""
from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Sequence

from .cancel import CancelToken
from .config import Config
from .events import Event


async def repair(root: Path | str, test_ids: Sequence[str] | None = None, config: Config | None = None,
                 cancel: CancelToken | None = None) -> AsyncIterator[Event]:
    """Run one repair session; yields events and always ends with `Done` (or `Error` then `Done`).

    test_ids: pytest node ids or test files relative to root; empty/None = all failing tests.
    Bad input raises nothing: it yields Error(kind="bad_input") and Done(status=error).
    """
    raise NotImplementedError
    yield  # pragma: no cover
