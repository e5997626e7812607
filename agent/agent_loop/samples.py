"""LLM samples behind the generate stage's interface (an agent.generate.Sampler): a round runs K
agent loops, each in its own sandbox copy (engine.py), and adds the patches that pass the failing
targets. The session asks for more rounds (`schedule`: K = 2, 4, 8) while validation keeps failing."""
from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from ..cancel import CancelToken
from ..config import Config
from ..errors import BackendError, BadInput
from ..events import Event
from ..generate.stage import Generated, Work
from ..sandbox.tool_gate import Approver, deny_all

if TYPE_CHECKING:
    from .engine import LlmEngine, SessionLlm

__all__ = ["LlmSamples", "start_llm"]


class LlmSamples:
    """The LLM side of a session, started on its first round (after the built-in generator):
    nothing with the builtin engine, or with auto and no LLM configured."""

    def __init__(self, config: Config, runner, cancel: CancelToken, approve: Approver | None) -> None:
        self.config, self.runner, self.cancel, self.approve = config, runner, cancel, approve
        self.llm: SessionLlm | None = None
        self.started = False

    @property
    def engine(self) -> LlmEngine | None:
        return self.llm.engine if self.llm is not None else None

    @property
    def note(self) -> str:
        """Why the LLM took no part, when it was meant to."""
        return self.llm.note if self.llm is not None else ""

    def schedule(self) -> Sequence[int]:
        """The sample counts of the rounds still to come."""
        return self.llm.schedule() if self.llm is not None else ()

    async def run(self, work: Work, out: Generated, k: int = 1) -> AsyncIterator[Event]:
        if not self.started:
            self.started = True
            self.llm = start_llm(self.config, self.runner, self.cancel, self.approve)
        if self.llm is None:
            return
        async for event in self.llm.round(k, work.project, work.files, work.failing, work.lines):
            yield event
        out.candidates += self.llm.fresh


def start_llm(config: Config, runner, cancel: CancelToken, approve: Approver | None) -> SessionLlm | None:
    """The LLM side of a session, or None (builtin engine; auto with no LLM configured). In auto
    mode a backend that cannot be made switches the LLM off with a note."""
    if config.engine == "builtin" or (config.engine == "auto" and not config.llm.configured):
        return None
    # The agent loop (jsonschema, the tools) and the backends load only when an LLM takes part.
    from ..llm import make_model
    from .engine import LlmEngine, SessionLlm

    if not config.llm.configured:
        raise BadInput("--engine llm needs a model: --model NAME with --base-url URL, "
                       "a local checkpoint folder, or scripted:TRANSCRIPT")
    try:
        model = make_model(config.llm)
    except BackendError as exc:
        if config.engine == "llm":
            raise
        off = SessionLlm(None, "auto")          # type: ignore[arg-type]
        off.available, off.note = False, f"LLM unavailable ({exc}); used the built-in engine"
        return off
    return SessionLlm(LlmEngine(model, config, runner, cancel, approve or deny_all), config.engine)
