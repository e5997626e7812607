"""Human intervention through `window/showMessageRequest`: approve a risky action (the engine's
policy gate calls `approve_from_thread` from its worker thread), choose between patches that
behave differently, and decide what to do when a failure cannot be reproduced."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Sequence

from lsprotocol import types

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["Prompts", "ALLOW", "DENY", "RUN_ANYWAY", "CANCEL"]

log = logging.getLogger(__name__)

ALLOW, DENY = "Allow", "Deny"
RUN_ANYWAY, CANCEL = "Run anyway", "Cancel"
APPROVAL_TIMEOUT_S = 300.0


class Prompts:
    def __init__(self, ls: "RemedyServer") -> None:
        self._ls = ls
        self._loop: asyncio.AbstractEventLoop | None = None

    async def ask(self, message: str, actions: Sequence[str],
                  kind: types.MessageType = types.MessageType.Info) -> str | None:
        """The title the user picked, or None when they dismissed the prompt."""
        self._loop = asyncio.get_running_loop()
        try:
            answer = await self._ls.window_show_message_request_async(types.ShowMessageRequestParams(
                type=kind, message=f"Remedy: {message}",
                actions=[types.MessageActionItem(title=a) for a in actions]))
        except Exception as exc:     # a client without this request counts as "dismissed"
            log.warning("showMessageRequest failed: %s", exc)
            return None
        return answer.title if answer is not None else None

    async def approve(self, question: str) -> bool:
        return await self.ask(question, [ALLOW, DENY], types.MessageType.Warning) == ALLOW

    async def choose(self, question: str, options: Sequence[str]) -> str | None:
        """Let the user pick one of several plausible patches that differ in behaviour."""
        return await self.ask(question, options)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def approve_from_thread(self, question: str) -> bool:
        """The engine's approval port: blocks its worker thread until the user answers.
        Denies when there is no event loop to ask on, or nobody answers in time."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return False
        future = asyncio.run_coroutine_threadsafe(self.approve(question), loop)
        try:
            return future.result(APPROVAL_TIMEOUT_S)
        except Exception:
            future.cancel()
            return False
