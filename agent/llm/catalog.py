"""Data files behind the LLM layer: base-URL presets, token and training prices and prompts (all in files, read
with importlib.resources), plus the cost arithmetic that traces and `remedy cost` share."""
from __future__ import annotations

import functools
import json
from importlib import resources

from .base import Usage

__all__ = ["presets", "resolve_base_url", "prices", "price_of", "training_price_of", "cost_usd", "prompt"]


@functools.cache
def presets() -> dict[str, str]:
    return json.loads(resources.files("agent.llm.data").joinpath("presets.json").read_text("utf-8"))


def resolve_base_url(base_url: str) -> str:
    """A preset name ("openai", "together", "vllm", "ollama", "llamacpp") or a URL as given."""
    return presets().get(base_url.strip().lower(), base_url.strip())


@functools.cache
def prices() -> dict[str, tuple[float, float]]:
    raw = json.loads(resources.files("agent.llm.data").joinpath("prices.json").read_text("utf-8"))
    return {k: (float(v[0]), float(v[1])) for k, v in raw.items() if not k.startswith("_")}


def price_of(model: str) -> tuple[float, float] | None:
    """(input, output) USD per million tokens, or None for unknown (self-hosted, local) models."""
    table = prices()
    return table.get(model) or table.get(model.rsplit("/", 1)[-1])


@functools.cache
def _training_prices() -> dict[str, float]:
    raw = json.loads(resources.files("agent.llm.data").joinpath("training_prices.json").read_text("utf-8"))
    return {k: float(v) for k, v in raw.items() if not k.startswith("_")}


def training_price_of(model: str) -> float | None:
    """USD per million training tokens of a hosted fine-tune of `model`, or None when unknown."""
    table = _training_prices()
    return table.get(model, table.get(model.rsplit("/", 1)[-1]))


def cost_usd(model: str, usage: Usage) -> float:
    price = price_of(model)
    if price is None:
        return 0.0
    return (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1e6


@functools.cache
def prompt(name: str) -> str:
    return resources.files("agent.llm.prompts").joinpath(f"{name}.txt").read_text("utf-8")
