"""Tool protocols: how tool calls travel between the loop and a model.

- `native`: the API's own tool_calls; each call is answered by a `tool` message with its id.
- `json`: the system prompt lists the tools and their schemas, and the assistant's content is one
  JSON object {"tool": ..., "args": ...}; the result comes back as a user message.

Both turn a reply into `Action`s. An action with `error` set was not executable (malformed JSON,
unknown tool, arguments that fail the schema); the loop answers it with the error as feedback.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import jsonschema

from ..llm.base import ChatReply, ChatRequest
from ..llm.catalog import prompt
from ..llm.local_hf import tool_call_schema

__all__ = ["ToolSpec", "Action", "Protocol", "NativeProtocol", "JsonProtocol", "make_protocol"]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    schema: dict[str, Any]

    def openai(self) -> dict[str, Any]:
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": self.schema}}


@dataclass
class Action:
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    call_id: str = ""
    error: str | None = None


class Protocol:
    name = ""

    def __init__(self, tools: Sequence[ToolSpec]) -> None:
        self.tools = {t.name: t for t in tools}

    def system_prompt(self, base: str) -> str:
        return base

    def request(self, messages: list[dict[str, Any]], temperature: float = 0.0,
                seed: int | None = None) -> ChatRequest:
        raise NotImplementedError

    def actions(self, reply: ChatReply) -> list[Action]:
        raise NotImplementedError

    def result_message(self, action: Action, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def check(self, name: str, args: Any, call_id: str = "") -> Action:
        """Validate a parsed call against the tool table and the tool's schema."""
        if name not in self.tools:
            return Action(name, {}, call_id, f"unknown tool {name!r}; available tools: "
                          + ", ".join(sorted(self.tools)))
        if not isinstance(args, dict):
            return Action(name, {}, call_id, "args must be a JSON object")
        try:
            jsonschema.validate(args, self.tools[name].schema)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "args"
            return Action(name, args, call_id, f"invalid args for {name} at {where}: {exc.message[:300]}")
        return Action(name, args, call_id)


class NativeProtocol(Protocol):
    name = "native"

    def request(self, messages: list[dict[str, Any]], temperature: float = 0.0,
                seed: int | None = None) -> ChatRequest:
        return ChatRequest(messages, tools=[t.openai() for t in self.tools.values()],
                           temperature=temperature, seed=seed)

    def actions(self, reply: ChatReply) -> list[Action]:
        if not reply.tool_calls:
            return [Action("", {}, "", "no tool call in your reply; call exactly one tool")]
        found = []
        for call in reply.tool_calls:
            try:
                args = json.loads(call.arguments or "{}")
            except json.JSONDecodeError as exc:
                found.append(Action(call.name, {}, call.id, f"arguments are not valid JSON: {exc}"))
                continue
            found.append(self.check(call.name, args, call.id))
        return found

    def result_message(self, action: Action, text: str) -> dict[str, Any]:
        if action.call_id:
            return {"role": "tool", "tool_call_id": action.call_id, "content": text}
        return {"role": "user", "content": text}


class JsonProtocol(Protocol):
    name = "json"

    def system_prompt(self, base: str) -> str:
        listing = "\n".join(f"- {t.name}: {t.description}\n  args schema: {json.dumps(t.schema)}"
                            for t in self.tools.values())
        return f"{base}\n{prompt('json_protocol')}{listing}\n"

    def request(self, messages: list[dict[str, Any]], temperature: float = 0.0,
                seed: int | None = None) -> ChatRequest:
        schema = tool_call_schema([t.openai() for t in self.tools.values()])
        return ChatRequest(messages, response_schema=schema, temperature=temperature, seed=seed)

    def actions(self, reply: ChatReply) -> list[Action]:
        text = _strip_fence(reply.content)
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            return [Action("", {}, "", f"your reply is not valid JSON ({exc.msg} at char {exc.pos}); "
                            'reply with one object {"tool": ..., "args": {...}}')]
        if not isinstance(obj, dict) or set(obj) - {"tool", "args"} or "tool" not in obj:
            return [Action("", {}, "", 'reply with one object {"tool": ..., "args": {...}} '
                            "and no other keys")]
        return [self.check(str(obj["tool"]), obj.get("args", {}))]

    def result_message(self, action: Action, text: str) -> dict[str, Any]:
        label = f"Result of {action.name}" if action.name and not action.error else "Error"
        return {"role": "user", "content": f"{label}:\n{text}"}


def _strip_fence(text: str) -> str:
    match = re.fullmatch(r"\s*```(?:json)?\s*(.*?)\s*```\s*", text, re.S)
    return (match.group(1) if match else text).strip()


def make_protocol(name: str, tools: Sequence[ToolSpec]) -> Protocol:
    return {"native": NativeProtocol, "json": JsonProtocol}[name](tools)
