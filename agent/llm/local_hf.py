"""A local Hugging Face checkpoint (any folder with a config and tokenizer) through transformers,
on the GPU when there is one, with every reply decoded under an xgrammar JSON-schema grammar.

Tool calls from a local model are therefore always well-formed: in the native protocol the reply
is constrained to {"tool": name, "args": {...}} over the offered tools and returned as a tool call;
in the json protocol to the request's `response_schema`. The schema is first narrowed to the token
budget (agent.llm.budget), so even a weak model finishes its JSON before `max_new_tokens`.

A LoRA adapter folder (as `remedy finetune --local` writes it) loads as base + adapter: the
checkpoint its adapter_config.json names, wrapped by peft's `PeftModel.from_pretrained`.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import uuid
import warnings
from pathlib import Path
from typing import Any

from ..errors import BackendError
from .base import ChatReply, ChatRequest, DeltaCallback, ToolCallRequest, Usage
from .budget import fit_schema

__all__ = ["LocalHFModel", "tool_call_schema", "plain_messages", "ADAPTER_CONFIG"]

ADAPTER_CONFIG = "adapter_config.json"


def tool_call_schema(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """The schema of one {"tool": ..., "args": ...} object over OpenAI function specs."""
    branches = [{"type": "object",
                 "properties": {"tool": {"const": t["function"]["name"]},
                                "args": t["function"]["parameters"]},
                 "required": ["tool", "args"], "additionalProperties": False} for t in tools]
    return branches[0] if len(branches) == 1 else {"anyOf": branches}


class LocalHFModel:
    """`path` is a checkpoint folder, or a LoRA adapter folder (adapter_config.json naming its
    base_model_name_or_path, as `remedy finetune --local` writes it); `adapter` names an adapter
    folder explicitly, to put on the checkpoint at `path`. With an adapter the base is loaded,
    then `peft.PeftModel.from_pretrained` wraps it; `self.adapter` says which one is in use."""

    def __init__(self, path: Path | str, *, max_new_tokens: int = 4096, device: str | None = None,
                 seed: int | None = None, adapter: Path | str | None = None) -> None:
        folder = Path(path).expanduser()
        base, self.adapter = _base_and_adapter(folder, Path(adapter).expanduser() if adapter else None)
        if not (base / "config.json").is_file():
            raise BackendError(f"no Hugging Face checkpoint at {base} (config.json missing)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")     # a local folder never needs the network
        import torch
        import xgrammar as xgr
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()         # no loading bars in Remedy's progress on stderr
        self._torch, self._xgr = torch, xgr
        self.name = folder.name
        self.max_new_tokens = max_new_tokens
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        tokenizer_home = self.adapter if self.adapter and (self.adapter / "tokenizer_config.json").is_file() else base
        # Any: transformers types these results by every overload at once (a str, a list, a batch...)
        self.tokenizer: Any = AutoTokenizer.from_pretrained(str(tokenizer_home))
        model: Any = AutoModelForCausalLM.from_pretrained(str(base))
        if self.adapter is not None:
            model = _with_adapter(model, self.adapter)
            print(f"remedy: local model {base} with LoRA adapter {self.adapter}", file=sys.stderr)
        self.model = model.to(self.device).eval()
        vocab = getattr(self.model.config, "vocab_size", None) or len(self.tokenizer)
        self._compiler = xgr.GrammarCompiler(xgr.TokenizerInfo.from_huggingface(self.tokenizer,
                                                                                 vocab_size=vocab))
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        if seed is not None:
            torch.manual_seed(seed)

    def complete(self, request: ChatRequest, on_delta: DeltaCallback | None = None) -> ChatReply:
        request = request.redacted()
        if request.tools:
            schema = tool_call_schema(request.tools)
        elif request.response_schema is not None:
            schema = request.response_schema
        else:
            schema = None
        budget = min(request.max_tokens or self.max_new_tokens, self.max_new_tokens)
        with self._lock:
            text, usage = self._generate(request.messages, schema, budget, request.temperature, request.seed)
        if on_delta is not None and text:
            on_delta(text)
        if not request.tools:
            return ChatReply(text, [], usage)
        call = json.loads(text)    # the grammar guarantees this parses
        return ChatReply("", [ToolCallRequest(f"call_{uuid.uuid4().hex[:8]}", call["tool"],
                                              json.dumps(call["args"]))], usage, "tool_calls")

    def _generate(self, messages: list[dict[str, Any]], schema: dict[str, Any] | None,
                  budget: int, temperature: float, seed: int | None = None) -> tuple[str, Usage]:
        inputs = self.tokenizer.apply_chat_template(plain_messages(messages), add_generation_prompt=True,
                                                    return_tensors="pt", return_dict=True).to(self.device)
        kwargs: dict[str, Any] = {"max_new_tokens": budget,
                                  "pad_token_id": self.tokenizer.pad_token_id or self.tokenizer.eos_token_id}
        if temperature > 0:
            kwargs.update(do_sample=True, temperature=temperature)
            if seed is not None:
                self._torch.manual_seed(seed)
        else:
            kwargs.update(do_sample=False)
        if schema is not None:
            kwargs["logits_processor"] = [self._xgr.contrib.hf.LogitsProcessor(self._compiled(schema, budget))]
        with self._torch.no_grad():
            out = self.model.generate(**inputs, **kwargs)
        prompt_len = inputs["input_ids"].shape[1]
        new = out[0][prompt_len:]
        text = self.tokenizer.decode(new, skip_special_tokens=True)
        return text, Usage(int(prompt_len), int(new.shape[0]))

    def _compiled(self, schema: dict[str, Any], budget: int) -> Any:
        key = json.dumps(schema, sort_keys=True) + f"@{budget}"
        if key not in self._cache:
            narrowed = fit_schema(schema, budget)
            self._cache[key] = self._compiler.compile_json_schema(json.dumps(narrowed),
                                                                  any_whitespace=False)
        return self._cache[key]


def _base_and_adapter(folder: Path, adapter: Path | None) -> tuple[Path, Path | None]:
    """The checkpoint to load and the adapter to put on it (None: none)."""
    if adapter is not None:
        return folder, adapter
    config = folder / ADAPTER_CONFIG
    if not config.is_file():
        return folder, None
    try:
        named = json.loads(config.read_text(encoding="utf-8"))["base_model_name_or_path"]
    except (OSError, ValueError, KeyError, TypeError):
        raise BackendError(f"{config} names no base_model_name_or_path") from None
    base = Path(named).expanduser()
    if not base.is_absolute() and (folder / base / "config.json").is_file():
        base = folder / base
    if not (base / "config.json").is_file():
        raise BackendError(f"the LoRA adapter {folder} is for {named}, which is no local checkpoint folder")
    return base, folder


def _with_adapter(model: Any, adapter: Path) -> Any:
    try:
        from peft import PeftModel
    except ImportError:
        raise BackendError(f"{adapter} is a LoRA adapter and loading it needs peft: "
                           "pip install 'remedy[local]'") from None
    if not (adapter / ADAPTER_CONFIG).is_file():
        raise BackendError(f"no LoRA adapter at {adapter} ({ADAPTER_CONFIG} missing)")
    with warnings.catch_warnings():     # peft 0.21 still reads a property transformers 5 deprecates
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing", category=FutureWarning)
        return PeftModel.from_pretrained(model, str(adapter))


def plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Chat templates of small models know only role/content: fold tool calls and results in."""
    plain = []
    for m in messages:
        content = m.get("content") or ""
        for call in m.get("tool_calls") or []:
            fn = call["function"]
            try:
                args = json.loads(fn["arguments"])
            except json.JSONDecodeError:
                args = fn["arguments"]
            content += json.dumps({"tool": fn["name"], "args": args})
        role = m["role"] if m["role"] in ("system", "user", "assistant") else "user"
        plain.append({"role": role, "content": content})
    return plain
