"""`remedy finetune --local CHECKPOINT`: a LoRA adapter (peft) trained on exported sft lines, on a
local transformers checkpoint, on the GPU when there is one.

Each line's messages are folded into plain role/content turns the way the local backend folds
them when it runs the model (agent.llm.local_hf.plain_messages), rendered with the checkpoint's
chat template, and the loss is taken on the assistant turns only (found by their character
spans in the rendered text; a tokenizer without offsets trains on every token). The adapter
folder — adapter weights, adapter_config.json naming the base checkpoint, and the tokenizer — is
written to a temporary folder beside `out` and renamed into place, so it is whole or absent.
`remedy fix --model ADAPTER` then loads base + adapter (agent/llm/local_hf.py).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from ..errors import BadInput

__all__ = ["train_adapter", "require_peft", "PEFT_MISSING"]

PEFT_MISSING = "remedy finetune --local needs peft and transformers: pip install 'remedy[local]'"


def require_peft() -> None:
    """BadInput (one line, naming the extra to install) when peft or transformers is missing."""
    try:
        import peft  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        raise BadInput(PEFT_MISSING) from None


def train_adapter(checkpoint: Path, rows: list[dict[str, Any]], out: Path, *, epochs: int = 1, lora_r: int = 8,
                  learning_rate: float = 2e-3, max_tokens: int = 2048, device: str | None = None,
                  seed: int = 0) -> dict[str, Any]:
    require_peft()
    import peft
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = Path(checkpoint).expanduser().resolve()
    if not (base / "config.json").is_file():
        raise BadInput(f"no Hugging Face checkpoint at {checkpoint} (config.json missing)")
    out = Path(out).expanduser().resolve()
    if out.exists():
        raise BadInput(f"{out} already exists: give --out a new folder")
    if epochs < 1 or lora_r < 1:
        raise BadInput("--epochs and --lora-r must be at least 1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")        # a local folder never needs the network
    torch.manual_seed(seed)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()                   # stderr is Remedy's: one line per error
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    examples = [e for e in (_encode(tokenizer, row, max_tokens) for row in rows) if e is not None]
    if not examples:
        raise BadInput("no sft line has an assistant turn to train on")
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    model: Any = AutoModelForCausalLM.from_pretrained(str(base), dtype=dtype)
    lora = peft.LoraConfig(r=lora_r, lora_alpha=2 * lora_r, lora_dropout=0.0, target_modules="all-linear",
                           task_type="CAUSAL_LM")
    with warnings.catch_warnings():     # peft 0.21 still reads a property transformers 5 deprecates
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing", category=FutureWarning)
        model = peft.get_peft_model(model, lora).to(device)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=learning_rate)
    model.train()
    losses = []
    for _ in range(epochs):
        for ids, labels in examples:
            loss = model(input_ids=torch.tensor([ids], device=device),
                         labels=torch.tensor([labels], device=device)).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(float(loss.detach()))
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        model.save_pretrained(str(partial))
        tokenizer.save_pretrained(str(partial))
        os.rename(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"status": "trained", "adapter": str(out), "base": str(base), "device": device,
            "examples": len(examples), "epochs": epochs, "steps": len(losses), "lora_r": lora_r,
            "trainable_params": trainable, "loss_first": round(losses[0], 4), "loss_last": round(losses[-1], 4)}


def _encode(tokenizer: Any, row: dict[str, Any], max_tokens: int) -> tuple[list[int], list[int]] | None:
    """Token ids of the rendered conversation and labels that keep only the assistant turns."""
    from ..llm.local_hf import plain_messages

    messages = plain_messages(row["messages"])
    try:
        text = tokenizer.apply_chat_template(messages, tokenize=False)
    except ValueError as exc:        # no chat template: nothing says how a conversation reads
        raise BadInput(f"the checkpoint's tokenizer cannot render a conversation: {' '.join(str(exc).split())[:200]}"
                       ) from None
    spans, cursor = [], 0
    for m in messages:
        at = text.find(m["content"], cursor) if m["content"] else -1
        if at < 0:
            continue
        cursor = at + len(m["content"])
        if m["role"] == "assistant":
            eos = tokenizer.eos_token or ""
            end = cursor + len(eos) if eos and text.startswith(eos, cursor) else cursor   # learn to stop
            spans.append((at, end))
    if not spans:
        return None
    try:
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = encoded["offset_mapping"]
    except (NotImplementedError, ValueError, KeyError):
        encoded, offsets = tokenizer(text, add_special_tokens=False), None
    ids = list(encoded["input_ids"])[:max_tokens]
    if offsets is None:
        return ids, list(ids)
    labels = [i if any(a <= start < b for a, b in spans) else -100 for i, (start, _) in zip(ids, offsets)]
    if all(label == -100 for label in labels):
        return None
    return ids, labels
