"""Settings for a repair, typed once. The editor's `remedy.*` settings (package.json) and the CLI
flags both arrive here; `Config.from_settings` reads the editor's camelCase section object."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .errors import BadInput
from .llm.settings import TOOL_PROTOCOLS, LlmConfig

__all__ = ["Config", "LlmConfig", "WatchConfig", "ENGINES", "RANKERS", "TOOL_PROTOCOLS"]

ENGINES = ("auto", "builtin", "llm")
RANKERS = ("ebm", "features", "prior", "none")


@dataclass(frozen=True)
class WatchConfig:
    enabled: bool = False
    auto_repair: bool = False
    debounce_s: float = 0.3


@dataclass(frozen=True)
class Config:
    engine: str = "auto"
    python: str = ""                 # interpreter for the user's tests; "" = detect
    pytest_args: tuple[str, ...] = ()
    time_budget: float = 60.0        # seconds for a whole session
    max_candidates: int = 400
    test_timeout: float = 30.0       # seconds for one test run before its process group is killed
    ranker: str = "ebm"
    probe: bool = True               # value-probe the failing tests before validating (not with ranker "none")
    workers: int = 2
    unsafe_sandbox: bool = False     # the user's explicit opt-out: run tests without confinement
    seed: int | None = None          # a rollout's seed (remedy bench --rollouts): near-tie order, LLM sampling
    learn_history: bool = False      # the server mines the project's history in the background (remedy learn)
    llm: LlmConfig = field(default_factory=LlmConfig)
    watch: WatchConfig = field(default_factory=WatchConfig)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise BadInput(f"unknown engine {self.engine!r} (expected one of {', '.join(ENGINES)})")
        if self.ranker not in RANKERS:
            raise BadInput(f"unknown ranker {self.ranker!r} (expected one of {', '.join(RANKERS)})")
        if self.llm.tool_protocol not in TOOL_PROTOCOLS:
            raise BadInput(f"unknown tool protocol {self.llm.tool_protocol!r}")
        if not self.time_budget > 0:
            raise BadInput(f"time budget must be positive, got {self.time_budget}")
        if self.max_candidates < 1:
            raise BadInput(f"maxCandidates must be at least 1, got {self.max_candidates}")

    def with_(self, **changes: Any) -> "Config":
        return replace(self, **changes)

    @classmethod
    def from_settings(cls, section: dict[str, Any] | None) -> "Config":
        """Build from the editor's `remedy` settings object (camelCase keys, as in package.json).
        Its `python` names the interpreter that runs the language server, not the tests: those
        run with the project's interpreter, detected as the CLI detects it (`python` stays "")."""
        if not isinstance(section or {}, dict):
            raise BadInput("remedy settings must be an object")
        s = dict(section or {})
        llm = s.get("llm") or {}
        watch = s.get("watch") or {}
        sandbox = s.get("sandbox") or {}
        if not isinstance(llm, dict) or not isinstance(watch, dict) or not isinstance(sandbox, dict):
            raise BadInput("remedy.llm, remedy.watch and remedy.sandbox must be objects")
        default = cls()
        try:
            return cls(
                engine=str(s.get("engine", default.engine)),
                pytest_args=tuple(str(a) for a in (s.get("pytestArgs") or ())),
                time_budget=float(s.get("timeBudget", default.time_budget)),
                max_candidates=int(s.get("maxCandidates", default.max_candidates)),
                unsafe_sandbox=bool(sandbox.get("unsafe", default.unsafe_sandbox)),
                learn_history=bool(s.get("learnHistory", default.learn_history)),
                llm=LlmConfig(
                    base_url=str(llm.get("baseUrl", "") or default.llm.base_url),
                    model=str(llm.get("model", "") or default.llm.model),
                    api_key_env=str(llm.get("apiKeyEnv", "") or default.llm.api_key_env),
                    tool_protocol=str(llm.get("toolProtocol", "") or default.llm.tool_protocol),
                ),
                watch=WatchConfig(enabled=bool(watch.get("enabled", default.watch.enabled)),
                                  auto_repair=bool(watch.get("autoRepair", default.watch.auto_repair))),
            )
        except (TypeError, ValueError) as exc:
            raise BadInput(f"invalid remedy settings: {exc}") from None


