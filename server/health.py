"""The start-up health check: once the client is initialized (its settings in), the required
`remedy doctor` checks run once in a worker thread, never blocking a request, and when one fails
the editor hears it ONCE, in one `window/showMessage` that names the fix: an Error (the sandbox
included, unless `remedy.sandbox.unsafe` is true). With the opt-out set, a Warning carrying
UNSAFE_NOTE is shown once, at start-up or when the setting is turned on later."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from agent import UNSAFE_NOTE, LlmConfig, doctor_checks

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["Health", "startup_message"]

log = logging.getLogger(__name__)


def startup_message(checks, unsafe: bool) -> tuple[str, types.MessageType] | None:
    """The one message for these check results (None: nothing to say). Checks that were not run
    because an earlier one failed are left out: the earlier one's fix is the one to apply."""
    failed = [c for c in checks if c.required and not c.ok and not c.skipped]
    if failed:
        text = "not ready to repair: " + "; ".join(
            f"{c.name}: {c.detail}" + (f" (fix: {c.fix})" if c.fix else "") for c in failed)
        return (f"{text}. Also: {UNSAFE_NOTE}" if unsafe else text), types.MessageType.Error
    if unsafe:
        return UNSAFE_NOTE, types.MessageType.Warning
    return None


class Health:
    def __init__(self, ls: "RemedyServer") -> None:
        self._ls = ls
        self._task: asyncio.Task[None] | None = None
        self.checks: list = []            # the last results, for tests and logs
        self.unsafe_warned = False

    def start(self) -> None:
        """Run the checks once (later calls do nothing)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def settings_changed(self) -> None:
        """The opt-out turned on after the start-up message: say so once."""
        if self._task is not None and self._task.done() and self._ls.config.unsafe_sandbox \
                and not self.unsafe_warned:
            self.unsafe_warned = True
            self._ls.show(UNSAFE_NOTE, types.MessageType.Warning)

    async def _run(self) -> None:
        config = self._ls.config
        roots = self._ls.roots()
        llm = config.llm if config.engine != "builtin" else LlmConfig()
        try:
            self.checks = await asyncio.to_thread(
                doctor_checks, roots[0] if roots else None, config.python, llm,
                config.unsafe_sandbox, required_only=True)
        except Exception:           # a broken check must not take the server with it
            log.exception("start-up checks failed")
            return
        for check in self.checks:
            log.info("check %s: %s %s", check.name, "ok" if check.ok else "FAILED", check.detail)
        unsafe = self._ls.config.unsafe_sandbox
        message = startup_message(self.checks, unsafe)
        self.unsafe_warned = unsafe
        if message is not None:
            self._ls.show(*message)
