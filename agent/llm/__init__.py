"""LLM backends behind one `ChatModel` port, and the factory that picks a backend from the
settings: `scripted:<transcript>` replays a file, a local checkpoint folder loads with
transformers, anything else is an OpenAI-compatible endpoint at `base_url`."""
from __future__ import annotations

from pathlib import Path

from .base import ChatModel, ChatReply, ChatRequest, ToolCallRequest, Usage
from .catalog import cost_usd, resolve_base_url
from .settings import LlmConfig

__all__ = ["ChatModel", "ChatReply", "ChatRequest", "ToolCallRequest", "Usage", "make_model", "LlmConfig",
           "cost_usd", "resolve_base_url"]


def make_model(config: LlmConfig) -> ChatModel:
    """The backend the settings name; BackendError when it cannot be built."""
    if config.model.startswith("scripted:"):
        from .scripted import ScriptedModel
        return ScriptedModel.from_file(config.model.removeprefix("scripted:"))
    local = Path(config.model).expanduser()
    if not config.base_url and local.is_dir():
        from .local_hf import LocalHFModel
        return LocalHFModel(local)
    from .openai_compat import OpenAICompatModel
    return OpenAICompatModel(config.base_url, config.model, config.api_key_env)
