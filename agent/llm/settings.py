"""What the settings say about the LLM: which model, where, with which tool protocol."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LlmConfig", "TOOL_PROTOCOLS"]

TOOL_PROTOCOLS = ("native", "json")


@dataclass(frozen=True)
class LlmConfig:
    base_url: str = ""
    model: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    tool_protocol: str = "native"
    reflection: bool = True
    max_steps: int = 30

    @property
    def configured(self) -> bool:
        return bool(self.model and (self.base_url or self.model.startswith(("/", "./", "~"))))
