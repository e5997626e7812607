"""The session's warm validation workers (agent.testing.pool), started in the background while the
failure is reproduced, since the probe, the angelic request and validation need them next."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from ..cancel import CancelToken
from ..testing.pool import ValidationPool
from ..testing.runner import PytestRunner

__all__ = ["warm_pool"]


@asynccontextmanager
async def warm_pool(root: Path, test_files: Sequence[str], runner: PytestRunner, workers: int,
                    cancel: CancelToken) -> AsyncIterator[asyncio.Future]:
    """The pool being started (await it: it raises what stopped it starting), closed on exit."""
    pool = asyncio.ensure_future(asyncio.to_thread(ValidationPool, root, test_files, runner,
                                                   workers=max(1, workers), cancel=cancel))
    try:
        yield pool
    finally:
        try:
            started = await pool
        except Exception:   # it never started: nothing to close
            started = None
        if started is not None:
            await asyncio.to_thread(started.close)
