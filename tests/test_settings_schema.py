"""The editor's settings (package.json's `remedy.*` schema) and `agent.Config` say the same thing:
every setting maps to a Config field with the same default and a compatible type, the enums are
the Config's, and the schema's defaults read through `Config.from_settings` give `Config()`."""
from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from agent.config import ENGINES, TOOL_PROTOCOLS, Config, LlmConfig, WatchConfig

ROOT = Path(__file__).resolve().parent.parent
# setting -> (Config path, Python type); `python` names the server's interpreter, not a Config field
FIELDS = {
    "remedy.engine": ("engine", str),
    "remedy.pytestArgs": ("pytest_args", tuple),
    "remedy.timeBudget": ("time_budget", float),
    "remedy.maxCandidates": ("max_candidates", int),
    "remedy.sandbox.unsafe": ("unsafe_sandbox", bool),
    "remedy.llm.baseUrl": ("llm.base_url", str),
    "remedy.llm.model": ("llm.model", str),
    "remedy.llm.apiKeyEnv": ("llm.api_key_env", str),
    "remedy.llm.toolProtocol": ("llm.tool_protocol", str),
    "remedy.learnHistory": ("learn_history", bool),
    "remedy.watch.enabled": ("watch.enabled", bool),
    "remedy.watch.autoRepair": ("watch.auto_repair", bool),
}
SERVER_ONLY = {"remedy.python"}
JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", tuple: "array"}


def _schema() -> dict:
    contributes = json.loads((ROOT / "package.json").read_text())["contributes"]["configuration"]
    return (contributes if isinstance(contributes, dict) else contributes[0])["properties"]


def _get(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_setting_is_a_config_field_with_the_same_default_and_type():
    schema = _schema()
    assert set(schema) == set(FIELDS) | SERVER_ONLY
    defaults = Config()
    for key, (path, kind) in FIELDS.items():
        prop = schema[key]
        assert prop["type"] == JSON_TYPES[kind], key
        want = tuple(prop["default"]) if kind is tuple else prop["default"]
        assert _get(defaults, path) == want, key
        assert isinstance(_get(defaults, path), kind), key


def test_the_schemas_enums_are_the_configs():
    schema = _schema()
    assert tuple(schema["remedy.engine"]["enum"]) == ENGINES
    assert tuple(schema["remedy.llm.toolProtocol"]["enum"]) == TOOL_PROTOCOLS


def test_the_schemas_defaults_read_as_the_default_config():
    section: dict = {}
    for key, prop in _schema().items():
        *parents, leaf = key.removeprefix("remedy.").split(".")
        node = section
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = prop["default"]
    assert Config.from_settings(section) == Config()


def test_the_mapping_covers_every_user_setting_of_config():
    """A Config field that the editor could set but the schema lacks fails here (internal knobs
    listed)."""
    internal = {"python", "test_timeout", "ranker", "probe", "workers", "seed", "llm", "watch",
                "llm.reflection", "llm.max_steps", "watch.debounce_s"}
    mapped = {path for path, _ in FIELDS.values()}
    every = {f.name for f in fields(Config)} | {f"llm.{f.name}" for f in fields(LlmConfig)} \
        | {f"watch.{f.name}" for f in fields(WatchConfig)}
    assert every - mapped == internal
