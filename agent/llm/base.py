"""The `ChatModel` port: one chat-completion call in, one reply out, in the OpenAI wire format.

Messages are plain dicts as the chat-completions API writes them ({"role", "content",
"tool_calls", "tool_call_id"}), so the message list can be sent as is, traced and replayed. Every
backend (openai_compat, local_hf, scripted) implements `complete`, and redacts secrets from the
messages first (`ChatRequest.redacted`); the loop knows nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol

from ..secrets import redact_data

__all__ = ["ToolCallRequest", "Usage", "ChatRequest", "ChatReply", "ChatModel", "DeltaCallback"]

DeltaCallback = Callable[[str], None]


@dataclass(frozen=True)
class ToolCallRequest:
    """A tool call as the model wrote it; `arguments` is the raw JSON text (it may be malformed)."""
    id: str
    name: str
    arguments: str


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: "Usage") -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


@dataclass
class ChatRequest:
    """tools: OpenAI function specs (native protocol); response_schema: a JSON schema the reply's
    content must follow (json protocol) — backends that can enforce it (local_hf) do."""
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    response_schema: dict[str, Any] | None = None
    temperature: float = 0.0
    max_tokens: int | None = None
    seed: int | None = None          # sampling seed, where the backend supports one

    def redacted(self) -> "ChatRequest":
        """This request with every known secret redacted from its messages: what a backend sends
        (each backend's `complete` starts with it)."""
        return replace(self, messages=redact_data(self.messages))


@dataclass
class ChatReply:
    content: str = ""
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"

    def as_message(self) -> dict[str, Any]:
        """The assistant message to append to the history."""
        msg: dict[str, Any] = {"role": "assistant", "content": self.content or ""}
        if self.tool_calls:
            msg["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments}}
                                 for c in self.tool_calls]
        return msg


class ChatModel(Protocol):
    """Anything that answers a chat request. `name` is the model name used for pricing/traces."""
    name: str

    def complete(self, request: ChatRequest, on_delta: DeltaCallback | None = None) -> ChatReply:
        ...
