"""The configurations one bench run compares: the product of its axes (ranker, engine, value probe,
reflection, sandbox), each with the label its rows and plots carry."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from ..config import ENGINES, RANKERS, Config
from ..errors import BadInput

__all__ = ["Variant", "variants", "NO_PROBE", "NO_REFLECTION", "UNSAFE", "ON_OFF"]

NO_PROBE = "-noprobe"          # validated without the value probe (`--ranker ebm-noprobe` too)
NO_REFLECTION = "-noreflect"   # the LLM agent without its reflection turns
UNSAFE = "-unsafe"             # run without the sandbox
ON_OFF = {"on": (True,), "off": (False,), "both": (True, False)}


@dataclass(frozen=True)
class Variant:
    label: str
    config: Config


def variants(rankers: str, engines: str, probe: str, reflection: str, sandbox: str, **base) -> list[Variant]:
    """Every combination of the comma-separated `rankers` and `engines` with the on/off/both axes,
    in that nesting order, over a Config made of `base` (time budget, workers...)."""
    ranker_names = _names(rankers, "ranker", RANKERS, NO_PROBE)
    engine_names = _names(engines, "engine", ENGINES)
    out: list[Variant] = []
    for ranker, engine, probed, reflected, confined in itertools.product(
            ranker_names, engine_names, ON_OFF[probe], ON_OFF[reflection], ON_OFF[sandbox]):
        probed = probed and not ranker.endswith(NO_PROBE)
        name = ranker.removesuffix(NO_PROBE)
        label = (f"{engine}:" if len(engine_names) > 1 or engine != "builtin" else "") + name \
            + ("" if probed else NO_PROBE) + ("" if reflected else NO_REFLECTION) + ("" if confined else UNSAFE)
        config = Config(engine=engine, ranker=name, probe=probed, unsafe_sandbox=not confined, **base)
        config = config.with_(llm=replace(config.llm, reflection=reflected))
        if label not in {v.label for v in out}:
            out.append(Variant(label, config))
    return out


def _names(text: str, what: str, known: tuple[str, ...], suffix: str = "") -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if (n.removesuffix(suffix) if suffix else n) not in known]
    if unknown or not names:
        raise BadInput(f"unknown {what} {unknown[0] if unknown else text!r} (expected {', '.join(known)})")
    return names
